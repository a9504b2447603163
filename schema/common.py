"""Shared GraphQL types: Node, the generic Connection, Money, UserError, the DateTime scalar, and the
error code enum."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from app.domain.errors import DomainError, Problem
from app.domain.errors import ErrorCode as DomainErrorCode
from app.domain.validation import parse_moment
from app.pagination import Page

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode",
                            description="Stable codes of userErrors; clients branch on these.")

__all__ = ["IDEMPOTENCY_KEY", "IDEMPOTENCY_KEY_REQUIRED", "JSON", "USER_ERRORS", "After", "Before", "Connection", "DateTime", "Edge", "ErrorCode", "First", "Last", "Money", "Node", "NodeT", "PageInfo", "RowT", "UserError", "user_errors"]

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

# Descriptions many types share (app/services/idempotency.py: keys are 1 to 200 printable characters).
IDEMPOTENCY_KEY = ("Optional retry key, 1 to 200 characters: the same key with the same input replays "
                   "the first result, with another input it is IDEMPOTENCY_KEY_REUSED.")
IDEMPOTENCY_KEY_REQUIRED = ("Retry key, 1 to 200 characters: the same key with the same input replays the "
                            "first result, with another input it is IDEMPOTENCY_KEY_REUSED.")
USER_ERRORS = "Why the input was refused; empty when the mutation succeeded."

# Cursor pagination arguments (app/pagination.py: page sizes 0 to 100, 20 by default).
First = Annotated[int | None, strawberry.argument(
    description="Page size counting forward from after (or the start): 0 to 100, default 20.")]
After = Annotated[str | None, strawberry.argument(
    description="Return the items after this cursor (a previous page's endCursor); not with last.")]
Last = Annotated[int | None, strawberry.argument(
    description="Page size counting back from before (or the end): 0 to 100, default 20; not with first.")]
Before = Annotated[str | None, strawberry.argument(
    description="Return the items before this cursor (a later page's startCursor); not with first.")]


def _parse_date_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError("DateTime must be a string.", extensions={"code": "BAD_USER_INPUT"})
    try:
        return parse_moment(value)
    except ValueError as refusal:
        raise GraphQLError(f"DateTime {refusal}.", extensions={"code": "BAD_USER_INPUT"}) from None


# Replaces Strawberry's DateTime (schema/schema.py, scalar_map): its parser accepts dates
# without a time and keeps offsets, so that converting year 1 at +14:00 to UTC overflowed deep
# inside a resolver. This one parses strictly, in UTC, and its refusals carry a code (they never
# echo the value: a lone surrogate could not be encoded in the response).
DateTime: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="A point in time, ISO 8601 with a time zone, e.g. \"2030-06-01T09:30:00+02:00\" (one without is "
                "read as UTC); returned in UTC. Inputs fall in the years 1900 to 2200.",
    serialize=datetime.isoformat, parse_value=_parse_date_time)


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


@strawberry.type(description="Where a page of a connection stands in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item of the page.")


# One generic connection: Strawberry names each use after its node type (Connection[Product] is
# ProductConnection, its edges ProductEdge). A specialisation copies the generic's descriptions, so
# they speak of items; the field that returns a connection says what it lists and in which order.
@strawberry.type(description="An item of a page, with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque cursor of this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, in the list's order.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items matching, over all pages.")
    def total_count(self) -> int:
        # Counted only when selected; the awaitable (a query, or a loader call that batches with the
        # other pages' counts) is awaited by the executor.
        return self.count()  # type: ignore[return-value]

    @classmethod
    def of(cls, page: Page[RowT], cursor: Callable[[RowT], str], node: Callable[[RowT], NodeT],
           count: Callable[[], Awaitable[int]]) -> "Connection[NodeT]":
        """A page of rows as a connection: each row's cursor and node, and the count callable."""
        cursors = [cursor(row) for row in page.items]
        return cls(edges=[Edge(cursor=c, node=node(row)) for c, row in zip(cursors, page.items, strict=True)],
                   page_info=PageInfo(has_next_page=page.has_next, has_previous_page=page.has_previous,
                                      start_cursor=cursors[0] if cursors else None,
                                      end_cursor=cursors[-1] if cursors else None),
                   count=count)


@strawberry.type(description="An amount of money in a currency.")
class Money:
    amount: Decimal = strawberry.field(description="Decimal string with the currency's minor unit, e.g. \"19.90\".")
    currency: str = strawberry.field(description="ISO 4217 currency code.")


@strawberry.type(description="Why a mutation refused (part of) its input.")
class UserError:
    code: ErrorCode = strawberry.field(description="Stable machine-readable code.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="A sentence a shopper or clerk can act on.")
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, e.g. [\"input\", \"lines\", \"0\", \"quantity\"].")
    retry_after: int | None = strawberry.field(
        default=None, description="RATE_LIMITED only: whole seconds to wait before trying again.")

    @classmethod
    def of(cls, problem: Problem) -> "UserError":
        return cls(code=problem.code, message=problem.message,
                   field=list(problem.field) if problem.field else None, retry_after=problem.retry_after)


def user_errors(problems: DomainError | Iterable[Problem]) -> list[UserError]:
    items = problems.problems if isinstance(problems, DomainError) else problems
    return [UserError.of(p) for p in items]
