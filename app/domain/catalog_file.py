"""The catalog file of `commerce catalog export` and `commerce catalog import`: CSV (RFC 4180,
UTF-8), one row per variant, its columns named by a header row. Pure: reading a file's bytes into
checked rows, and the cells of an exported row; app/services/catalog_io.py does the database side.

Columns are found by their header name, not their position, so a column can be added later: a
new column is optional (a file without it leaves what it holds alone), and an older program
refuses a file with a column it does not know instead of ignoring it.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.domain.errors import ErrorCode
from app.domain.validation import CODE_MAX, NAME_MAX, TEXT_MAX, Checker

SKU = "sku"
PRODUCT_SLUG = "product_slug"
PRODUCT_NAME = "product_name"
PRODUCT_DESCRIPTION = "product_description"
CATEGORY_SLUG = "category_slug"
VARIANT_NAME = "variant_name"
PRICE = "price"

# (name, required in the header), in the order an export writes them.
COLUMNS: tuple[tuple[str, bool], ...] = (
    (SKU, True),
    (PRODUCT_SLUG, True),
    (PRODUCT_NAME, True),
    (PRODUCT_DESCRIPTION, False),
    (CATEGORY_SLUG, False),
    (VARIANT_NAME, True),
    (PRICE, True),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
REQUIRED_COLUMNS = frozenset(name for name, required in COLUMNS if required)
# The product's own columns: every row of one product_slug must agree on them.
PRODUCT_COLUMNS = (PRODUCT_NAME, PRODUCT_DESCRIPTION, CATEGORY_SLUG)

_BOM = b"\xef\xbb\xbf"
_PLAIN_DECIMAL = frozenset("0123456789.-+")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a file cannot be imported: its line (1-based, the header is line 1; a record that spans
    lines is named by its first), the column (None for the whole row) and a message."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}" if self.column else \
            f"line {self.line}: {self.message}"

    @property
    def order(self) -> tuple[int, int, str]:
        column = COLUMN_NAMES.index(self.column) if self.column in COLUMN_NAMES else -1
        return self.line, column, self.message


@dataclass(frozen=True, slots=True)
class Row:
    """One checked variant row. `description` and `category_slug` are None when blank or when the
    file has no such column (CatalogFile.has tells which)."""

    line: int
    sku: str
    product_slug: str
    product_name: str
    description: str | None
    category_slug: str | None
    variant_name: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class RowKeys:
    """What could be read of a row, whatever its other cells hold: the checks across rows and
    against the database use it, so a row with a bad price still has its category checked."""

    line: int
    sku: str | None
    product_slug: str | None
    product: dict[str, str | None]  # the product's columns the file has, whose cells are fine

    @property
    def category_slug(self) -> str | None:
        return self.product.get(CATEGORY_SLUG)


@dataclass(frozen=True, slots=True)
class CatalogFile:
    columns: tuple[str, ...]  # as the header names them, in its order
    rows: list[Row]           # the rows without problems
    keys: list[RowKeys]       # every row with the header's number of fields
    problems: list[RowProblem]
    records: int              # data rows read (blank ones not counted)

    def has(self, column: str) -> bool:
        return column in self.columns


def export_cells(sku: str, product_slug: str, product_name: str, description: str | None,
                 category_slug: str | None, variant_name: str, price: Decimal) -> list[str]:
    """One exported row, in COLUMNS order: money as a plain decimal with two places."""
    return [sku, product_slug, product_name, description or "", category_slug or "", variant_name,
            format(price.quantize(Decimal("0.01")), "f")]


def parse_price(text: str, check: Checker) -> Decimal | None:
    """A price cell through the same bound as every GraphQL price input (Checker.amount)."""
    value = text.strip()
    if not value:
        return check.amount(None, PRICE, label="Price", required=True)
    if len(value) > 32 or not set(value) <= _PLAIN_DECIMAL:
        check.add(ErrorCode.INVALID, "Price must be a plain decimal number such as 12.50.", PRICE)
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        check.add(ErrorCode.INVALID, "Price must be a plain decimal number such as 12.50.", PRICE)
        return None
    return check.amount(number, PRICE, label="Price", required=True)


def _check_header(names: Sequence[str]) -> tuple[tuple[str, ...], list[RowProblem]]:
    columns = tuple(name.strip().lower() for name in names)
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        if not name:
            problems.append(RowProblem(1, None, f"column {position} of the header has no name."))
        elif name in seen:
            problems.append(RowProblem(1, name, "this column is named twice in the header."))
        seen.add(name)
    unknown = [name for name in columns if name and name not in COLUMN_NAMES]
    if unknown:
        problems.append(RowProblem(1, None, f"unknown column{'s' if len(unknown) > 1 else ''}: "
                                            f"{', '.join(unknown)} (known: {', '.join(COLUMN_NAMES)})."))
    missing = [name for name in COLUMN_NAMES if name in REQUIRED_COLUMNS and name not in seen]
    if missing:
        problems.append(RowProblem(1, None, f"missing required column{'s' if len(missing) > 1 else ''}: "
                                            f"{', '.join(missing)}."))
    return columns, problems


def _check_row(line: int, cells: dict[str, str]) -> tuple[Row | None, RowKeys, list[RowProblem]]:
    check = Checker(prefix=())
    sku = check.text(cells[SKU], SKU, label="SKU", max_length=CODE_MAX, required=True)
    slug = check.slug(cells[PRODUCT_SLUG], PRODUCT_SLUG, label="Product slug", required=True)
    name = check.text(cells[PRODUCT_NAME], PRODUCT_NAME, label="Product name", max_length=NAME_MAX, required=True)
    description = check.text(cells.get(PRODUCT_DESCRIPTION), PRODUCT_DESCRIPTION, label="Description",
                             max_length=TEXT_MAX, multiline=True)
    category = check.slug(cells.get(CATEGORY_SLUG), CATEGORY_SLUG, label="Category slug")
    variant = check.text(cells[VARIANT_NAME], VARIANT_NAME, label="Variant name", max_length=NAME_MAX,
                         required=True)
    price = parse_price(cells[PRICE], check)
    problems = [RowProblem(line, p.field[-1] if p.field else None, p.message) for p in check.problems]
    failed = {problem.column for problem in problems}
    values = {PRODUCT_NAME: name, PRODUCT_DESCRIPTION: description, CATEGORY_SLUG: category}
    keys = RowKeys(line, sku, slug, {column: value for column, value in values.items()
                                     if column in cells and column not in failed})
    if problems or sku is None or slug is None or name is None or variant is None or price is None:
        return None, keys, problems
    return Row(line, sku, slug, name, description, category, variant, price), keys, []


def _disagreements(keys: list[RowKeys]) -> tuple[set[int], list[RowProblem]]:
    """Rows of one product that disagree with its first row on the product's columns (the cells
    both have fine)."""
    problems: list[RowProblem] = []
    first_of_product: dict[str, RowKeys] = {}
    bad: set[int] = set()
    for row in keys:
        if row.product_slug is None:
            continue
        first = first_of_product.setdefault(row.product_slug, row)
        for column in PRODUCT_COLUMNS:
            if column in row.product and column in first.product and row.product[column] != first.product[column]:
                problems.append(RowProblem(
                    row.line, column, f"differs from line {first.line}, another row of product "
                                      f"'{row.product_slug}': a product's rows must agree on it."))
                bad.add(row.line)
    return bad, problems


def read_catalog_file(data: bytes, on_record: Callable[[int], None] | None = None) -> CatalogFile:
    """Every row of the file checked (bounds as the GraphQL inputs have them), and every problem
    found, each with its line and column. Header problems stop there: the rows cannot be read."""
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return CatalogFile((), [], [], [RowProblem(line, None, "the file is not UTF-8 text.")], 0)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[RowProblem] = []
    rows: list[Row] = []
    keys: list[RowKeys] = []
    columns: tuple[str, ...] = ()
    records = 0
    line = 1
    first_of_sku: dict[str, int] = {}
    duplicates: set[int] = set()
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            return CatalogFile((), [], [], [RowProblem(1, None, "the file has no header row; expected: "
                                                                f"{','.join(COLUMN_NAMES)}.")], 0)
        columns, problems = _check_header(header)
        if problems:
            return CatalogFile(columns, [], [], problems, 0)
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records += 1
                if len(cells) != len(columns):
                    problems.append(RowProblem(line, None, f"has {len(cells)} fields; the header names "
                                                           f"{len(columns)} columns."))
                else:
                    row, row_keys, found = _check_row(line, dict(zip(columns, cells, strict=True)))
                    if row_keys.sku is not None:
                        if row_keys.sku in first_of_sku:
                            found.append(RowProblem(line, SKU, f"SKU {row_keys.sku} is also on line "
                                                               f"{first_of_sku[row_keys.sku]}."))
                            duplicates.add(line)
                        first_of_sku.setdefault(row_keys.sku, line)
                    problems.extend(found)
                    keys.append(row_keys)
                    if row is not None:
                        rows.append(row)
                if on_record is not None and records % 1000 == 0:
                    on_record(records)
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(RowProblem(line, None, f"is not valid CSV ({exc})."))
        return CatalogFile(columns, [], [], problems, records)
    if on_record is not None:
        on_record(records)
    disagreeing, found = _disagreements(keys)
    problems.extend(found)
    problems.sort(key=lambda p: p.order)
    bad = duplicates | disagreeing
    return CatalogFile(columns, [row for row in rows if row.line not in bad], keys, problems, records)
