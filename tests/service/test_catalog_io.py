"""`commerce catalog export` and `commerce catalog import`, through app.cli.main, on SQLite and
PostgreSQL: the round trip, upserts by SKU, all-or-nothing refusals naming every bad row, the dry
run, the one audit event, and a 10,000-row file."""

import asyncio
import hashlib
import io
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from app import response_cache
from app.cli import main
from app.db import Database
from app.domain.catalog_file import COLUMN_NAMES, read_catalog_file
from app.progress import ProgressBar
from app.services import catalog
from models import AuditEvent, Category, OrderLine, Product, ProductVariant
from tests.conftest import TEST_SECRET
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import build_shop

HEADER = ",".join(COLUMN_NAMES)
TEE_QUERY = '{ product(slug: "tee") { price { amount } variants { sku price { amount } } } }'


@pytest.fixture
def cli(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `commerce ARGS...` against the test database: (exit code, stdout, stderr)."""
    monkeypatch.setenv("COMMERCE_DATABASE_URL", client.settings.database_url)
    monkeypatch.setenv("COMMERCE_SECRET_KEY", TEST_SECRET)

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the import could touch, and the audit chain's length."""
    async with db.read() as conn:
        tables = {model.__tablename__: [tuple(row) for row in (await conn.execute(
            select(model.__table__).order_by(*model.__table__.primary_key.columns))).all()]
            for model in (Category, Product, ProductVariant, OrderLine)}
        tables["audit"] = [(await conn.scalar(select(func.count()).select_from(AuditEvent)),)]
    return tables


async def category(db: Database, name: str, slug: str) -> int:
    async with factory.uow(db) as work:
        return (await catalog.create_category(uow=work, name=name, slug=slug, description=None, parent_id=None)).id


async def product(db: Database, slug: str, *variants: tuple[str, str, str], name: str | None = None,
                  description: str | None = None, category_id: int | None = None) -> int:
    specs = [catalog.VariantSpec(sku=sku, name=vname, price=Decimal(price)) for sku, vname, price in variants]
    async with factory.uow(db) as work:
        return (await catalog.create_product(uow=work, name=name or slug.title(), slug=slug, description=description,
                                             category_id=category_id, variants=specs)).id


async def variants_of(db: Database) -> dict[str, tuple[str, str, Decimal]]:
    """sku -> (product slug, variant name, price)"""
    async with db.read() as conn:
        rows = await conn.execute(select(ProductVariant.sku, Product.slug, ProductVariant.name, ProductVariant.price)
                                  .join(Product, ProductVariant.product_id == Product.id))
        return {sku: (slug, name, price) for sku, slug, name, price in rows}


async def product_row(db: Database, slug: str) -> dict[str, Any]:
    async with db.read() as conn:
        row = (await conn.execute(select(Product.__table__).where(Product.slug == slug))).one()
    return dict(row._mapping)


def write(path: Path, *rows: str, header: str = HEADER) -> str:
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return str(path)


async def test_export_then_import_changes_nothing_and_exports_the_same_bytes(
        db: Database, cli: Any, tmp_path: Path) -> None:
    tents = await category(db, "Tents", "tents")
    await product(db, "zelt", ("Z-1", "Zwei Personen", "199.90"), name="Zelt «Alpen»",
                  description='Leicht, "wasserdicht"\nund schnell aufgebaut', category_id=tents)
    await product(db, "alpha", ("A-2", "Large, blue", "0.00"), ("A-10", "Small", "1234567.50"))
    await product(db, "alpha-2", ("B", "One size", "5.05"), name="Alpha, the second", category_id=tents)
    exported = tmp_path / "catalog.csv"
    code, out, _ = await cli("catalog", "export", str(exported))
    assert code == 0 and out.startswith(f"exported 4 rows to {exported}")
    data = exported.read_bytes()
    assert data.decode("utf-8").split("\r\n") == [
        HEADER,
        "A-10,alpha,Alpha,,,Small,1234567.50",  # ordered by product slug, then SKU (byte order)
        "A-2,alpha,Alpha,,,\"Large, blue\",0.00",
        "B,alpha-2,\"Alpha, the second\",,tents,One size,5.05",
        'Z-1,zelt,Zelt «Alpen»,"Leicht, ""wasserdicht""\nund schnell aufgebaut",tents,Zwei Personen,199.90',
        ""]
    before = await snapshot(db)
    version = response_cache.current_version()
    code, out, err = await cli("catalog", "import", str(exported))
    assert (code, err) == (0, "")
    assert "4 rows: 0 created, 0 updated, 4 unchanged (products: 0 created, 0 updated)" in out
    assert await snapshot(db) == before  # not even an audit event
    assert response_cache.current_version() == version
    again = tmp_path / "again.csv"
    assert (await cli("catalog", "export", str(again)))[0] == 0
    assert again.read_bytes() == data


async def test_export_to_standard_output(db: Database, cli: Any) -> None:
    await product(db, "tee", ("TEE-0", "S", "20.00"))
    code, out, err = await cli("catalog", "export")
    assert code == 0 and err.startswith("exported 1 rows to standard output")
    assert out.splitlines() == [HEADER, "TEE-0,tee,Tee,,,S,20.00"]


async def test_import_creates_and_updates_by_sku_and_placed_orders_keep_their_prices(
        client: GraphQLClient, cli: Any, tmp_path: Path) -> None:
    db = client.db
    shop = await build_shop(client)  # TEE-0 20.00, BOOTS-0 100.00, SOCKS-0 5.00
    tents = await category(db, "Tents", "tents")
    await product(db, "lamp", ("LAMP-S", "Small", "10.00"), ("LAMP-L", "Large", "30.00"))
    order = await shop.order({"TEE-0": 2}, key=uuid.uuid4().hex)
    async with db.read() as conn:
        lines_before = (await conn.execute(select(OrderLine.__table__))).all()
    assert (await client.data(TEE_QUERY))["product"]["price"]["amount"] == "20.00"
    version = response_cache.current_version()
    boots_before = await product_row(db, "boots")
    path = write(tmp_path / "import.csv",
                 "TEE-0,tee,Tee,About Tee,,S,25.00",          # price up
                 "TEE-1,tee,Tee,About Tee,,M,15.00",          # new variant of an existing product: cheapest now
                 "LAMP-S,lamp,Lamp,,,Small,40.00",            # the cheapest up; LAMP-L (30.00), not in the file, is
                 "BOOTS-0,boots,Hiking boots,Waterproof.,tents,Variant 0,100.00",  # product changed only
                 "SOCKS-0,socks,Socks,About Socks,,Variant 0,5.00",                # unchanged
                 "CAP-1,cap,Cap,A cap.,tents,Blue,12.00",     # a new product with two variants
                 "CAP-2,cap,Cap,A cap.,tents,Red,9.50")
    code, out, err = await cli("catalog", "import", path)
    assert (code, err) == (0, "")
    assert ("7 rows: 3 created, 3 updated, 1 unchanged (products: 1 created, 1 updated)") in out
    variants = await variants_of(db)
    assert variants["TEE-0"] == ("tee", "S", Decimal("25.00"))
    assert variants["TEE-1"] == ("tee", "M", Decimal("15.00"))
    assert variants["LAMP-S"] == ("lamp", "Small", Decimal("40.00"))
    assert variants["CAP-1"] == ("cap", "Blue", Decimal("12.00"))
    assert variants["CAP-2"] == ("cap", "Red", Decimal("9.50"))
    # min_price is the lowest price of all a product's variants, as create_product keeps it.
    assert (await product_row(db, "tee"))["min_price"] == Decimal("15.00")
    assert (await product_row(db, "lamp"))["min_price"] == Decimal("30.00")
    assert (await product_row(db, "cap"))["min_price"] == Decimal("9.50")
    assert (await product_row(db, "socks"))["min_price"] == Decimal("5.00")
    boots = await product_row(db, "boots")
    assert (boots["name"], boots["description"], boots["category_id"]) == ("Hiking boots", "Waterproof.", tents)
    assert boots["min_price"] == boots_before["min_price"]
    cap = await product_row(db, "cap")
    assert (cap["name"], cap["description"], cap["category_id"]) == ("Cap", "A cap.", tents)
    # The placed order keeps its snapshot: its lines are untouched.
    async with db.read() as conn:
        assert (await conn.execute(select(OrderLine.__table__))).all() == lines_before
    assert [line["unitPrice"]["amount"] for line in order["lines"]] == ["20.00"]
    assert response_cache.current_version() != version  # cached catalog responses are not served again
    # The API shows the new catalog, though the same anonymous query was answered (and cached) before.
    data = await client.data(TEE_QUERY)
    assert data["product"]["price"]["amount"] == "15.00"
    assert sorted((v["sku"], v["price"]["amount"]) for v in data["product"]["variants"]) == [
        ("TEE-0", "25.00"), ("TEE-1", "15.00")]


async def test_the_import_is_one_audit_event_with_its_counts_and_the_files_digest(
        db: Database, cli: Any, tmp_path: Path) -> None:
    await product(db, "tee", ("TEE-0", "S", "20.00"))
    path = write(tmp_path / "import.csv", "TEE-0,tee,Tee,,,S,21.00", "TEE-1,tee,Tee,,,M,22.00",
                 "MUG-1,mug,Mug,,,White,8.00")
    async with db.read() as conn:
        last = await conn.scalar(select(func.max(AuditEvent.sequence))) or 0
    assert (await cli("catalog", "import", path))[0] == 0
    async with db.read() as conn:
        events = (await conn.execute(select(AuditEvent.__table__).where(AuditEvent.sequence > last))).all()
    assert [(e.action, e.subject_type, e.actor, e.request_id) for e in events] == [
        ("catalog.import", "Catalog", "anonymous", "cli:catalog-import")]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert events[0].subject_id == digest
    assert orjson.loads(events[0].data or "") == {
        "rows": 3, "created": 2, "updated": 1, "unchanged": 0, "productsCreated": 1, "productsUpdated": 0,
        "sha256": digest}
    code, out, _ = await cli("audit", "verify")
    assert code == 0, out


async def test_one_bad_row_changes_nothing_and_is_named_by_line_and_column(
        db: Database, cli: Any, tmp_path: Path) -> None:
    await product(db, "tee", ("TEE-0", "S", "20.00"))
    before = await snapshot(db)
    path = write(tmp_path / "import.csv",
                 "TEE-0,tee,Tee,,,S,21.00",
                 "MUG-1,mug,Mug,,,White,8.00",
                 "MUG-2,mug,Mug,,,Black,8.005")
    code, out, err = await cli("catalog", "import", path)
    assert (code, out) == (1, "")
    assert err.splitlines() == ["line 4, price: Price may have at most two decimal places.",
                                f"catalog import: {path}: 1 problem; nothing changed"]
    assert await snapshot(db) == before


async def test_every_bad_row_is_reported_and_nothing_changes(db: Database, cli: Any, tmp_path: Path) -> None:
    await category(db, "Tents", "tents")
    await product(db, "tee", ("TEE-0", "S", "20.00"))
    await product(db, "mug", ("MUG-1", "White", "8.00"))
    before = await snapshot(db)
    path = write(tmp_path / "import.csv",
                 "TEE-0,tee,Tee,,,S,21.00",                 # 2: fine
                 "TEE-1,tee,Tee,,nowhere,M,abc",             # 3: differs from line 2; not a price
                 "MUG-1,tee,Tee,,,White,8.00",               # 4: MUG-1 belongs to mug
                 "TEE-0,tee,Tee,,,S,22.00",                  # 5: duplicate SKU
                 "CAP-1,cap,,,nowhere,Blue,-1",              # 6: no name; unknown category; negative price
                 "",                                         # blank lines are skipped
                 "CAP-2,Cap Two,Cap,,,Red,1.00,extra",       # 8: a field too many
                 "CAP-3,cap-3,Cap,,nowhere,,1",              # 9: unknown category; no variant name
                 "CAP-4,cap-4,Cap,,tents,Red,100000000.00")  # 10: above the bound
    code, out, err = await cli("catalog", "import", path)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "line 3, category_slug: No category has the slug 'nowhere'.",
        "line 3, category_slug: differs from line 2, another row of product 'tee': a product's rows must agree on it.",
        "line 3, price: Price must be a plain decimal number such as 12.50.",
        "line 4, product_slug: SKU MUG-1 belongs to product 'mug'; moving a variant to another product is refused.",
        "line 5, sku: SKU TEE-0 is also on line 2.",
        "line 6, product_name: Product name is required.",
        "line 6, category_slug: No category has the slug 'nowhere'.",
        "line 6, price: Price must be 0 or more and at most 99999999.99.",
        "line 8: has 8 fields; the header names 7 columns.",
        "line 9, category_slug: No category has the slug 'nowhere'.",
        "line 9, variant_name: Variant name is required.",
        "line 10, price: Price must be 0 or more and at most 99999999.99.",
        f"catalog import: {path}: 12 problems; nothing changed"]
    assert await snapshot(db) == before


