"""The audit trail: events for SUPPORT, MANAGER, ADMIN; chain verification for ADMIN."""

from typing import Annotated

import strawberry

from app.ids import decode_id
from app.loaders.orders import AUDIT_EVENTS
from app.policy.reads import Readable
from app.services import audit as audit_service
from resolvers.base import Info, require_read
from schema.audit import AuditEvent, AuditVerification
from schema.common import After, Connection, First
from schema.errors import PublicError


@strawberry.type
class AuditQuery:
    @strawberry.field(description="SUPPORT, MANAGER, ADMIN: the audit trail, oldest first, optionally of one subject.")
    async def audit_events(
        self, info: Info, first: First = None, after: After = None,
        subject_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only the events about this object (its global id).")] = None,
    ) -> Connection[AuditEvent]:
        require_read(info, Readable.AUDIT)
        subject = None
        if subject_id is not None:
            subject = decode_id(subject_id)
            if subject is None:
                raise PublicError("subjectId is not a valid id.", "INVALID")
        request = AUDIT_EVENTS.request(first=first, after=after)
        db, events = info.context.db, AUDIT_EVENTS.filtered(subject=subject)
        return Connection.of(await events.page(db, request), events.cursor, AuditEvent.from_row,
                             lambda: events.count(db))

    @strawberry.field(description="Admins only: recompute the hash chain.")
    async def audit_verify(self, info: Info) -> AuditVerification:
        require_read(info, Readable.AUDIT_VERIFY)
        result = await audit_service.verify(info.context.db)
        return AuditVerification(ok=result.ok, events_checked=result.events_checked,
                                 first_broken_sequence=result.first_broken_sequence)
