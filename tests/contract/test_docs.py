"""docs/ renders the code's own tables: the committed pages must be what the code renders now, and
every status machine, permission and read rule must appear in them."""

from pathlib import Path

import pytest

from app.docs import PAGES, machines, render_all, render_machine
from app.policy.permissions import GRANTS
from app.policy.reads import Readable

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_generated_pages_are_current(name: str) -> None:
    assert (DOCS / name).read_text() == render_all()[name], f"docs/{name} is stale: run `commerce export-docs`"


def test_every_transition_of_every_machine_is_drawn() -> None:
    for machine in machines():
        page = render_machine(machine)
        for state, targets in machine.table.items():
            for target in targets:
                assert f"    {state} --> {target}\n" in page, (machine.title, state, target)
        assert set(machine.table) == set(machine.states), f"{machine.title}: a status without a row"


def test_roles_page_names_every_permission_and_read_rule() -> None:
    page = render_all()["roles.md"]
    assert all(f"| {permission} |" in page for permission in GRANTS)
    assert all(f"| {readable} |" in page for readable in Readable)


def test_the_design_document_links_every_page_and_the_readme_links_it() -> None:
    index = (DOCS / "README.md").read_text()
    assert all(f"]({name})" in index for name in PAGES)
    assert "](docs/" in (DOCS.parent / "README.md").read_text()