async def test_unknown_and_missing_columns_are_named(db: Database, cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "import.csv", "TEE-0,tee,Tee,S,20.00,x",
                 header="SKU,product_slug,product_name,variant_name,price,colour")
    code, _, err = await cli("catalog", "import", path)
    assert code == 1
    assert err.splitlines()[0].startswith("line 1: unknown column: colour (known: sku, product_slug,")
    path = write(tmp_path / "import.csv", "TEE-0,Tee,20.00", header="sku,product_name,price")
    code, _, err = await cli("catalog", "import", path)
    assert code == 1
    assert err.splitlines()[0] == "line 1: missing required columns: product_slug, variant_name."
    # The optional columns may be left out: a file without them leaves descriptions and categories alone.
    tents = await category(db, "Tents", "tents")
    await product(db, "tee", ("TEE-0", "S", "20.00"), description="Soft.", category_id=tents)
    path = write(tmp_path / "import.csv", "TEE-0,tee,Tee shirt,S,19.00",
                 header="sku,product_slug,product_name,variant_name,price")
    code, out, _ = await cli("catalog", "import", path)
    assert code == 0 and "1 rows: 0 created, 1 updated, 0 unchanged" in out
    tee = await product_row(db, "tee")
    assert (tee["name"], tee["description"], tee["category_id"], tee["min_price"]) == (
        "Tee shirt", "Soft.", tents, Decimal("19.00"))


