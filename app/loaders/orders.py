"""Per-request loaders for carts, orders and the audit trail."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Row, func, select

from app.db import Database
from app.domain.states import FulfillmentStatus
from app.loaders.base import many_per_key, one_per_key, value_per_key
from app.pagination import Listing
from app.services.cart_view import CART_COLUMNS, CartView, view_carts
from models import (
    ApprovalRequest,
    AuditEvent,
    Cart,
    EcommerceOrder,
    Fulfillment,
    FulfillmentLine,
    OperationalException,
    OrderLine,
    Payment,
    ReturnLine,
    ReturnRequest,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

ORDER_COLUMNS = tuple(EcommerceOrder.__table__.c)


class OrderLoaders:
    def __init__(self, db: Database, now: datetime, abandon_after: timedelta) -> None:
        self.db = db
        self.now = now
        self.abandon_after = abandon_after
        self.cart_view = DataLoader(self._cart_views, max_batch_size=100)
        self.order = one_per_key(db, lambda ids: select(*ORDER_COLUMNS).where(EcommerceOrder.id.in_(ids)))
        self.order_lines = many_per_key(
            db, lambda ids: select(*OrderLine.__table__.c).where(OrderLine.order_id.in_(ids))
            .order_by(OrderLine.id), key="order_id")
        self.order_line = one_per_key(db, lambda ids: select(*OrderLine.__table__.c).where(OrderLine.id.in_(ids)))
        self.payments = many_per_key(
            db, lambda ids: select(*Payment.__table__.c).where(Payment.order_id.in_(ids)).order_by(Payment.id),
            key="order_id")

        self.fulfillments = many_per_key(
            db, lambda ids: select(*Fulfillment.__table__.c).where(Fulfillment.order_id.in_(ids))
            .order_by(Fulfillment.id), key="order_id")
        self.fulfillment = one_per_key(db, lambda ids: select(*Fulfillment.__table__.c).where(Fulfillment.id.in_(ids)))
        self.fulfillment_lines = many_per_key(
            db, lambda ids: select(*FulfillmentLine.__table__.c).where(FulfillmentLine.fulfillment_id.in_(ids))
            .order_by(FulfillmentLine.id), key="fulfillment_id")
        self.return_requests = many_per_key(
            db, lambda ids: select(*ReturnRequest.__table__.c).where(ReturnRequest.order_id.in_(ids))
            .order_by(ReturnRequest.id), key="order_id")
        self.return_request = one_per_key(
            db, lambda ids: select(*ReturnRequest.__table__.c).where(ReturnRequest.id.in_(ids)))
        self.return_lines = many_per_key(
            db, lambda ids: select(*ReturnLine.__table__.c).where(ReturnLine.return_request_id.in_(ids))
            .order_by(ReturnLine.id), key="return_request_id")
        self.approval = one_per_key(
            db, lambda ids: select(*ApprovalRequest.__table__.c).where(ApprovalRequest.id.in_(ids)))
        self.quantity_fulfilled = value_per_key(
            db, lambda ids: select(FulfillmentLine.order_line_id, func.sum(FulfillmentLine.quantity))
            .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
            .where(FulfillmentLine.order_line_id.in_(ids), Fulfillment.status != FulfillmentStatus.CANCELLED)
            .group_by(FulfillmentLine.order_line_id), default=0)
        self.quantity_returned = value_per_key(
            db, lambda ids: select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
            .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_request_id)
            .where(ReturnLine.order_line_id.in_(ids), ReturnRequest.received_at.isnot(None))
            .group_by(ReturnLine.order_line_id), default=0)

        self.operational_exception = one_per_key(
            db, lambda ids: select(*OperationalException.__table__.c).where(OperationalException.id.in_(ids)))

        self.webhook_attempts = many_per_key(
            db, lambda ids: select(*WebhookAttempt.__table__.c).where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.id), key="delivery_id")

    async def _cart_views(self, ids: Sequence[str]) -> list[CartView | None]:
        async with self.db.read() as conn:
            carts = (await conn.execute(select(*CART_COLUMNS).where(Cart.id.in_(list(ids))))).all()
            views = await view_carts(conn, carts, now=self.now, abandon_after=self.abandon_after)
        return [views.get(i) for i in ids]


def _order_filter(*, statuses: Sequence[str] | None, channel_id: int | None, campaign_id: int | None,
                  created_after: datetime | None, created_before: datetime | None,
                  customer_id: int | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(EcommerceOrder.status.in_(list(statuses)))
    if channel_id is not None:
        conditions.append(EcommerceOrder.channel_id == channel_id)
    if campaign_id is not None:
        conditions.append(EcommerceOrder.campaign_id == campaign_id)
    if created_after is not None:
        conditions.append(EcommerceOrder.created_at >= created_after)
    if created_before is not None:
        conditions.append(EcommerceOrder.created_at < created_before)
    if customer_id is not None:
        conditions.append(EcommerceOrder.customer_id == customer_id)
    return conditions


def _audit_filter(subject: tuple[str, str] | None) -> list[ColumnElement[bool]]:
    return [] if subject is None else [AuditEvent.subject_type == subject[0], AuditEvent.subject_id == subject[1]]


def _return_filter(status: str | None) -> list[ColumnElement[bool]]:
    return [ReturnRequest.status == status] if status else []


def _delivery_filter(endpoint_id: int | None, status: str | None) -> list[ColumnElement[bool]]:
    conditions = [WebhookDelivery.endpoint_id == endpoint_id] if endpoint_id is not None else []
    return conditions + ([WebhookDelivery.status == status] if status else [])


ORDERS = Listing("order:id-desc", select(*ORDER_COLUMNS), (EcommerceOrder.id,), descending=True, where=_order_filter)
AUDIT_EVENTS = Listing("audit:sequence", select(*AuditEvent.__table__.c), (AuditEvent.sequence,),
                       where=_audit_filter)
RETURNS = Listing("return:id-desc", select(*ReturnRequest.__table__.c), (ReturnRequest.id,), descending=True,
                  where=_return_filter)
DELIVERIES = Listing("webhook-delivery:id-desc", select(*WebhookDelivery.__table__.c), (WebhookDelivery.id,),
                     descending=True, where=_delivery_filter)


MAX_APPROVALS = 500


async def list_approvals(db: Database, *, status: str | None) -> list[Row[Any]]:
    """Newest first, at most MAX_APPROVALS (the contract's list has no pagination)."""
    stmt = select(*ApprovalRequest.__table__.c).order_by(ApprovalRequest.id.desc()).limit(MAX_APPROVALS)
    if status:
        stmt = stmt.where(ApprovalRequest.status == status)
    async with db.read() as conn:
        return list((await conn.execute(stmt)).all())


async def list_endpoints(db: Database) -> list[Row[Any]]:
    async with db.read() as conn:
        return list((await conn.execute(select(*WebhookEndpoint.__table__.c).order_by(WebhookEndpoint.id))).all())
