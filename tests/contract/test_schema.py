"""The published SDL matches the code, and the code honours the shared contract."""

from pathlib import Path

import pytest
from graphql import build_schema as build_sdl
from graphql.utilities import BreakingChangeType, find_breaking_changes

from schema.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "contract.graphql"

# Contract parts not built yet (each issue removed its names as it landed): none left.
NOT_YET_BUILT: set[str] = set()
ABSENCES = {BreakingChangeType.TYPE_REMOVED, BreakingChangeType.FIELD_REMOVED}


def current_sdl() -> str:
    return str(build_schema()) + "\n"


def test_schema_graphql_is_regenerated() -> None:
    assert (ROOT / "schema.graphql").read_text() == current_sdl(), (
        "schema.graphql is stale: run `commerce export-schema`")


def test_every_type_and_field_has_a_description() -> None:
    schema = build_sdl(current_sdl())
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if name in {"Query", "Mutation"}:
            missing += [f"{name}.{f}" for f, field in graphql_type.fields.items() if not field.description]
        elif not graphql_type.description:
            missing.append(name)
    assert missing == []


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/contract.graphql is not beside the project")
def test_schema_offers_the_contract_apart_from_parts_not_yet_built() -> None:
    contract = build_sdl(CONTRACT.read_text())
    ours = build_sdl(current_sdl())
    problems = []
    for change in find_breaking_changes(contract, ours):
        words = change.description.removeprefix("Standard scalar ").removeprefix("Field ").split(" ")
        subject = words[0].rstrip(".")
        if change.type in ABSENCES and (subject in NOT_YET_BUILT or subject.split(".")[0] in NOT_YET_BUILT):
            continue
        problems.append(change.description)
    assert problems == []
