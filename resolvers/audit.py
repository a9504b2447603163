"""The audit trail: events for SUPPORT, MANAGER, ADMIN; chain verification for ADMIN."""

from typing import Annotated

import strawberry

from app.ids import decode_id
from app.loaders.orders import AUDIT_CURSOR, audit_cursor, count_audit_events, list_audit_events
from app.pagination import page_request
from app.policy.reads import Readable
from app.services import audit as audit_service
from resolvers.base import Info, require_read
from schema.audit import AuditEvent, AuditEventConnection, AuditEventEdge, AuditVerification
from schema.common import After, First, PageInfo
from schema.errors import PublicError


@strawberry.type
class AuditQuery:
    @strawberry.field(description="SUPPORT, MANAGER, ADMIN: the audit trail, optionally of one subject.")
    async def audit_events(
        self, info: Info, first: First = None, after: After = None,
        subject_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only the events about this object (its global id).")] = None,
    ) -> AuditEventConnection:
        require_read(info, Readable.AUDIT)
        subject = None
        if subject_id is not None:
            subject = decode_id(subject_id)
            if subject is None:
                raise PublicError("subjectId is not a valid id.", "INVALID")
        page = page_request(first=first, after=after, last=None, before=None, kind=AUDIT_CURSOR)
        db = info.context.db
        result = await list_audit_events(db, page=page, subject=subject)
        cursors = [audit_cursor(r) for r in result.items]
        return AuditEventConnection(
            edges=[AuditEventEdge(cursor=c, node=AuditEvent.from_row(r))
                   for c, r in zip(cursors, result.items, strict=True)],
            page_info=PageInfo.of(result, cursors), count=lambda: count_audit_events(db, subject=subject))

    @strawberry.field(description="Admins only: recompute the hash chain.")
    async def audit_verify(self, info: Info) -> AuditVerification:
        require_read(info, Readable.AUDIT_VERIFY)
        result = await audit_service.verify(info.context.db)
        return AuditVerification(ok=result.ok, events_checked=result.events_checked,
                                 first_broken_sequence=result.first_broken_sequence)
