"""salesReport (DESIGN.md "KPIs"): every figure of every row, for every grouping, against the
definitions computed here from the raw rows of a varied history built through the API; who may
read it; bad periods; and a fixed number of statements however long the history is."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.ids import decode_id, encode_id
from app.policy.permissions import Role
from models import (
    Campaign,
    Cart,
    CartLine,
    Channel,
    EcommerceOrder,
    OrderLine,
    ProductVariant,
    ReturnLine,
    ReturnRequest,
)
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import (
    CART_LINES_ADD,
    CART_LINES_REMOVE,
    FULFILLMENT_CREATE,
    FULFILLMENT_UPDATE,
    ORDER_CANCEL,
    RETURN_CREATE,
    Shop,
    build_shop,
    return_decision,
)

KPI_FIELDS = """
cartsCreated cartsConverted cartsAbandoned conversionRate cartAbandonmentRate
orders revenue { amount currency } averageOrderValue { amount currency }
unitsSold unitsReturned returnRate
channel { slug } campaign { name }
"""
REPORT = f"""
query($from: DateTime!, $to: DateTime!, $groupBy: [ReportDimension!]) {{
  salesReport(from: $from, to: $to, groupBy: $groupBy) {{
    from to groupBy
    rows {{ {KPI_FIELDS} }}
    total {{ {KPI_FIELDS} }}
  }}
}}
"""
CAMPAIGN_STATUS = ("mutation($input: CampaignStatusUpdateInput!) { campaignStatusUpdate(input: $input) "
                   "{ campaign { status } userErrors { code message field } } }")
APPROVE, RECEIVE = return_decision("returnRequestApprove"), return_decision("returnRequestReceive")
REFUND = return_decision("returnRequestRefund")
EXPIRES_AFTER = timedelta(days=30)  # DESIGN.md: ACTIVE or ABANDONED -> EXPIRED after 30 days
GROUPINGS = {"ungrouped": [], "by-channel": ["CHANNEL"], "by-campaign": ["CAMPAIGN"],
             "by-channel-and-campaign": ["CHANNEL", "CAMPAIGN"]}
FIGURES = ("cartsCreated", "cartsConverted", "cartsAbandoned", "conversionRate", "cartAbandonmentRate",
           "orders", "revenue", "averageOrderValue", "unitsSold", "unitsReturned", "returnRate")


# --- building a history through the API ------------------------------------------------------


@dataclass
class Crew:
    ann: str  # CUSTOMER: her orders can be cancelled and returned by her
    picker: str  # FULFILLMENT
    support: str
    manager: str


@dataclass
class History:
    """A shop with orders, carts and returns, and the report window [start, end) around `now`."""

    shop: Shop
    crew: Crew
    now: datetime
    start: datetime
    end: datetime
    campaigns: dict[str, int] = field(default_factory=dict)  # name -> id


def pk(global_id: str) -> str:
    decoded = decode_id(global_id)
    assert decoded is not None, global_id
    return decoded[1]


async def mutate(client: GraphQLClient, document: str, token: str | None, **fields: Any) -> dict[str, Any]:
    """The payload of a one-field mutation, under a fresh idempotency key; it must have no userErrors."""
    body = await client.data(document, {"input": {"idempotencyKey": uuid.uuid4().hex, **fields}}, token=token)
    payload: dict[str, Any] = next(iter(body.values()))
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def add_product(shop: Shop, name: str, price: str, units: int) -> str:
    await factory.make_product(shop.client.db, name, prices=(price,), stock={shop.warehouse: units})
    sku = f"{name.upper()}-0"
    async with shop.client.db.read() as conn:
        shop.variants[sku] = await conn.scalar(select(ProductVariant.id).where(ProductVariant.sku == sku))
    return sku


def cart_extra(channel: str, promo: str | None, utm: str | None) -> dict[str, Any]:
    extra: dict[str, Any] = {"channel": channel}
    if promo:
        extra["promoCode"] = promo
    if utm:
        extra["utm"] = {"source": "mail", "campaign": utm}
    return extra


async def place(shop: Shop, lines: dict[str, int], *, channel: str = "web", token: str | None = None,
                promo: str | None = None, utm: str | None = None) -> tuple[str, dict[str, Any]]:
    """An order checked out on `channel`: (its cart's key, the order)."""
    cart_id = await shop.ready_cart(lines, token=token, **cart_extra(channel, promo, utm))
    result = await shop.checkout(cart_id, key=uuid.uuid4().hex, token=token)
    assert result["userErrors"] == [], result["userErrors"]
    return pk(cart_id), result["order"]


async def leave_cart(shop: Shop, lines: dict[str, int] | None, *, channel: str = "web",
                     promo: str | None = None, utm: str | None = None) -> tuple[str, dict[str, Any]]:
    """A guest cart that is never checked out: (its key, the cart)."""
    created = await shop.create_cart(lines, **cart_extra(channel, promo, utm))
    assert created["userErrors"] == [], created["userErrors"]
    return pk(created["cart"]["id"]), created["cart"]


def line_of(order: dict[str, Any], sku: str) -> str:
    return next(line["id"] for line in order["lines"] if line["sku"] == sku)


async def deliver(client: GraphQLClient, crew: Crew, order: dict[str, Any]) -> None:
    created = await mutate(client, FULFILLMENT_CREATE, crew.picker, orderId=order["id"])
    for status in ("PICKED", "SHIPPED", "DELIVERED"):
        await mutate(client, FULFILLMENT_UPDATE, crew.picker, fulfillmentId=created["fulfillment"]["id"],
                     status=status, carrier="DHL", trackingNumber="TRACK-1")


async def return_units(client: GraphQLClient, crew: Crew, order: dict[str, Any], lines: dict[str, int],
                       *, up_to: str) -> None:
    """Ann returns `lines` of her order; the return goes as far as `up_to`."""
    wanted = [{"orderLineId": line_of(order, sku), "quantity": q} for sku, q in lines.items()]
    requested = await mutate(client, RETURN_CREATE, crew.ann, orderId=order["id"], reason="Does not fit",
                             lines=wanted)
    return_id = requested["returnRequest"]["id"]
    steps = [("APPROVED", crew.support, APPROVE), ("RECEIVED", crew.picker, RECEIVE),
             ("REFUNDED", crew.support, REFUND)]
    for status, token, document in steps:
        if up_to == "REQUESTED":
            break
        moved = await mutate(client, document, token, returnRequestId=return_id)
        assert moved["returnRequest"]["status"] == status
        if status == up_to:
            break


async def cancel(client: GraphQLClient, token: str, order: dict[str, Any]) -> None:
    cancelled = await mutate(client, ORDER_CANCEL, token, orderId=order["id"], reason="Changed my mind")
    assert cancelled["order"]["status"] == "CANCELLED"


async def move(client: GraphQLClient, *, cart: str | None = None, order: dict[str, Any] | None = None,
               created: datetime | None = None, updated: datetime | None = None) -> None:
    """Move a cart's (and/or an order's) timestamps, behind the API's back."""
    values = {k: v for k, v in (("created_at", created), ("updated_at", updated)) if v is not None}
    async with client.db.write_engine.begin() as conn:
        if cart is not None:
            await conn.execute(update(Cart).where(Cart.id == cart).values(**values))
        if order is not None:
            await conn.execute(update(EcommerceOrder).where(EcommerceOrder.id == int(pk(order["id"])))
                               .values(**values))


async def cart_of(client: GraphQLClient, order: dict[str, Any]) -> str:
    async with client.db.read() as conn:
        return str(await conn.scalar(select(EcommerceOrder.cart_id)
                                     .where(EcommerceOrder.id == int(pk(order["id"])))))


async def attributed(client: GraphQLClient, cart: str) -> int | None:
    async with client.db.read() as conn:
        campaign_id = await conn.scalar(select(Cart.attributed_campaign_id).where(Cart.id == cart))
    return int(campaign_id) if campaign_id is not None else None


async def crew_of(shop: Shop) -> Crew:
    return Crew(ann=await shop.token("ann@example.com", Role.CUSTOMER),
                picker=await shop.token("picker@example.com", Role.FULFILLMENT),
                support=await shop.token("support@example.com", Role.SUPPORT),
                manager=await shop.token("manager@example.com", Role.MANAGER))


async def build_history(client: GraphQLClient) -> History:
    """Two channels, three campaigns (a code applied at creation, a code named by utm.campaign, an
    automatic one for mobile), orders delivered and partly returned, a cancelled order, abandoned,
    active, empty and expired carts, and records before, inside and after [now - 10 days, now + 1 day)."""
    shop = await build_shop(client)
    crew = await crew_of(shop)
    now = datetime.now(UTC)
    day = timedelta(days=1)
    history = History(shop, crew, now, start=now - 10 * day, end=now + day)
    mug = await add_product(shop, "Mug", "12.50", 500)
    cap = await add_product(shop, "Cap", "7.99", 500)
    tee = "TEE-0"
    db = client.db
    spring = await factory.make_campaign(db, "Spring Sale", percent="10", code="SPRING10")
    news = await factory.make_campaign(db, "Newsletter", percent="5", code="NEWS")
    welcome = await factory.make_campaign(db, "Mobile Welcome", percent="15", channels=["mobile"])
    history.campaigns = {"Spring Sale": spring, "Newsletter": news, "Mobile Welcome": welcome}

    # Inside the window, web.
    _, w1 = await place(shop, {mug: 2, tee: 1}, token=crew.ann)  # unattributed
    await deliver(client, crew, w1)
    await return_units(client, crew, w1, {mug: 1}, up_to="RECEIVED")  # counted
    _, w2 = await place(shop, {cap: 3}, token=crew.ann, promo="SPRING10")
    await deliver(client, crew, w2)
    await return_units(client, crew, w2, {cap: 1}, up_to="REFUNDED")  # reached RECEIVED: counted
    await return_units(client, crew, w2, {cap: 1}, up_to="APPROVED")  # not received: not counted
    _, w3 = await place(shop, {mug: 1, cap: 1}, utm="news")  # utm.campaign names NEWS, case aside
    _, w4 = await place(shop, {tee: 2}, token=crew.ann)
    await cancel(client, crew.ann, w4)  # its cart converted, the order excluded
    await leave_cart(shop, {cap: 1})  # active
    w6, _ = await leave_cart(shop, {mug: 1})
    await move(client, cart=w6, created=now - 5 * day, updated=now - 3 * day)  # abandoned
    w7, _ = await leave_cart(shop, {cap: 2}, promo="spring10")
    await move(client, cart=w7, created=now - 4 * day, updated=now - 2 * day)  # abandoned, Spring Sale
    w8, _ = await leave_cart(shop, None)
    await move(client, cart=w8, created=now - 4 * day, updated=now - 3 * day)  # empty and idle: nothing
    _, emptied = await leave_cart(shop, {mug: 1})
    await mutate(client, CART_LINES_REMOVE, None, cartId=emptied["id"], lineIds=[emptied["lines"][0]["id"]])
    w10, revived = await leave_cart(shop, {mug: 1})
    await move(client, cart=w10, created=now - 6 * day, updated=now - 3 * day)
    await mutate(client, CART_LINES_ADD, None, cartId=revived["id"],
                 lines=[{"variantId": shop.variant_gid(cap), "quantity": 1}])  # abandoned, then active again

    # Inside the window, mobile.
    _, m1 = await place(shop, {mug: 3, cap: 1}, channel="mobile", token=crew.ann)  # Mobile Welcome
    await deliver(client, crew, m1)
    await return_units(client, crew, m1, {mug: 2}, up_to="RECEIVED")
    await return_units(client, crew, m1, {cap: 1}, up_to="REQUESTED")
    _, m2 = await place(shop, {cap: 2}, channel="mobile", utm="News")  # utm beats the automatic campaign
    _, m3 = await place(shop, {tee: 1}, channel="mobile", promo="SPRING10")
    _, m4 = await place(shop, {cap: 1, mug: 1}, channel="mobile", token=crew.ann)
    await cancel(client, crew.ann, m4)
    await leave_cart(shop, {mug: 1}, channel="mobile")  # active
    m6, _ = await leave_cart(shop, {cap: 1}, channel="mobile")
    await move(client, cart=m6, created=now - 6 * day, updated=now - 4 * day)  # abandoned, Mobile Welcome
    m7, _ = await leave_cart(shop, {mug: 2}, channel="mobile", utm="NEWS")
    await move(client, cart=m7, created=now - 3 * day, updated=now - 2 * day)  # abandoned, Newsletter
    await leave_cart(shop, None, channel="mobile")  # empty

    # Before the window.
    b1_cart, b1 = await place(shop, {mug: 4}, token=crew.ann)
    await deliver(client, crew, b1)
    await return_units(client, crew, b1, {mug: 1}, up_to="RECEIVED")  # its order is not in the window
    await move(client, cart=b1_cart, order=b1, created=now - 20 * day)
    b2_cart, b2 = await place(shop, {tee: 1}, channel="mobile", promo="SPRING10")
    await move(client, cart=b2_cart, order=b2, created=now - 20 * day)
    b3, _ = await leave_cart(shop, {cap: 1}, channel="mobile")
    await move(client, cart=b3, created=now - 20 * day, updated=now - 3 * day)  # abandoned, created before
    x1_cart, x1 = await place(shop, {mug: 1}, utm="nosuchcampaign")  # unattributed
    await move(client, cart=x1_cart, created=now - 12 * day)  # cart before the window, its order inside
    await move(client, order=x1, created=now - 9 * day)
    e1, _ = await leave_cart(shop, {mug: 1})
    await move(client, cart=e1, created=now - 35 * day, updated=now - 35 * day)  # expired, not abandoned

    # After the window.
    a1_cart, a1 = await place(shop, {cap: 1}, promo="SPRING10")
    await move(client, cart=a1_cart, order=a1, created=now + 2 * day)
    a2, _ = await leave_cart(shop, {mug: 2}, channel="mobile")
    await move(client, cart=a2, created=now + 2 * day)

    # The newsletter campaign has ended since: its carts and orders keep it, and its row its name.
    merchandiser = await shop.token("merch@example.com", Role.MERCHANDISER)
    ended = await mutate(client, CAMPAIGN_STATUS, merchandiser, campaignId=encode_id("Campaign", news),
                         status="ENDED")
    assert ended["campaign"]["status"] == "ENDED"

    # Attribution as DESIGN.md defines it, so the grouping below means what it should.
    expected = [(w1, None), (w2, spring), (w3, news), (w4, None), (m1, welcome), (m2, news), (m3, spring),
                (m4, welcome), (b1, None), (b2, spring), (x1, None), (a1, spring)]
    names = {v: k for k, v in history.campaigns.items()}
    assert [(o["campaign"] or {}).get("name") for o, _ in expected] == [names.get(c) for _, c in expected]
    for order, campaign in expected:
        assert await attributed(client, await cart_of(client, order)) == campaign
    assert [await attributed(client, c) for c in (w6, w7, m6, m7)] == [None, spring, welcome, news]
    return history


# --- the definitions, computed from the raw rows --------------------------------------------


@dataclass
class Figures:
    carts_created: int = 0
    carts_converted: int = 0
    carts_abandoned: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0.00")
    units_sold: int = 0
    units_returned: int = 0

    def as_row(self) -> dict[str, Any]:
        """The KpiRow fields, rates and average worked out as DESIGN.md defines them."""
        def rate(part: int, whole: int) -> float:
            return part / whole if whole else 0.0

        aov = Decimal(0)
        if self.orders:
            aov = (self.revenue / self.orders).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return {"cartsCreated": self.carts_created, "cartsConverted": self.carts_converted,
                "cartsAbandoned": self.carts_abandoned,
                "conversionRate": rate(self.carts_converted, self.carts_created),
                "cartAbandonmentRate": rate(self.carts_abandoned, self.carts_created),
                "orders": self.orders, "revenue": self.revenue, "averageOrderValue": aov,
                "unitsSold": self.units_sold, "unitsReturned": self.units_returned,
                "returnRate": rate(self.units_returned, self.units_sold)}


@dataclass
class Raw:
    """Every cart, order and return as stored, read with plain SELECTs."""

    carts: list[Any]
    lines_per_cart: dict[str, int]
    orders: list[Any]
    units_per_order: dict[int, int]
    received_per_order: dict[int, int]
    channels: dict[int, str]
    campaigns: dict[int, str]


async def read_raw(client: GraphQLClient) -> Raw:
    async with client.db.read() as conn:
        carts = (await conn.execute(select(Cart.id, Cart.channel_id, Cart.attributed_campaign_id, Cart.status,
                                           Cart.created_at, Cart.updated_at))).all()
        cart_lines = (await conn.execute(select(CartLine.cart_id))).scalars().all()
        orders = (await conn.execute(select(EcommerceOrder.id, EcommerceOrder.channel_id,
                                            EcommerceOrder.campaign_id, EcommerceOrder.status,
                                            EcommerceOrder.total, EcommerceOrder.created_at))).all()
        order_lines = (await conn.execute(select(OrderLine.order_id, OrderLine.quantity))).all()
        requests = dict((await conn.execute(select(ReturnRequest.id, ReturnRequest.order_id)
                                            .where(ReturnRequest.received_at.isnot(None)))).all())
        return_lines = (await conn.execute(select(ReturnLine.return_request_id, ReturnLine.quantity))).all()
        channels = dict((await conn.execute(select(Channel.id, Channel.slug))).all())
        campaigns = dict((await conn.execute(select(Campaign.id, Campaign.name))).all())
    lines_per_cart: dict[str, int] = defaultdict(int)
    for cart_id in cart_lines:
        lines_per_cart[cart_id] += 1
    units: dict[int, int] = defaultdict(int)
    for order_id, quantity in order_lines:
        units[order_id] += quantity
    received: dict[int, int] = defaultdict(int)
    for request_id, quantity in return_lines:
        if request_id in requests:
            received[requests[request_id]] += quantity
    return Raw(list(carts), lines_per_cart, list(orders), units, received, channels, campaigns)


Key = tuple[str | None, str | None]  # (channel slug, campaign name), None where not split by it


def expected_report(raw: Raw, *, start: datetime, end: datetime, now: datetime, group_by: list[str],
                    abandon_after: timedelta) -> dict[Key, Figures]:
    def key(channel_id: int, campaign_id: int | None) -> Key:
        return (raw.channels[channel_id] if "CHANNEL" in group_by else None,
                raw.campaigns.get(campaign_id) if "CAMPAIGN" in group_by and campaign_id else None)

    groups: dict[Key, Figures] = defaultdict(Figures)
    for cart in raw.carts:
        if not start <= cart.created_at < end:
            continue
        has_lines = raw.lines_per_cart.get(cart.id, 0) > 0
        converted = cart.status == "CONVERTED"
        if not (has_lines or converted):
            continue
        figures = groups[key(cart.channel_id, cart.attributed_campaign_id)]
        figures.carts_created += 1
        figures.carts_converted += converted
        idle = now - cart.updated_at
        figures.carts_abandoned += (cart.status == "ACTIVE" and has_lines
                                    and abandon_after <= idle < EXPIRES_AFTER)
    for order in raw.orders:
        if not start <= order.created_at < end or order.status == "CANCELLED":
            continue
        figures = groups[key(order.channel_id, order.campaign_id)]
        figures.orders += 1
        figures.revenue += order.total
        figures.units_sold += raw.units_per_order[order.id]
        figures.units_returned += raw.received_per_order.get(order.id, 0)
    return dict(groups)


def total_of(groups: dict[Key, Figures]) -> Figures:
    total = Figures()
    for f in groups.values():
        total = Figures(*(getattr(total, n) + getattr(f, n) for n in Figures.__dataclass_fields__))
    return total


def figures_of(row: dict[str, Any]) -> dict[str, Any]:
    """A KpiRow as returned, money as Decimal, in the currency of the store."""
    assert row["revenue"]["currency"] == row["averageOrderValue"]["currency"] == "USD"
    return {name: Decimal(row[name]["amount"]) if name in ("revenue", "averageOrderValue") else row[name]
            for name in FIGURES}


def key_of_row(row: dict[str, Any]) -> Key:
    return ((row["channel"] or {}).get("slug"), (row["campaign"] or {}).get("name"))


def is_zero(figures: dict[str, Any]) -> bool:
    return not any(figures.values())


async def report(client: GraphQLClient, token: str, start: datetime, end: datetime,
                 group_by: list[str] | None) -> dict[str, Any]:
    data = await client.data(REPORT, {"from": start.isoformat(), "to": end.isoformat(), "groupBy": group_by},
                             token=token)
    return data["salesReport"]  # type: ignore[no-any-return]


async def assert_report_matches_the_definitions(client: GraphQLClient, token: str, start: datetime,
                                                end: datetime, group_by: list[str]) -> dict[Key, Figures]:
    raw = await read_raw(client)
    now = datetime.now(UTC)
    got = await report(client, token, start, end, group_by)
    abandon_after = timedelta(seconds=client.settings.cart_abandon_after_seconds)
    assert abandon_after == timedelta(days=1)  # the history's idle carts are placed around it
    expected = expected_report(raw, start=start, end=end, now=now, group_by=group_by,
                               abandon_after=abandon_after)
    assert datetime.fromisoformat(got["from"]) == start and datetime.fromisoformat(got["to"]) == end
    assert got["groupBy"] == group_by, (start, end)
    rows = {}
    for row in got["rows"]:
        key = key_of_row(row)
        assert key not in rows, f"two rows for {key}"
        if "CHANNEL" not in group_by:
            assert row["channel"] is None
        if "CAMPAIGN" not in group_by:
            assert row["campaign"] is None
        rows[key] = figures_of(row)
    wanted = {k: f.as_row() for k, f in expected.items() if not is_zero(f.as_row())}
    # Every group with something to show has its row, figure for figure; a group with nothing to
    # show may be left out or shown as zeros.
    assert {k: v for k, v in rows.items() if not is_zero(v)} == wanted
    if not group_by:
        assert len(got["rows"]) == 1
    assert (got["total"]["channel"], got["total"]["campaign"]) == (None, None)
    assert figures_of(got["total"]) == total_of(expected).as_row()
    if not group_by:
        assert figures_of(got["rows"][0]) == figures_of(got["total"])
    return expected


# --- the tests -------------------------------------------------------------------------------


@pytest.fixture
async def history(client: GraphQLClient) -> History:
    return await build_history(client)


async def test_every_figure_of_every_row_and_of_the_total_follows_the_kpi_definitions(
        client: GraphQLClient, history: History) -> None:
    """Ungrouped, by channel, by campaign and by both; through the report window, a wide window
    holding the whole history and a later one holding only what comes after."""
    day = timedelta(days=1)
    manager = history.crew.manager
    windows = {"window": (history.start, history.end),
               "wide": (history.now - 60 * day, history.now + 10 * day),
               "later": (history.end, history.now + 5 * day)}
    seen: dict[tuple[str, str], dict[Key, Figures]] = {}
    for grouping, group_by in GROUPINGS.items():
        for window, (start, end) in windows.items():
            seen[grouping, window] = await assert_report_matches_the_definitions(client, manager, start, end,
                                                                                 group_by)

    # Not vacuous: the history holds what each definition is about.
    total, wide, later = (total_of(seen["ungrouped", w]) for w in windows)
    assert total.carts_abandoned == 4 and total.units_returned == 4 and total.orders == 7
    assert 0 < total.carts_converted < total.carts_created
    assert wide.orders > total.orders and wide.carts_created > total.carts_created
    assert wide.units_returned > total.units_returned and wide.carts_abandoned > total.carts_abandoned
    assert later.orders == 1 and later.carts_created == 2
    raw = await read_raw(client)
    in_window = [o for o in raw.orders if history.start <= o.created_at < history.end]
    assert sum(o.status == "CANCELLED" for o in in_window) == 2
    assert total.orders == len(in_window) - 2
    assert any(history.start <= c.created_at < history.end and not raw.lines_per_cart.get(c.id)
               and c.status == "ACTIVE" for c in raw.carts)  # empty carts exist and are not counted
    async with client.db.read() as conn:
        not_received = await conn.scalar(select(func.count()).select_from(ReturnRequest)
                                          .where(ReturnRequest.received_at.is_(None)))
    assert not_received == 2

    def shown(grouping: str) -> set[Key]:
        return {k for k, f in seen[grouping, "window"].items() if not is_zero(f.as_row())}

    assert {k[0] for k in shown("by-channel")} == {"web", "mobile"}
    assert {k[1] for k in shown("by-campaign")} == {None, "Spring Sale", "Newsletter", "Mobile Welcome"}
    assert shown("by-channel-and-campaign") == {
        ("web", None), ("web", "Spring Sale"), ("web", "Newsletter"),
        ("mobile", "Mobile Welcome"), ("mobile", "Newsletter"), ("mobile", "Spring Sale")}


async def test_figures_worked_out_by_hand_for_the_window(client: GraphQLClient, history: History) -> None:
    """The window by channel against figures counted by hand from the history rather than from the
    stored rows: shipping in, discounts out, a refund not deducted, cancelled orders left out."""
    got = await report(client, history.crew.manager, history.start, history.end, ["CHANNEL"])
    by_channel = {row["channel"]["slug"]: figures_of(row) for row in got["rows"]}
    # web: w1 w2 w3 w4 converted; the active cart, w6 w7 abandoned, w10 revived; w8 and the
    # emptied cart not counted; x1's cart was created before the window.
    # web orders: w1 (2 mugs + tee = 45.00 + 5.00 shipping), w2 (3 caps 23.97 - 10% = 21.57 + 5.00),
    # w3 (mug + cap = 20.49 + 5.00: NEWS named by utm only attributes), x1 (mug 12.50 + 5.00);
    # w4 cancelled. Returned and received: 1 mug of w1, 1 cap of w2.
    assert by_channel["web"] == {
        "cartsCreated": 8, "cartsConverted": 4, "cartsAbandoned": 2, "conversionRate": 0.5,
        "cartAbandonmentRate": 0.25, "orders": 4, "revenue": Decimal("119.56"),
        "averageOrderValue": Decimal("29.89"), "unitsSold": 9, "unitsReturned": 2, "returnRate": 2 / 9}
    # mobile: m1 m2 m3 m4 converted; the active cart, m6 m7 abandoned; the empty one.
    # m1 (3 mugs + cap = 45.49 - 15% = 38.67 + 5.00), m2 (2 caps 15.98 - 15% automatic = 13.58
    # + 5.00), m3 (tee 20.00 - 10% = 18.00 + 5.00); m4 cancelled. Received: 2 mugs of m1.
    # Average: 85.25 / 3 = 28.4166... -> 28.42.
    assert by_channel["mobile"] == {
        "cartsCreated": 7, "cartsConverted": 4, "cartsAbandoned": 2, "conversionRate": 4 / 7,
        "cartAbandonmentRate": 2 / 7, "orders": 3, "revenue": Decimal("85.25"),
        "averageOrderValue": Decimal("28.42"), "unitsSold": 7, "unitsReturned": 2, "returnRate": 2 / 7}


async def test_the_period_includes_its_start_and_excludes_its_end(client: GraphQLClient) -> None:
    shop = await build_shop(client)
    manager = await shop.token("manager@example.com", Role.MANAGER)
    start = datetime.now(UTC).replace(microsecond=123456) - timedelta(days=5)
    end = start + timedelta(days=2)
    placed = {when: await place(shop, {"TEE-0": n}) for n, when in enumerate(
        (start - timedelta(microseconds=1), start, end - timedelta(microseconds=1), end), start=1)}
    for when, (cart, order) in placed.items():
        await move(client, cart=cart, order=order, created=when)
    got = await report(client, manager, start, end, [])
    # The orders of 2 and 3 tees, with their carts: from `start` up to just before `end`.
    assert figures_of(got["total"]) | {"revenue": None, "averageOrderValue": None} == {
        "cartsCreated": 2, "cartsConverted": 2, "cartsAbandoned": 0, "conversionRate": 1.0,
        "cartAbandonmentRate": 0.0, "orders": 2, "revenue": None, "averageOrderValue": None,
        "unitsSold": 5, "unitsReturned": 0, "returnRate": 0.0}
    assert Decimal(got["total"]["revenue"]["amount"]) == Decimal("110.00")  # 40 + 5 and 60 + 5


async def test_a_period_given_in_another_time_zone_means_the_same_instants(client: GraphQLClient,
                                                                          history: History) -> None:
    berlin_summer = timezone(timedelta(hours=2))
    in_utc = await report(client, history.crew.manager, history.start, history.end, ["CHANNEL", "CAMPAIGN"])
    elsewhere = await report(client, history.crew.manager, history.start.astimezone(berlin_summer),
                             history.end.astimezone(berlin_summer), ["CHANNEL", "CAMPAIGN"])
    assert elsewhere == in_utc
    assert datetime.fromisoformat(elsewhere["from"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize("role", [Role.MERCHANDISER, Role.MANAGER, Role.ADMIN])
async def test_merchandisers_managers_and_admins_read_the_report(client: GraphQLClient, role: Role) -> None:
    viewer = await factory.make_user(client.db, f"{role.lower()}@example.com", role)
    now = datetime.now(UTC)
    got = await report(client, client.token_for(viewer), now - timedelta(days=1), now, None)
    assert got["groupBy"] == []
    assert [figures_of(row) for row in got["rows"]] == [figures_of(got["total"])] == [Figures().as_row()]


@pytest.mark.parametrize(("role", "code"), [
    (Role.SUPPORT, "PERMISSION_DENIED"), (Role.FULFILLMENT, "PERMISSION_DENIED"),
    (Role.CUSTOMER, "PERMISSION_DENIED"), (None, "UNAUTHENTICATED")])
async def test_other_roles_and_anonymous_callers_get_a_top_level_error_and_no_figures(
        client: GraphQLClient, role: Role | None, code: str) -> None:
    token = None
    if role is not None:
        token = client.token_for(await factory.make_user(client.db, f"{role.lower()}@example.com", role))
    now = datetime.now(UTC)
    body = await client.gql(REPORT, {"from": (now - timedelta(days=1)).isoformat(), "to": now.isoformat()},
                            token=token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert body["errors"][0]["path"] == ["salesReport"]


@pytest.mark.parametrize("length", [timedelta(0), timedelta(days=-1), timedelta(microseconds=-1)],
                         ids=["empty", "backwards", "just-backwards"])
async def test_a_period_that_does_not_end_after_it_starts_is_invalid_with_a_readable_message(
        client: GraphQLClient, length: timedelta) -> None:
    viewer = await factory.make_user(client.db, "manager@example.com", Role.MANAGER)
    start = datetime.now(UTC)
    body = await client.gql(REPORT, {"from": start.isoformat(), "to": (start + length).isoformat()},
                            token=client.token_for(viewer))
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert "'to' must be after 'from'" in error["message"]


async def test_an_empty_period_gives_zeros_and_no_division_by_zero(client: GraphQLClient,
                                                                   history: History) -> None:
    far = history.now - timedelta(days=400)
    for group_by in GROUPINGS.values():
        got = await report(client, history.crew.manager, far, far + timedelta(days=1), group_by)
        assert figures_of(got["total"]) == Figures().as_row()
        assert all(is_zero(figures_of(row)) for row in got["rows"])
        if not group_by:
            assert len(got["rows"]) == 1


async def test_dimensions_in_either_order_give_the_same_report(client: GraphQLClient,
                                                               history: History) -> None:
    one = await report(client, history.crew.manager, history.start, history.end, ["CHANNEL", "CAMPAIGN"])
    other = await report(client, history.crew.manager, history.start, history.end, ["CAMPAIGN", "CHANNEL"])
    assert sorted(map(str, one["rows"])) == sorted(map(str, other["rows"]))
    assert one["total"] == other["total"]


async def test_the_report_takes_the_same_few_statements_however_long_the_history(
        client: GraphQLClient) -> None:
    shop = await build_shop(client)
    crew = await crew_of(shop)
    await factory.make_campaign(client.db, "Spring Sale", percent="10", code="SPRING10")
    now = datetime.now(UTC)
    start, end = now - timedelta(days=1), now + timedelta(days=1)

    async def statements() -> int:
        # Signed-in requests read the user's roles once per COMMERCE_USER_CACHE_SECONDS: not counted.
        await report(client, crew.manager, start, end, None)
        async with client.count_statements() as counter:
            got = await report(client, crew.manager, start, end, ["CHANNEL", "CAMPAIGN"])
        assert got["rows"]
        return counter.count

    await place(shop, {"TEE-0": 1})
    await place(shop, {"TEE-0": 1}, channel="mobile", promo="SPRING10")
    short = await statements()
    for channel, promo in (("web", None), ("web", "SPRING10"), ("mobile", "SPRING10"), ("mobile", None)):
        await place(shop, {"TEE-0": 1}, channel=channel, promo=promo)
        await leave_cart(shop, {"BOOTS-0": 1}, channel=channel, utm="spring10")
    await factory.make_campaign(client.db, "Autumn", percent="5", channels=["mobile"])
    await place(shop, {"TEE-0": 1}, channel="mobile")
    long = await statements()
    got = await report(client, crew.manager, start, end, ["CHANNEL", "CAMPAIGN"])
    # web and mobile each unattributed and Spring Sale, and mobile Autumn
    assert len(got["rows"]) == 5
    assert long == short
    assert short <= 4  # carts, orders, then one batch of channels and one of campaigns


# --- time series: interval DAY, WEEK, MONTH --------------------------------------------------

SERIES = f"""
query($from: DateTime!, $to: DateTime!, $groupBy: [ReportDimension!], $interval: ReportInterval) {{
  salesReport(from: $from, to: $to, groupBy: $groupBy, interval: $interval) {{
    from to groupBy interval asOf
    rows {{ periodStart {KPI_FIELDS} }}
    total {{ periodStart {KPI_FIELDS} }}
  }}
}}
"""
COUNTS = ("cartsCreated", "cartsConverted", "cartsAbandoned", "orders", "unitsSold", "unitsReturned")
MICROSECOND = timedelta(microseconds=1)


async def series(client: GraphQLClient, token: str, start: datetime, end: datetime, group_by: list[str] | None,
                 interval: str | None) -> dict[str, Any]:
    data = await client.data(SERIES, {"from": start.isoformat(), "to": end.isoformat(), "groupBy": group_by,
                                      "interval": interval}, token=token)
    return data["salesReport"]  # type: ignore[no-any-return]


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def sum_of(rows: list[dict[str, Any]]) -> Figures:
    """The counts and revenue of `rows` added up (rates and average are then worked out anew)."""
    total = Figures()
    for row in rows:
        figures = figures_of(row)
        total.carts_created += figures["cartsCreated"]
        total.carts_converted += figures["cartsConverted"]
        total.carts_abandoned += figures["cartsAbandoned"]
        total.orders += figures["orders"]
        total.revenue += figures["revenue"]
        total.units_sold += figures["unitsSold"]
        total.units_returned += figures["unitsReturned"]
    return total


@dataclass
class CartFact:
    created: datetime
    channel: str
    counted: bool  # has lines, or converted
    converted: bool
    abandoned: bool


@dataclass
class OrderFact:
    created: datetime
    channel: str
    cancelled: bool
    total: Decimal
    units: int
    returned: int = 0


@dataclass
class Timeline:
    """Carts and orders placed at chosen instants around [FROM, TO), as the test made them."""

    manager: str
    carts: list[CartFact] = field(default_factory=list)
    orders: list[OrderFact] = field(default_factory=list)


# A Saturday afternoon to a Monday morning: 17 days, four ISO weeks and two months, all partly outside.
FROM = datetime(2025, 1, 25, 15, 30, tzinfo=UTC)
TO = datetime(2025, 2, 10, 9, 0, tzinfo=UTC)
PERIODS = {
    "DAY": [datetime(2025, 1, 25, tzinfo=UTC) + n * timedelta(days=1) for n in range(17)],
    "WEEK": [datetime(2025, 1, 20, tzinfo=UTC), datetime(2025, 1, 27, tzinfo=UTC),
             datetime(2025, 2, 3, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC)],
    "MONTH": [datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)],
}


def at(day: int, month: int = 1, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def start_of(when: datetime, interval: str) -> datetime:
    """The UTC day, Monday-started week or month holding `when`, worked out from the calendar."""
    day = datetime(when.year, when.month, when.day, tzinfo=UTC)
    if interval == "WEEK":
        return day - timedelta(days=day.isoweekday() - 1)
    if interval == "MONTH":
        return datetime(when.year, when.month, 1, tzinfo=UTC)
    return day


async def build_timeline(client: GraphQLClient) -> Timeline:
    shop = await build_shop(client)
    crew = await crew_of(shop)
    mug = await add_product(shop, "Mug", "12.50", 500)
    cap = await add_product(shop, "Cap", "7.99", 500)
    timeline = Timeline(crew.manager)
    # (cart created, order created, channel, lines, placed by Ann, what happens afterwards)
    placed: list[tuple[datetime, datetime, str, dict[str, int], bool, str | None]] = [
        (FROM - MICROSECOND, FROM - MICROSECOND, "web", {mug: 1}, False, None),  # before the range
        (FROM, FROM, "web", {mug: 1}, False, None),  # its first instant
        (at(26, hour=23, minute=59) + timedelta(seconds=59, microseconds=999_999),  # Sunday's last instant
         at(26, hour=23, minute=59) + timedelta(seconds=59, microseconds=999_999), "mobile", {mug: 2, cap: 1},
         True, "return a mug"),
        (at(27), at(27), "web", {cap: 3}, False, None),  # Monday 00:00: a new day and week
        (at(1, month=2) - MICROSECOND, at(1, month=2), "mobile", {mug: 1}, False, None),  # cart Jan, order Feb
        (at(1, month=2, hour=10), at(1, month=2, hour=10, minute=5), "web", {mug: 1, cap: 1}, True, "cancel"),
        (at(2, month=2, hour=12), at(2, month=2, hour=12), "web", {cap: 2}, True, "return a cap"),
        (at(3, month=2), at(5, month=2, hour=14), "mobile", {mug: 3}, False, None),  # cart and order apart
        (TO - MICROSECOND, TO - MICROSECOND, "web", {cap: 2}, False, None),  # the range's last instant
        (TO, TO, "mobile", {mug: 1}, False, None),  # after the range
    ]
    for cart_at, order_at, channel, lines, by_ann, then in placed:
        cart, order = await place(shop, lines, channel=channel, token=crew.ann if by_ann else None)
        returned = 0
        if then == "cancel":
            await cancel(client, crew.ann, order)
        elif then is not None:
            await deliver(client, crew, order)
            sku = mug if then == "return a mug" else cap
            await return_units(client, crew, order, {sku: 1}, up_to="RECEIVED")
            returned = 1
        await move(client, cart=cart, created=cart_at)
        await move(client, order=order, created=order_at)
        timeline.carts.append(CartFact(cart_at, channel, counted=True, converted=True, abandoned=False))
        timeline.orders.append(OrderFact(order_at, channel, cancelled=then == "cancel",
                                         total=Decimal(order["total"]["amount"]), units=sum(lines.values()),
                                         returned=returned))
    idle = datetime.now(UTC) - timedelta(days=2)  # abandoned now: idle for over a day, under 30
    left = [(at(28, hour=9), "web", {cap: 1}, idle), (at(1, month=2), "mobile", {mug: 2}, idle),
            (at(5, month=2, hour=8), "web", {mug: 1}, None), (at(29, hour=18), "mobile", None, idle),
            (TO, "web", {cap: 1}, idle)]
    for created, channel, cart_lines, updated in left:
        cart, _ = await leave_cart(shop, cart_lines, channel=channel)
        await move(client, cart=cart, created=created, updated=updated)
        timeline.carts.append(CartFact(created, channel, counted=cart_lines is not None, converted=False,
                                       abandoned=cart_lines is not None and updated is not None))
    return timeline


def expected_series(timeline: Timeline, interval: str, by_channel: bool) -> dict[tuple[datetime, str | None], Figures]:
    """Figures per (period start, channel slug or None), from the facts the test created."""
    groups: dict[tuple[datetime, str | None], Figures] = defaultdict(Figures)
    for cart in timeline.carts:
        if FROM <= cart.created < TO and cart.counted:
            figures = groups[start_of(cart.created, interval), cart.channel if by_channel else None]
            figures.carts_created += 1
            figures.carts_converted += cart.converted
            figures.carts_abandoned += cart.abandoned
    for order in timeline.orders:
        if FROM <= order.created < TO and not order.cancelled:
            figures = groups[start_of(order.created, interval), order.channel if by_channel else None]
            figures.orders += 1
            figures.revenue += order.total
            figures.units_sold += order.units
            figures.units_returned += order.returned
    return groups


@pytest.fixture
async def timeline(client: GraphQLClient) -> Timeline:
    return await build_timeline(client)


async def assert_series_matches_the_facts(client: GraphQLClient, timeline: Timeline, interval: str,
                                         group_by: list[str]) -> dict[str, Any]:
    before = datetime.now(UTC)
    got = await series(client, timeline.manager, FROM, TO, group_by, interval)
    after = datetime.now(UTC)
    assert (got["interval"], got["groupBy"]) == (interval, group_by)
    assert before <= datetime.fromisoformat(got["asOf"]) <= after
    expected = expected_series(timeline, interval, by_channel=bool(group_by))
    channels: list[str | None] = ["web", "mobile"] if group_by else [None]  # rows follow channel ids
    assert [(moment(row["periodStart"]), key_of_row(row)) for row in got["rows"]] == [
        (period, (channel, None)) for period in PERIODS[interval] for channel in channels], (interval, group_by)
    for row in got["rows"]:
        key = (datetime.fromisoformat(row["periodStart"]), row["channel"]["slug"] if group_by else None)
        assert datetime.fromisoformat(row["periodStart"]).utcoffset() == timedelta(0)
        assert figures_of(row) == expected.get(key, Figures()).as_row(), (interval, key)
    assert set(expected) <= {(p, c) for p in PERIODS[interval] for c in channels}  # nothing left out
    assert got["total"]["periodStart"] is None
    assert figures_of(got["total"]) == total_of(dict(expected)).as_row()
    # The same instants written in other time zones give the same report.
    elsewhere = await series(client, timeline.manager, FROM.astimezone(timezone(timedelta(hours=-5))),
                             TO.astimezone(timezone(timedelta(hours=2))), group_by, interval)
    assert elsewhere["rows"] == got["rows"] and elsewhere["total"] == got["total"]
    return got


async def test_every_figure_of_every_day_week_and_month_follows_the_facts_placed_around_their_bounds(
        client: GraphQLClient, timeline: Timeline) -> None:
    """DAY, WEEK and MONTH, ungrouped and by channel: a row for every period [FROM, TO) touches
    (by channel, for web and for mobile in each), oldest first, each figure as the facts the test
    placed say; what falls at 00:00 UTC opens a new period, weeks start on Monday, and the periods
    at either end count only what falls inside the range."""
    got = {(interval, bool(group_by)): await assert_series_matches_the_facts(client, timeline, interval, group_by)
           for interval in PERIODS for group_by in ([], ["CHANNEL"])}

    # Counted by hand from build_timeline, not vacuous: the cart made in January's last instant is
    # January's and its order (at February's first) February's; Sunday 23:59:59.999999 is still
    # the old week, Monday 00:00 the new one.
    def column(interval: str, *names: str) -> list[tuple[int, ...]]:
        return [tuple(row[n] for n in names) for row in got[interval, False]["rows"]]

    assert column("MONTH", "cartsCreated", "orders") == [(5, 3), (6, 4)]
    assert column("WEEK", "cartsCreated", "orders") == [(2, 2), (6, 3), (2, 1), (1, 1)]
    assert column("WEEK", "cartsAbandoned", "unitsReturned") == [(0, 1), (2, 1), (0, 0), (0, 0)]
    days = dict(zip(PERIODS["DAY"], column("DAY", "cartsCreated", "orders"), strict=True))
    assert days[at(26)] == days[at(27)] == (1, 1) and days[at(31)] == (1, 0) and days[at(1, month=2)] == (2, 1)
    assert days[at(10, month=2)] == (1, 1) and sum(o for _, o in days.values()) == 7


async def test_daily_weekly_and_monthly_rows_add_up_to_the_total_row(client: GraphQLClient,
                                                                     history: History) -> None:
    """For every interval and grouping, over the history's window and a wide one: the rows' counts
    and revenue add up to the total row, whose rates and average are those of the sums, and the
    total is the same as without an interval."""
    day = timedelta(days=1)
    manager = history.crew.manager
    windows = ((history.start, history.end), (history.now - 60 * day, history.now + 10 * day))
    for interval in PERIODS:
        for group_by in GROUPINGS.values():
            for start, end in windows:
                got = await series(client, manager, start, end, group_by, interval)
                assert figures_of(got["total"]) == sum_of(got["rows"]).as_row(), (interval, group_by)
                assert sum(figures_of(row)["orders"] for row in got["rows"]) > 0
                plain = await series(client, manager, start, end, group_by, None)
                assert figures_of(got["total"]) == figures_of(plain["total"])
                starts = [datetime.fromisoformat(row["periodStart"]) for row in got["rows"]]
                assert starts == sorted(starts)
                assert starts[0] == start_of(start, interval) and starts[-1] == start_of(end - MICROSECOND, interval)


async def test_without_an_interval_rows_have_no_period_and_the_report_says_when_it_was_read(
        client: GraphQLClient, history: History) -> None:
    before = datetime.now(UTC)
    got = await series(client, history.crew.manager, history.start, history.end, ["CHANNEL"], None)
    assert got["interval"] is None
    assert {row["periodStart"] for row in got["rows"]} == {None} and got["total"]["periodStart"] is None
    as_of = datetime.fromisoformat(got["asOf"])
    assert before <= as_of <= datetime.now(UTC) and as_of.utcoffset() == timedelta(0)
    # Everything committed before asOf is counted: the latest order of the history included.
    raw = await read_raw(client)
    latest = max((o for o in raw.orders if o.status != "CANCELLED" and o.created_at < history.end),
                 key=lambda o: o.created_at)
    assert latest.created_at < as_of
    plain = await report(client, history.crew.manager, history.start, history.end, ["CHANNEL"])
    assert [figures_of(r) for r in got["rows"]] == [figures_of(r) for r in plain["rows"]]


async def test_an_empty_range_has_a_zero_row_for_each_period_and_none_when_grouped(client: GraphQLClient) -> None:
    viewer = await factory.make_user(client.db, "manager@example.com", Role.MANAGER)
    token = client.token_for(viewer)
    start = datetime(2030, 12, 30, 12, tzinfo=UTC)  # a Monday
    got = await series(client, token, start, start + timedelta(days=8), None, "WEEK")
    assert [r["periodStart"] for r in got["rows"]] == ["2030-12-30T00:00:00+00:00", "2031-01-06T00:00:00+00:00"]
    assert all(is_zero(figures_of(r)) for r in got["rows"]) and is_zero(figures_of(got["total"]))
    got = await series(client, token, start, start + timedelta(days=8), ["CHANNEL"], "MONTH")
    assert got["rows"] == [] and is_zero(figures_of(got["total"]))


@pytest.mark.parametrize(("interval", "length", "allowed"), [
    ("DAY", timedelta(days=400), True), ("DAY", timedelta(days=400, microseconds=1), False),
    ("WEEK", timedelta(weeks=400), True), ("WEEK", timedelta(weeks=400, microseconds=1), False),
    ("MONTH", timedelta(days=20 * 366), True)], ids=["400-days", "401-days", "400-weeks", "401-weeks", "20-years"])
async def test_a_report_holds_at_most_400_periods(client: GraphQLClient, interval: str, length: timedelta,
                                                  allowed: bool) -> None:
    viewer = await factory.make_user(client.db, "manager@example.com", Role.MANAGER)
    start = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
    variables = {"from": start.isoformat(), "to": (start + length).isoformat(), "interval": interval}
    body = await client.gql(SERIES, variables, token=client.token_for(viewer))
    if allowed:
        assert not body.get("errors")
        assert len(body["data"]["salesReport"]["rows"]) <= 400
        return
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert error["message"] == ("A report holds at most 400 periods: shorten the range or choose a longer "
                                "interval.")
