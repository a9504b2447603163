"""Fulfillment: ship order lines from a warehouse holding their allocation, move shipments
through the Fulfillment table, derive the order's status, capture payment at the first shipment."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.domain.errors import DomainError, ErrorCode, Problem
from app.domain.states import FULFILLMENT_TRANSITIONS, FulfillmentStatus, transition
from app.domain.validation import Checker
from app.integrations.payments import Gateways
from app.policy.order_lifecycle import FULFILLABLE, OPEN_FULFILLMENTS
from app.policy.permissions import Permission
from app.services.allocation import allocate, release
from app.services.common import require
from app.services.orders import capture_payment, order_for_change, sync_order_status
from app.services.unit_of_work import UnitOfWork
from models import Allocation, Fulfillment, FulfillmentLine, OrderLine, Stock, Warehouse


@dataclass(frozen=True, slots=True)
class LineQuantity:
    order_line_id: int
    quantity: int


async def _in_fulfillments(uow: UnitOfWork, order_id: int) -> dict[int, int]:
    """Units of each line already in fulfillments that are not cancelled."""
    rows = (await uow.session.execute(
        select(FulfillmentLine.order_line_id, func.sum(FulfillmentLine.quantity))
        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
        .where(Fulfillment.order_id == order_id, Fulfillment.status != FulfillmentStatus.CANCELLED)
        .group_by(FulfillmentLine.order_line_id))).all()
    return {line: int(q) for line, q in rows}


async def _held(uow: UnitOfWork, order_id: int) -> dict[tuple[int, int], int]:
    """Units allocated per (line, warehouse) and not yet promised to a fulfillment."""
    held: dict[tuple[int, int], int] = defaultdict(int)
    for line, warehouse, quantity in (await uow.session.execute(
            select(Allocation.order_line_id, Allocation.warehouse_id, Allocation.quantity)
            .where(Allocation.order_id == order_id))).all():
        held[(line, warehouse)] += quantity
    for line, warehouse, quantity in (await uow.session.execute(
            select(FulfillmentLine.order_line_id, Fulfillment.warehouse_id, FulfillmentLine.quantity)
            .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
            .where(Fulfillment.order_id == order_id,
                   Fulfillment.status.in_(OPEN_FULFILLMENTS)))).all():
        held[(line, warehouse)] -= quantity
    return held


async def create_fulfillment(*, uow: UnitOfWork, order_id: int, warehouse_id: int | None,
                             lines: Sequence[LineQuantity] | None) -> Fulfillment:
    check = Checker()
    chosen = check.items(lines, "lines", label="line") if lines is not None else None
    for i, line in enumerate(chosen or ()):
        check.at("lines", i).count(line.quantity, "quantity", label="Quantity", minimum=1, maximum=999)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_FULFILLMENT)
    session = uow.session
    order = await order_for_change(uow, order_id)
    if order.status not in FULFILLABLE:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION,
                             f"An order that is {order.status.lower()} cannot get a new fulfillment.", "input", "orderId")
    order_lines = {line.id: line for line in (await session.execute(
        select(OrderLine).where(OrderLine.order_id == order.id))).scalars()}
    promised = await _in_fulfillments(uow, order.id)
    remaining = {lid: line.quantity - promised.get(lid, 0) for lid, line in order_lines.items()}
    held = await _held(uow, order.id)
    if warehouse_id is None:
        candidates = sorted({w for (_, w), q in held.items() if q > 0})
        if not candidates:
            raise DomainError.of(ErrorCode.REQUIRED, "Name the warehouse to ship from.", "input", "warehouseId")
        warehouse_id = candidates[0]
    elif await session.get(Warehouse, warehouse_id) is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That warehouse does not exist.", "input", "warehouseId")
    if chosen is None:
        wanted = [w for w in (LineQuantity(lid, _default_quantity(lid, left, warehouse_id, held))
                              for lid, left in remaining.items()) if w.quantity > 0]
        if not wanted:
            raise DomainError.of(ErrorCode.INVALID, "Nothing is left to fulfill from this warehouse.",
                                 "input", "lines")
    else:
        wanted = list(chosen)
        seen: set[int] = set()
        repeated = [i for i, w in enumerate(wanted) if w.order_line_id in seen or seen.add(w.order_line_id)]
        if repeated:
            raise DomainError.of(ErrorCode.INVALID, "Name each order line once.",
                                 "input", "lines", str(repeated[0]), "orderLineId")
        problems = [Problem(ErrorCode.INVALID, f"At most {remaining.get(w.order_line_id, 0)} units of this "
                            "line are left to fulfill.", ("input", "lines", str(i), "quantity"))
                    for i, w in enumerate(wanted)
                    if w.order_line_id in order_lines and w.quantity > remaining[w.order_line_id]]
        problems += [Problem(ErrorCode.NOT_FOUND, "That line is not part of this order.",
                             ("input", "lines", str(i), "orderLineId"))
                     for i, w in enumerate(wanted) if w.order_line_id not in order_lines]
        if problems:
            raise DomainError(problems)
    fulfillment = Fulfillment(order_id=order.id, warehouse_id=warehouse_id, status=FulfillmentStatus.PENDING,
                              created_at=uow.now, updated_at=uow.now)
    session.add(fulfillment)
    await session.flush()
    for i, want in enumerate(wanted):
        await _hold_in_warehouse(uow, order_lines[want.order_line_id], warehouse_id, want.quantity, held, i)
        session.add(FulfillmentLine(fulfillment_id=fulfillment.id, order_line_id=want.order_line_id,
                                    quantity=want.quantity))
    await session.flush()
    uow.audit(action="fulfillment.create", subject_type="Fulfillment", subject_id=fulfillment.id,
              to_status=FulfillmentStatus.PENDING,
              data={"orderId": order.id, "warehouseId": warehouse_id,
                    "lines": {str(w.order_line_id): w.quantity for w in wanted}})
    emit_fulfillment(uow, fulfillment, None)
    await sync_order_status(uow, order)
    await uow.commit(fulfillment)
    return fulfillment


def _default_quantity(line_id: int, left: int, warehouse_id: int, held: dict[tuple[int, int], int]) -> int:
    """Lines omitted: what the warehouse holds for the line; a line held nowhere (its allocation
    was released by a cancelled fulfillment) is taken whole, from this warehouse."""
    here = max(0, held.get((line_id, warehouse_id), 0))
    anywhere = sum(max(0, q) for (lid, _), q in held.items() if lid == line_id)
    return min(left, here) if anywhere else left


async def _hold_in_warehouse(uow: UnitOfWork, line: OrderLine, warehouse_id: int, quantity: int,
                             held: dict[tuple[int, int], int], index: int) -> None:
    """Make sure `quantity` units of the line are allocated in this warehouse: allocate the
    shortfall here, then give back as many units the line held elsewhere (not promised to another
    fulfillment), so that the order never holds more stock than it needs."""
    short = quantity - max(0, held.get((line.id, warehouse_id), 0))
    if short <= 0:
        return
    stock = await uow.session.scalar(select(Stock).where(Stock.variant_id == line.variant_id,
                                                         Stock.warehouse_id == warehouse_id))
    taken = await allocate(uow.session, variant_id=line.variant_id, quantity=short,
                           stock_ids=[stock.id] if stock else []) if line.variant_id else None
    if not taken:
        raise DomainError.of(ErrorCode.OUT_OF_STOCK, f"Not enough of {line.product_name} in this warehouse.",
                             "input", "lines", str(index), "quantity")
    uow.session.add_all(Allocation(order_id=line.order_id, order_line_id=line.id, stock_id=t.stock_id,
                                   warehouse_id=t.warehouse_id, quantity=t.quantity) for t in taken)
    for allocation in (await uow.session.execute(
            select(Allocation).where(Allocation.order_line_id == line.id, Allocation.warehouse_id != warehouse_id,
                                     Allocation.quantity > 0).order_by(Allocation.id))).scalars():
        spare = min(short, allocation.quantity, max(0, held.get((line.id, allocation.warehouse_id), 0)))
        if spare <= 0:
            continue
        allocation.quantity -= spare
        held[(line.id, allocation.warehouse_id)] -= spare
        await release(uow.session, allocation.stock_id, spare)
        short -= spare
        if short == 0:
            break


def emit_fulfillment(uow: UnitOfWork, fulfillment: Fulfillment, previous: str | None) -> None:
    uow.emit(topic="fulfillment.status_changed", subject_type="EcommerceOrder", subject_id=fulfillment.order_id,
             payload={"orderId": fulfillment.order_id, "fulfillmentId": fulfillment.id, "from": previous,
                      "to": fulfillment.status, "at": uow.now})


async def update_fulfillment(*, uow: UnitOfWork, fulfillment_id: int, status: FulfillmentStatus,
                             carrier: str | None, tracking_number: str | None, gateways: Gateways) -> Fulfillment:
    check = Checker()
    carrier_ = check.text(carrier, "carrier", label="Carrier", max_length=100)
    tracking_ = check.text(tracking_number, "trackingNumber", label="Tracking number", max_length=100)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_FULFILLMENT)
    fulfillment = await locked_fulfillment(uow, fulfillment_id)
    if fulfillment is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That fulfillment does not exist.", "input", "fulfillmentId")
    return await move_fulfillment(uow, fulfillment, status, carrier=carrier_, tracking_number=tracking_,
                                  gateways=gateways)


async def locked_fulfillment(uow: UnitOfWork, fulfillment_id: int) -> Fulfillment | None:
    """The fulfillment, locked after its order: every writer locks the order first, so an order's
    writers never wait on each other in opposite orders (no deadlocks on PostgreSQL)."""
    order_id = await uow.session.scalar(select(Fulfillment.order_id).where(Fulfillment.id == fulfillment_id))
    if order_id is None:
        return None
    await order_for_change(uow, order_id)
    return await uow.session.get(Fulfillment, fulfillment_id, with_for_update=True, populate_existing=True)


async def move_fulfillment(uow: UnitOfWork, fulfillment: Fulfillment, status: FulfillmentStatus, *,
                           carrier: str | None, tracking_number: str | None, gateways: Gateways,
                           source: str = "staff") -> Fulfillment:
    """The one policy path for fulfillment moves, from staff or from a warehouse system."""
    order = await order_for_change(uow, fulfillment.order_id)
    current = FulfillmentStatus(fulfillment.status)
    transition(FULFILLMENT_TRANSITIONS, current, status, subject="fulfillment")
    if carrier:
        fulfillment.carrier = carrier
    if tracking_number:
        fulfillment.tracking_number = tracking_number
    if status == FulfillmentStatus.SHIPPED:
        missing = [Problem(ErrorCode.REQUIRED, f"{label} is required to ship.", ("input", field))
                   for field, label, value in (("carrier", "Carrier", fulfillment.carrier),
                                               ("trackingNumber", "Tracking number", fulfillment.tracking_number))
                   if not value]
        if missing:
            raise DomainError(missing)
        await _ship_stock(uow, fulfillment)
        fulfillment.shipped_at = uow.now
        await capture_payment(uow, order, gateways)
    elif status == FulfillmentStatus.DELIVERED:
        fulfillment.delivered_at = uow.now
    elif status == FulfillmentStatus.CANCELLED:
        await _release_lines(uow, fulfillment)
    fulfillment.status = status
    fulfillment.updated_at = uow.now
    await uow.session.flush()
    uow.audit(action=f"fulfillment.{status.lower()}", subject_type="Fulfillment", subject_id=fulfillment.id,
              from_status=current, to_status=status,
              data={"orderId": order.id, "carrier": fulfillment.carrier,
                    "trackingNumber": fulfillment.tracking_number, "source": source})
    emit_fulfillment(uow, fulfillment, current)
    await sync_order_status(uow, order)
    await uow.commit(fulfillment)
    return fulfillment


async def _fulfillment_lines(uow: UnitOfWork, fulfillment: Fulfillment) -> list[tuple[OrderLine, int]]:
    return [(line, qty) for line, qty in (await uow.session.execute(
        select(OrderLine, FulfillmentLine.quantity).join(FulfillmentLine, FulfillmentLine.order_line_id == OrderLine.id)
        .where(FulfillmentLine.fulfillment_id == fulfillment.id))).all()]


async def _take_allocation(uow: UnitOfWork, fulfillment: Fulfillment, line: OrderLine, quantity: int) -> list[int]:
    """Reduce the line's allocations in the fulfillment's warehouse by `quantity`; their stock rows."""
    stock_ids = []
    for allocation in (await uow.session.execute(
            select(Allocation).where(Allocation.order_line_id == line.id,
                                     Allocation.warehouse_id == fulfillment.warehouse_id, Allocation.quantity > 0)
            .order_by(Allocation.id))).scalars():
        used = min(quantity, allocation.quantity)
        allocation.quantity -= used
        quantity -= used
        stock_ids += [allocation.stock_id] * used
        if quantity == 0:
            break
    return stock_ids


async def _ship_stock(uow: UnitOfWork, fulfillment: Fulfillment) -> None:
    """Shipment moves the units out of on hand (and out of allocated)."""
    for line, quantity in await _fulfillment_lines(uow, fulfillment):
        for stock_id in set(ids := await _take_allocation(uow, fulfillment, line, quantity)):
            units = ids.count(stock_id)
            await uow.session.execute(
                update(Stock).where(Stock.id == stock_id)
                .values(on_hand=Stock.on_hand - units, allocated=Stock.allocated - units)
                .execution_options(synchronize_session=False))


async def _release_lines(uow: UnitOfWork, fulfillment: Fulfillment) -> None:
    """A cancelled fulfillment gives its units back to the warehouse."""
    for line, quantity in await _fulfillment_lines(uow, fulfillment):
        ids = await _take_allocation(uow, fulfillment, line, quantity)
        for stock_id in set(ids):
            await release(uow.session, stock_id, ids.count(stock_id))