async def test_a_dry_run_says_what_it_would_do_and_changes_nothing(
        db: Database, cli: Any, tmp_path: Path) -> None:
    await product(db, "tee", ("TEE-0", "S", "20.00"), ("TEE-1", "M", "20.00"))
    before = await snapshot(db)
    version = response_cache.current_version()
    path = write(tmp_path / "import.csv", "TEE-0,tee,Tee,,,S,21.00", "TEE-1,tee,Tee,,,M,20.00",
                 "MUG-1,mug,Mug,,,White,8.00")
    code, out, err = await cli("catalog", "import", path, "--dry-run")
    assert (code, err) == (0, "")
    assert out.strip() == (f"dry run of {path}, nothing changed: would import 3 rows: 1 created, 1 updated, "
                           "1 unchanged (products: 1 created, 0 updated)")
    assert await snapshot(db) == before
    assert response_cache.current_version() == version
    # A dry run of a bad file reports its problems alike.
    bad = write(tmp_path / "bad.csv", "TEE-0,tee,Tee,,,S,1.001")
    code, _, err = await cli("catalog", "import", bad, "--dry-run")
    assert code == 1 and err.splitlines()[0] == "line 2, price: Price may have at most two decimal places."


@pytest.mark.parametrize("backend", ["sqlite"])  # the big file once, on the embedded default
async def test_a_10000_row_file_imports_in_a_few_seconds(db: Database, cli: Any, tmp_path: Path) -> None:
    await category(db, "Tents", "tents")
    rows = [f"BIG-{p:05d}-{v},big-{p},Big product {p},\"About {p}, in two\nlines\",tents,Size {v},{10 + p % 90}.{v}5"
            for p in range(2500) for v in range(4)]
    path = write(tmp_path / "big.csv", *rows)
    started = time.monotonic()
    code, out, err = await cli("catalog", "import", path)
    seconds = time.monotonic() - started
    assert (code, err) == (0, "")
    assert "10000 rows: 10000 created, 0 updated, 0 unchanged (products: 2500 created, 0 updated)" in out
    assert seconds < 20, seconds
    async with db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(ProductVariant)) == 10_000
        assert await conn.scalar(select(Product.min_price).where(Product.slug == "big-7")) == Decimal("17.05")
    exported = tmp_path / "exported.csv"
    assert (await cli("catalog", "export", str(exported)))[0] == 0
    code, out, _ = await cli("catalog", "import", str(exported))
    assert "10000 rows: 0 created, 0 updated, 10000 unchanged" in out


