"""The operational exceptions queue and system health (staff who run orders), and resolving an
exception with a note."""

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from app.domain.exceptions import ExceptionKind as DomainExceptionKind
from app.domain.states import ExceptionStatus as DomainExceptionStatus
from app.policy.reads import Readable
from app.services import exceptions as exception_service
from app.services.health import system_health
from resolvers.base import Info, input_pk, require_read, write
from schema.common import Connection
from schema.exceptions import (
    ExceptionKind,
    ExceptionStatus,
    OperationalException,
    OperationalExceptionPayload,
    OperationalExceptionResolveInput,
    SystemHealth,
)


@strawberry.type
class ExceptionQuery:
    @strawberry.field(description="SUPPORT, FULFILLMENT, MANAGER, ADMIN: operational exceptions, newest first.")
    async def operational_exceptions(
            self, info: Info,
            first: Annotated[int | None, strawberry.argument(description="Page size, 0-100 (default 20).")] = None,
            after: Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")] = None,
            status: Annotated[ExceptionStatus | None,  # type: ignore[valid-type]
                              strawberry.argument(description="Only exceptions in this status.")] = None,
            kind: Annotated[ExceptionKind | None, strawberry.argument(description="Only exceptions of this kind.")] = None,
    ) -> Connection[OperationalException]:
        require_read(info, Readable.OPERATIONAL_EXCEPTION)
        listing = exception_service.EXCEPTIONS
        request = listing.request(first=first, after=after)
        db, queue = info.context.db, listing.filtered(DomainExceptionStatus(status.value) if status else None,
                                                       DomainExceptionKind(kind.value) if kind else None)
        return Connection.of(await queue.page(db, request), queue.cursor, OperationalException.from_row,
                             lambda: queue.count(db))

    @strawberry.field(description="SUPPORT, FULFILLMENT, MANAGER, ADMIN: outbox backlog and lag, webhook deliveries "
                                  "retrying and failed, open exceptions, counted now.")
    async def system_health(self, info: Info) -> SystemHealth:
        require_read(info, Readable.SYSTEM_HEALTH)
        return SystemHealth.of(await system_health(info.context.db, now=datetime.now(UTC)))


@strawberry.type
class ExceptionMutation:
    @strawberry.mutation(description="Resolve an open exception with a note (SUPPORT, FULFILLMENT, MANAGER, ADMIN; "
                                     "one about payments: SUPPORT, MANAGER, ADMIN). Audited.")
    async def operational_exception_resolve(
            self, info: Info,
            input: Annotated[OperationalExceptionResolveInput,
                             strawberry.argument(description="Which exception, and the note.")],
    ) -> OperationalExceptionPayload:
        return await write(info, OperationalExceptionPayload, input, lambda uow: exception_service.resolve_exception(
            uow=uow, exception_id=input_pk(input.exception_id, "OperationalException", "exceptionId") or 0,
            resolution=input.resolution), lambda row: {"exception": OperationalException.from_row(row)})
