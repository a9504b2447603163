"""Webhook delivery statuses by a table, per-subject sequence counters, webhook payload keys.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00

- `webhook_deliveries.status` gains RETRYING: a PENDING delivery that has been attempted already
  (attempts > 0) is waiting for a retry, and becomes RETRYING.
- `outbox_subject_sequences` holds the last sequence number of each subject's outbox events, taken
  from the events written so far (the unit of work bumps it from now on).
- Payloads of deliveries not yet DELIVERED take the webhook body shape the relay now writes
  (`eventId`, `subjectId` as a global id, ids inside `payload` as global ids), without `cartId`
  (a guest cart's id is its only credential), so that a retry sends what new deliveries send.
  Downgrading keeps the new shape (the previous code sends the stored text as it is).
"""
import base64
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# As in app/integrations/outbox.py at this revision.
GLOBAL_ID_KEYS = {"orderId": "EcommerceOrder", "fulfillmentId": "Fulfillment", "returnRequestId": "ReturnRequest",
                  "paymentId": "Payment", "customerId": "Customer", "campaignId": "Campaign"}
WITHHELD_KEYS = frozenset({"cartId"})


def upgrade() -> None:
    op.create_table('outbox_subject_sequences',
    sa.Column('subject_type', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subject_type', 'subject_id', name=op.f('pk_outbox_subject_sequences'))
    )
    op.execute("INSERT INTO outbox_subject_sequences (subject_type, subject_id, last_sequence) "
               "SELECT subject_type, subject_id, MAX(subject_sequence) FROM outbox_events "
               "GROUP BY subject_type, subject_id")
    op.execute("UPDATE webhook_deliveries SET status = 'RETRYING' WHERE status = 'PENDING' AND attempts > 0")
    _reshape_payloads()


def downgrade() -> None:
    op.execute("UPDATE webhook_deliveries SET status = 'PENDING' WHERE status = 'RETRYING'")
    op.drop_table('outbox_subject_sequences')


def _global_id(type_name: str, key: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def _webhook_body(message: dict[str, Any]) -> dict[str, Any]:
    data = {key: _global_id(GLOBAL_ID_KEYS[key], value) if key in GLOBAL_ID_KEYS and value is not None else value
            for key, value in (message.get("payload") or {}).items() if key not in WITHHELD_KEYS}
    return {"eventId": message["id"], "topic": message["topic"], "subjectType": message["subjectType"],
            "subjectId": _global_id(message["subjectType"], message["subjectId"]),
            "sequence": message["sequence"], "occurredAt": message["occurredAt"], "payload": data}


def _reshape_payloads() -> None:
    connection = op.get_bind()
    deliveries = sa.table('webhook_deliveries', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                          sa.column('payload', sa.Text()))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(deliveries.c.id, deliveries.c.payload)
            .where(deliveries.c.status != 'DELIVERED', deliveries.c.id > last)
            .order_by(deliveries.c.id).limit(500)).all()
        if not rows:
            return
        for delivery_id, payload in rows:
            message = json.loads(payload)
            if isinstance(message, dict) and "eventId" not in message and "subjectType" in message:
                connection.execute(sa.update(deliveries).where(deliveries.c.id == delivery_id).values(
                    payload=json.dumps(_webhook_body(message), separators=(",", ":"), ensure_ascii=False)))
        last = rows[-1][0]
