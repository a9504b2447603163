"""Audit types: events of the hash chain and its verification."""

from datetime import datetime
from typing import Any

import orjson
import strawberry
from strawberry.scalars import JSON

from app.ids import encode_id
from schema.common import Node


@strawberry.type(description="One event of the append-only, hash-chained audit trail.")
class AuditEvent(Node):
    sequence: int = strawberry.field(description="Position in the one append-only chain of all audit events.")
    occurred_at: datetime = strawberry.field(description="When the change was made.")
    actor: str = strawberry.field(
        description="Who made it: user:<id>:<e-mail>, integration:<name>, or anonymous (guests, the CLI, "
                    "background jobs).")
    action: str = strawberry.field(description="What happened, e.g. cart.create or order.cancelled.")
    subject_type: str = strawberry.field(
        description="Type of the subject, e.g. EcommerceOrder, Cart or Payment.")
    subject_id: strawberry.ID = strawberry.field(description="Global id of the subject.")
    from_status: str | None = strawberry.field(description="The subject's status before a status change.")
    to_status: str | None = strawberry.field(
        description="The subject's status after a status change or creation.")
    data: JSON | None = strawberry.field(description="Details of the change, if any.")
    request_id: str | None = strawberry.field(
        description="The API request's X-Request-Id (else a generated id), an inbound webhook's id, or "
                    "cli, seed or sweep.")
    approval_id: str | None = strawberry.field(
        description="Database number (not the global id) of the ApprovalRequest this change used, if any.")
    hash: str = strawberry.field(description="HMAC-SHA256, under the server's audit key, over prevHash and this "
                                             "event: a changed, deleted or inserted event breaks the chain.")
    prev_hash: str | None = strawberry.field(description="The previous event's hash; null for the first.")

    @classmethod
    def from_row(cls, row: Any) -> "AuditEvent":
        return cls(id=strawberry.ID(encode_id("AuditEvent", row.sequence)), sequence=row.sequence,
                   occurred_at=row.occurred_at, actor=row.actor, action=row.action, subject_type=row.subject_type,
                   subject_id=strawberry.ID(encode_id(row.subject_type, row.subject_id)),
                   from_status=row.from_status, to_status=row.to_status,
                   data=orjson.loads(row.data) if row.data else None, request_id=row.request_id,
                   approval_id=row.approval_id, hash=row.hash, prev_hash=row.prev_hash)


@strawberry.type(description="The result of recomputing the audit hash chain.")
class AuditVerification:
    ok: bool = strawberry.field(description="Whether every event verified.")
    events_checked: int = strawberry.field(
        description="Events examined, up to and including the first broken one.")
    first_broken_sequence: int | None = strawberry.field(
        description="Sequence of the first event whose hash does not match, if any.")