def test_lines_are_counted_from_the_header_and_a_multi_line_record_is_named_by_its_first() -> None:
    data = (f"\ufeff{HEADER}\r\n"  # a byte order mark (spreadsheets write one) is ignored
            'A-1,tee,Tee,"two\r\nlines",,S,1.00\r\n'
            "A-2,tee,Tee,\"two\r\nlines\",,M,1.001\r\n"
            "\r\n"
            "A-3,tee,Tee,\"two\r\nlines\",,,1.00\r\n").encode()
    parsed = read_catalog_file(data)
    assert [str(p) for p in parsed.problems] == ["line 4, price: Price may have at most two decimal places.",
                                                 "line 7, variant_name: Variant name is required."]
    assert [row.description for row in parsed.rows] == ["two\r\nlines"]
    assert parsed.records == 3


def test_a_file_that_is_not_utf8_or_not_csv_is_refused_with_its_line() -> None:
    assert [str(p) for p in read_catalog_file(f"{HEADER}\nA-1,tee,T\xe9e,,,S,1.00\n".encode("latin-1")).problems] == [
        "line 2: the file is not UTF-8 text."]
    assert [str(p) for p in read_catalog_file(f'{HEADER}\nA-1,tee,Tee,"open,,,S,1.00\n'.encode()).problems] == [
        "line 2: is not valid CSV (unexpected end of data)."]
    assert [str(p) for p in read_catalog_file(b"").problems] == [
        f"line 1: the file has no header row; expected: {HEADER}."]


def test_the_progress_bar_draws_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    plain, terminal = io.StringIO(), Terminal()
    for stream in (plain, terminal):
        with ProgressBar(stream) as bar:
            bar("writing", 5, 10)
            bar("writing", 10, 10)
    assert plain.getvalue() == ""
    assert terminal.getvalue().endswith(f"\rwriting    [{'#' * 30}] 10/10\n")
