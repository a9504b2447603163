"""Input bounds shared by every write. Pure."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from app.domain.errors import DomainError, ErrorCode, Problem

T = TypeVar("T")

MAX_LIST_ITEMS = 100
NAME_MAX = 200
SLUG_MAX = 200
CODE_MAX = 64
TEXT_MAX = 10_000
EMAIL_MAX = 254
MAX_AMOUNT = Decimal("99999999.99")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

# Points in time a client may send: the years 1900 to 2200, in UTC.
MOMENT_MIN_YEAR, MOMENT_MAX_YEAR = 1900, 2200
MOMENT_MIN = datetime(MOMENT_MIN_YEAR, 1, 1, tzinfo=UTC)
MOMENT_END = datetime(MOMENT_MAX_YEAR + 1, 1, 1, tzinfo=UTC)

# What text never holds: lone surrogates (no database can store them), NUL, control characters
# (C0, DEL, C1; multi-line text keeps tab and line breaks) and the bidirectional embedding,
# override and isolate controls that make text read differently from what it holds ("Trojan
# Source"). The left-to-right and right-to-left marks (U+200E, U+200F) stay: right-to-left
# names need them, and they reorder nothing beyond one neutral character.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_SINGLE_LINE_CONTROLS = re.compile(f"[\x01-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_MULTI_LINE_CONTROLS = re.compile(f"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored as text (a phrase to follow the field's label), or None."""
    if _SURROGATE.search(value):
        return "must be valid Unicode text (it holds a lone surrogate)"
    if "\x00" in value:
        return "must not contain NUL characters"
    if (_MULTI_LINE_CONTROLS if multiline else _SINGLE_LINE_CONTROLS).search(value):
        allowed = " other than tabs and line breaks" if multiline else ""
        return f"must not contain control or text-direction characters{allowed}"
    return None


_MOMENT_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?"
                        r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?$")


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date and time (RFC 3339, such as 2030-06-01T09:30:00+02:00) in UTC; one without
    a time zone is read as UTC. An instant before or after what a datetime can hold in UTC (year 1
    with a positive offset, year 9999 with a negative one) is held as the first or last datetime,
    which every bound refuses. ValueError for anything else."""
    text = text.strip().upper()
    if not _MOMENT_RE.match(text):
        raise ValueError("must be an ISO 8601 date and time such as 2030-06-01T09:30:00Z")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:  # a 31 February, an hour 25, an offset of a day
        raise ValueError("must be a date and time that exists") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


def utc_moment(value: datetime) -> datetime | None:
    """`value` in UTC (one without a time zone read as UTC), or None outside the years 1900 to
    2200, also when its offset would carry it past what a datetime can hold."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not MOMENT_MIN_YEAR - 1 <= value.year <= MOMENT_MAX_YEAR + 1:  # an offset moves a day at most
        return None
    moment = value.astimezone(UTC)
    return moment if MOMENT_MIN <= moment < MOMENT_END else None


class Checker:
    """Collects every problem of one input, so a client sees them all at once."""

    def __init__(self, prefix: tuple[str, ...] = ("input",), problems: list[Problem] | None = None) -> None:
        self.prefix = prefix
        self.problems: list[Problem] = [] if problems is None else problems

    def at(self, *segments: str | int) -> "Checker":
        """A checker for a nested input (a list item, a sub-object) that reports into this one."""
        return Checker((*self.prefix, *map(str, segments)), self.problems)

    def add(self, code: ErrorCode, message: str, *field: str) -> None:
        self.problems.append(Problem(code, message, (*self.prefix, *field)))

    def raise_if_any(self) -> None:
        if self.problems:
            raise DomainError(self.problems)

    def text(self, value: str | None, field: str, *, label: str, max_length: int,
             required: bool = False, multiline: bool = False) -> str | None:
        """Trimmed text, or None; REQUIRED when blank and required, INVALID when too long or when
        it holds what text never holds (see text_problem); only multi-line text keeps line breaks."""
        if value is None or not value.strip():
            if required:
                self.add(ErrorCode.REQUIRED, f"{label} is required.", field)
            return None
        value = value.strip()
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            self.add(ErrorCode.INVALID, f"{label} {problem}.", field)
            return None
        if len(value) > max_length:
            self.add(ErrorCode.INVALID, f"{label} must be at most {max_length} characters.", field)
            return None
        return value

    def slug(self, value: str | None, field: str, *, label: str = "Slug", required: bool = False,
             max_length: int = SLUG_MAX) -> str | None:
        value = self.text(value, field, label=label, max_length=max_length, required=required)
        if value is not None and not SLUG_RE.match(value):
            self.add(ErrorCode.INVALID,
                     f"{label} may hold lower-case letters, digits and single hyphens only.", field)
            return None
        return value

    def email(self, value: str | None, field: str, *, required: bool = False) -> str | None:
        value = self.text(value, field, label="E-mail", max_length=EMAIL_MAX, required=required)
        if value is not None and not EMAIL_RE.match(value):
            self.add(ErrorCode.INVALID, "E-mail must look like name@example.com.", field)
            return None
        return value.lower() if value else None

    def amount(self, value: Decimal | None, field: str, *, label: str, required: bool = False,
               positive: bool = False) -> Decimal | None:
        if value is None:
            if required:
                self.add(ErrorCode.REQUIRED, f"{label} is required.", field)
            return None
        if not value.is_finite() or value < 0 or value > MAX_AMOUNT or (positive and value == 0):
            bound = "greater than 0" if positive else "0 or more"
            self.add(ErrorCode.INVALID, f"{label} must be {bound} and at most {MAX_AMOUNT}.", field)
            return None
        if value != value.quantize(Decimal("0.01")):
            self.add(ErrorCode.INVALID, f"{label} may have at most two decimal places.", field)
            return None
        return value.quantize(Decimal("0.01"))

    def moment(self, value: datetime | None, field: str, *, label: str = "Date") -> datetime | None:
        """A point in time in UTC (one without a time zone is read as UTC); INVALID outside the
        years 1900 to 2200."""
        if value is None:
            return None
        moment = utc_moment(value)
        if moment is None:
            self.add(ErrorCode.INVALID,
                     f"{label} must fall in the years {MOMENT_MIN_YEAR} to {MOMENT_MAX_YEAR}.", field)
        return moment

    def currency(self, value: str | None, field: str) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if not CURRENCY_RE.match(code):
            self.add(ErrorCode.INVALID, "Currency must be a three-letter ISO 4217 code such as USD.", field)
            return None
        return code

    def count(self, value: int | None, field: str, *, label: str, minimum: int = 0,
              maximum: int = 1_000_000_000) -> int | None:
        if value is None:
            return None
        if not minimum <= value <= maximum:
            self.add(ErrorCode.INVALID, f"{label} must be between {minimum} and {maximum}.", field)
            return None
        return value

    def items(self, values: Sequence[T] | None, field: str, *, label: str,
              required: bool = False) -> Sequence[T]:
        if not values:
            if required:
                self.add(ErrorCode.REQUIRED, f"At least one {label} is required.", field)
            return ()
        if len(values) > MAX_LIST_ITEMS:
            self.add(ErrorCode.INVALID, f"At most {MAX_LIST_ITEMS} {label} items are allowed.", field)
            return ()
        return values


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:SLUG_MAX] or "item"
