"""Input bounds shared by every write (DESIGN.md "Input bounds"). Pure."""

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
             required: bool = False) -> str | None:
        """Trimmed text, or None; REQUIRED when blank and required, INVALID when too long or NUL."""
        if value is None or not value.strip():
            if required:
                self.add(ErrorCode.REQUIRED, f"{label} is required.", field)
            return None
        if "\x00" in value:
            self.add(ErrorCode.INVALID, f"{label} must not contain NUL characters.", field)
            return None
        value = value.strip()
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

    def moment(self, value: datetime | None, field: str) -> datetime | None:
        """A point in time; one without a time zone is read as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

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
