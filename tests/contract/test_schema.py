"""The published SDL matches the code, and the code honours the shared contract."""

import re
from pathlib import Path

import pytest
from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema
from graphql import build_schema as build_sdl
from graphql.utilities import BreakingChangeType, find_breaking_changes

from schema.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "contract.graphql"

# The contract's round-2 sections that issues have asked for so far, and the round-2 root fields
# they brought; everything else the later sections define may still be absent.
BUILT_SECTIONS = {"trust: accounts and sessions", "operations: exceptions, health, freshness",
                  "catalog depth and merchandising"}
BUILT_ROOT_FIELDS = {"Mutation.tokenRefresh", "Mutation.tokenRevoke", "Query.operationalExceptions",
                     "Query.systemHealth", "Mutation.operationalExceptionResolve", "Mutation.webhookDeliveryRetry",
                     "Subscription.operationalExceptionChanged", "Query.collections", "Query.collection",
                     "Mutation.productVariantCreate", "Mutation.productVariantUpdate", "Mutation.collectionCreate",
                     "Mutation.collectionUpdate", "Mutation.collectionProductsSet", "Mutation.campaignUpdate",
                     "Mutation.categoryUpdate"}
ROOTS_SECTION = "round 2 roots"
# Round-1 types that name what a later section brings (an argument or a field of a pending type).
PENDING_REFERENCES: dict[str, str] = {}
# What a section not built as a whole already offers (so that the contract is checked for it).
BUILT_NAMES: frozenset[str] = frozenset()
ABSENCES = {BreakingChangeType.TYPE_REMOVED, BreakingChangeType.FIELD_REMOVED,
            BreakingChangeType.VALUE_REMOVED_FROM_ENUM, BreakingChangeType.ARG_REMOVED,
            BreakingChangeType.FIELD_CHANGED_KIND}
SECTION_RE = re.compile(r"^# -{10,} (?P<title>.+?)\n(?P<body>.*?)(?=^# -{10,} |\Z)", re.MULTILINE | re.DOTALL)
DEFINITION_RE = re.compile(r"^(?P<kind>extend (?:type|input|enum)|type|input|enum|interface|union|scalar)\s+"
                           r"(?P<name>\w+)[^{\n]*(?:\{(?P<block>.*?)^\})?", re.MULTILINE | re.DOTALL)


def pending_names(contract: str, built_names: frozenset[str] = BUILT_NAMES) -> set[str]:
    """Types, fields and enum values that round-2 sections not asked for yet define, apart from
    `built_names`."""
    names: set[str] = set()
    for section in SECTION_RE.finditer(contract.split("# Round 2.", 1)[1]):
        title = section["title"].strip()
        if title in BUILT_SECTIONS:
            continue
        for definition in DEFINITION_RE.finditer(section["body"]):
            members = {f"{definition['name']}.{m}" for m in re.findall(r"^\s+(\w+)", definition["block"] or "", re.MULTILINE)}
            if definition["kind"].startswith("extend") or title == ROOTS_SECTION:
                names |= members - BUILT_ROOT_FIELDS
            else:
                names.add(definition["name"])
    built = {title for title in PENDING_REFERENCES.values() if title in BUILT_SECTIONS}
    return (names - built_names) | {ref for ref, title in PENDING_REFERENCES.items() if title not in built}


def subject_of(description: str) -> tuple[str, ...]:
    """The names a breaking change is about, most specific first: ("X.y(a:)", "X.y", "X")."""
    words = description.removeprefix("Standard scalar ").removeprefix("Field ").removeprefix("Enum value ")
    words = words.removeprefix("Argument ").split(" ")[0].rstrip(".")
    field = words.split("(")[0]
    return (words, field, field.split(".")[0])


def current_sdl() -> str:
    return str(build_schema()) + "\n"


def test_schema_graphql_is_regenerated() -> None:
    assert (ROOT / "schema.graphql").read_text() == current_sdl(), (
        "schema.graphql is stale: run `commerce export-schema`")


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Types, object and interface fields, input fields and field arguments (root fields' included)
    without a description, as "Type", "Type.field" and "Type.field(argument:)". Enum values are not
    checked yet."""
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({arg_name}:)"
                            for arg_name, arg in getattr(field, "args", {}).items() if not arg.description]
    return missing


def test_every_type_and_field_has_a_description() -> None:
    assert sorted(undescribed(build_sdl(current_sdl()))) == []


def test_the_description_check_sees_every_kind_of_member() -> None:
    """A description taken away from a type, an object field, an input field or a root field's
    argument is reported (so the test above cannot pass vacuously)."""
    schema = build_sdl(current_sdl())
    money, warehouse_input = schema.get_type("Money"), schema.get_type("WarehouseCreateInput")
    assert isinstance(money, GraphQLObjectType) and isinstance(warehouse_input, GraphQLInputObjectType)
    assert schema.subscription_type is not None
    money.description = None
    money.fields["currency"].description = None
    warehouse_input.fields["name"].description = None
    schema.subscription_type.fields["orderUpdated"].args["orderId"].description = None
    assert sorted(undescribed(schema)) == sorted(
        ["Money", "Money.currency", "WarehouseCreateInput.name", "Subscription.orderUpdated(orderId:)"])


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/contract.graphql is not beside the project")
def test_schema_offers_the_contract_apart_from_parts_not_yet_built() -> None:
    contract = build_sdl(CONTRACT.read_text())
    ours = build_sdl(current_sdl())
    pending = pending_names(CONTRACT.read_text())
    problems = []
    for change in find_breaking_changes(contract, ours):
        subjects = subject_of(change.description)
        if change.type in ABSENCES and any(subject in pending for subject in subjects):
            continue
        problems.append(change.description)
    assert problems == []


def test_the_pending_contract_sections_are_found() -> None:
    """The section parser sees what later issues bring (so the test above cannot pass vacuously)."""
    if not CONTRACT.exists():
        pytest.skip("../shared/contract.graphql is not beside the project")
    pending = pending_names(CONTRACT.read_text())
    assert {"CustomerAddress", "Query.customers", "Mutation.passwordChange"} <= pending
    assert not {"ProductMedia", "Collection", "Query.collections", "Mutation.productVariantCreate",
                "ProductFilter.collectionId", "ProductSortField.RELEVANCE"} & pending  # built
    assert not {"OperationalException", "Query.systemHealth"} & pending  # built
    assert not {"TokenRefreshInput", "Mutation.tokenRefresh", "ErrorCode.RATE_LIMITED"} & pending
    assert BUILT_NAMES <= pending_names(CONTRACT.read_text(), built_names=frozenset()) - pending
