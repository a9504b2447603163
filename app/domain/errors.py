"""Coded refusals. Services raise DomainError; resolvers turn its problems into userErrors."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PROMO_NOT_APPLICABLE = "PROMO_NOT_APPLICABLE"
    RETURN_NOT_ELIGIBLE = "RETURN_NOT_ELIGIBLE"
    RETURN_WINDOW_EXPIRED = "RETURN_WINDOW_EXPIRED"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    CART_NOT_ACTIVE = "CART_NOT_ACTIVE"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    RATE_LIMITED = "RATE_LIMITED"
    PRODUCT_UNAVAILABLE = "PRODUCT_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class Problem:
    code: ErrorCode
    message: str
    field: tuple[str, ...] | None = None
    retry_after: int | None = None  # RATE_LIMITED: seconds until another attempt is allowed


class DomainError(Exception):
    """One or more problems that refuse a write as a whole."""

    def __init__(self, problems: Problem | Sequence[Problem]) -> None:
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def of(cls, code: ErrorCode, message: str, *field: str) -> "DomainError":
        return cls(Problem(code, message, tuple(field) or None))
