"""checkoutComplete: the happy path, every refusal, idempotency, and the order read side."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from app.domain.campaigns import DiscountType
from app.domain.states import CampaignStatus
from app.ids import encode_id
from app.policy.permissions import Role
from app.services import campaigns
from models import Allocation, AuditEvent, Campaign, Cart, EcommerceOrder, OutboxEvent, Payment, Stock
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import CART_DELIVERY, CART_QUERY, ORDER_QUERY, Shop, build_shop


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


async def count(client: GraphQLClient, model: type) -> int:
    async with client.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def allocated(client: GraphQLClient) -> int:
    async with client.db.read() as conn:
        return int(await conn.scalar(select(func.sum(Stock.allocated))) or 0)


async def test_checkout_turns_the_cart_into_a_confirmed_order(client: GraphQLClient, shop: Shop) -> None:
    customer = await shop.token("ann@example.com", Role.CUSTOMER)
    cart_id = await shop.ready_cart({"TEE-0": 2, "BOOTS-0": 1}, token=customer)
    result = await shop.checkout(cart_id, key="first", token=customer)
    assert result["userErrors"] == []
    order = result["order"]
    assert order["number"] == "CG-000001"
    assert (order["status"], order["paymentStatus"]) == ("CONFIRMED", "AUTHORIZED")
    assert [(li["sku"], li["quantity"], li["total"]["amount"]) for li in order["lines"]] == [
        ("TEE-0", 2, "40.00"), ("BOOTS-0", 1, "100.00")]
    assert (order["subtotal"]["amount"], order["shipping"]["amount"], order["total"]["amount"]) == (
        "140.00", "5.00", "145.00")
    assert order["shippingAddress"] == {"name": "Ann Shopper", "city": "Springfield", "country": "US"}
    assert order["availableTransitions"] == ["CANCELLED"]  # its customer, before fulfillment
    assert await allocated(client) == 3
    cart = (await client.data(CART_QUERY, {"id": cart_id}, token=customer))["cart"]
    assert cart["status"] == "CONVERTED"
    async with client.db.read() as conn:
        actions = (await conn.execute(select(AuditEvent.action).order_by(AuditEvent.sequence))).scalars().all()
        topics = (await conn.execute(select(OutboxEvent.topic))).scalars().all()
        payment = (await conn.execute(select(Payment.status, Payment.amount))).one()
    assert actions[-4:] == ["order.place", "payment.authorize", "order.confirm", "cart.convert"]
    assert sorted(topics) == ["order.created", "order.status_changed"]
    assert payment == ("AUTHORIZED", Decimal("145.00"))


async def test_declined_payment_leaves_no_order_no_allocation_and_an_active_cart(client: GraphQLClient,
                                                                                 shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1})
    result = await shop.checkout(cart_id, key="declined", card="tok_decline")
    assert result["order"] is None
    assert result["userErrors"][0]["code"] == "PAYMENT_DECLINED"
    assert (await count(client, EcommerceOrder), await allocated(client), await count(client, Payment)) == (0, 0, 0)
    assert (await client.data(CART_QUERY, {"id": cart_id}))["cart"]["status"] == "ACTIVE"
    retry = await shop.checkout(cart_id, key="second-try")
    assert retry["order"]["status"] == "CONFIRMED"


async def test_out_of_stock_at_checkout_names_the_line(client: GraphQLClient, shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1, "BOOTS-0": 4})  # 3 boots in stock: accepted into the cart
    problems = (await client.data(CART_QUERY, {"id": cart_id}))["cart"]["problems"]
    assert problems == [{"code": "OUT_OF_STOCK", "message": "Only 3 left of Boots / Variant 0.", "field": ["lines", "1"]}]
    result = await shop.checkout(cart_id, key="too-many")
    assert [(e["code"], e["field"]) for e in result["userErrors"]] == [("OUT_OF_STOCK", ["input", "lines", "1"])]
    assert (await count(client, EcommerceOrder), await allocated(client)) == (0, 0)


async def test_missing_data_is_refused_field_by_field(client: GraphQLClient, shop: Shop) -> None:
    created = await shop.create_cart({"TEE-0": 1})
    result = await shop.checkout(created["cart"]["id"], key="incomplete")
    assert [(e["code"], e["field"]) for e in result["userErrors"]] == [
        ("REQUIRED", ["input", "email"]), ("REQUIRED", ["input", "shippingAddress"]),
        ("REQUIRED", ["input", "deliveryMethodId"])]
    empty = await shop.create_cart({}, email="a@example.com")
    result = await shop.checkout(empty["cart"]["id"], key="empty")
    assert ("REQUIRED", ["input", "lines"]) in [(e["code"], e["field"]) for e in result["userErrors"]]


async def test_a_promo_that_stopped_applying_is_refused_at_checkout(client: GraphQLClient, shop: Shop) -> None:
    campaign_id = await factory.make_campaign(client.db, "Ten off", code="TEN")
    cart_id = await shop.ready_cart({"TEE-0": 1}, promoCode="TEN")
    async with factory.uow(client.db) as work:
        await campaigns.update_campaign_status(uow=work, campaign_id=campaign_id, status=CampaignStatus.PAUSED)
    result = await shop.checkout(cart_id, key="paused-promo")
    assert [e["code"] for e in result["userErrors"]] == ["PROMO_NOT_APPLICABLE"]
    assert await count(client, EcommerceOrder) == 0


async def test_a_converted_cart_cannot_be_checked_out_again(client: GraphQLClient, shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1})
    await shop.checkout(cart_id, key="once")
    again = await shop.checkout(cart_id, key="twice")
    assert again["userErrors"][0]["code"] == "CART_NOT_ACTIVE"
    assert await count(client, EcommerceOrder) == 1


async def test_unknown_gateway_and_malformed_cart_id_are_invalid(client: GraphQLClient, shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1})
    body = await client.data(
        "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { userErrors { code field } } }",
        {"i": {"cartId": cart_id, "idempotencyKey": "k", "payment": {"gateway": "paypal", "token": "x"}}})
    assert body["checkoutComplete"]["userErrors"] == [{"code": "INVALID", "field": ["input", "payment", "gateway"]}]
    result = await shop.checkout(encode_id("Product", 1), key="k2")
    assert result["userErrors"][0] == {"code": "INVALID", "message": "That is not a valid Cart id.",
                                       "field": ["input", "cartId"]}


async def test_same_key_replays_the_order_and_other_input_is_refused(client: GraphQLClient, shop: Shop) -> None:
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    cart_id = await shop.ready_cart({"TEE-0": 1}, token=ann)
    first = await shop.checkout(cart_id, key="same", token=ann)
    again = await shop.checkout(cart_id, key="same", token=ann)
    assert again == first
    other_cart = await shop.ready_cart({"TEE-0": 1}, token=ann)
    reused = await shop.checkout(other_cart, key="same", token=ann)
    assert reused["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (await count(client, EcommerceOrder), await allocated(client)) == (1, 1)


async def test_guest_keys_are_scoped_by_their_cart(client: GraphQLClient, shop: Shop) -> None:
    first = await shop.checkout(await shop.ready_cart({"TEE-0": 1}), key="guest-key")
    second = await shop.checkout(await shop.ready_cart({"TEE-0": 1}), key="guest-key")
    assert first["order"]["id"] != second["order"]["id"]


async def test_campaign_discount_is_snapshotted_and_usage_counted(client: GraphQLClient, shop: Shop) -> None:
    async with factory.uow(client.db) as work:
        campaign = await campaigns.create_campaign(
            uow=work, name="Big basket", code=None, discount_type=DiscountType.FIXED_AMOUNT,
            discount_value=Decimal(15), starts_at=None, ends_at=None, min_subtotal=Decimal(100),
            usage_limit=None, channels=None, product_ids=None)
    async with factory.uow(client.db) as work:
        await campaigns.update_campaign_status(uow=work, campaign_id=campaign.id, status=CampaignStatus.ACTIVE)
    order = await shop.order({"BOOTS-0": 1}, key="discounted")
    assert (order["discount"]["amount"], order["total"]["amount"]) == ("15.00", "90.00")
    assert order["campaign"] == {"name": "Big basket"}
    async with client.db.read() as conn:
        assert await conn.scalar(select(Campaign.times_used).where(Campaign.id == campaign.id)) == 1


async def test_customers_read_only_their_own_orders(client: GraphQLClient, shop: Shop) -> None:
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    bob = await shop.token("bob@example.com", Role.CUSTOMER)
    support = await shop.token("support@example.com", Role.SUPPORT)
    order = await shop.order({"TEE-0": 1}, key="ann-order", token=ann)
    assert (await client.data(ORDER_QUERY, {"id": order["id"]}, token=ann))["order"]["id"] == order["id"]
    assert (await client.data(ORDER_QUERY, {"id": order["id"]}, token=bob))["order"] is None
    assert (await client.data(ORDER_QUERY, {"id": order["id"]}))["order"] is None
    assert (await client.data(ORDER_QUERY, {"id": order["id"]}, token=support))["order"]["id"] == order["id"]
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await client.data(node, {"id": order["id"]}, token=bob))["node"] is None
    assert (await client.data(node, {"id": order["id"]}, token=ann))["node"] == {"id": order["id"]}
    mine = "{ me { customer { orders(first: 10) { totalCount edges { node { number } } } } } }"
    assert (await client.data(mine, token=ann))["me"]["customer"]["orders"]["totalCount"] == 1
    assert (await client.data(mine, token=bob))["me"]["customer"]["orders"]["totalCount"] == 0


async def test_nobody_checks_out_another_customers_cart(client: GraphQLClient, shop: Shop) -> None:
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    bob = await shop.token("bob@example.com", Role.CUSTOMER)
    cart_id = await shop.ready_cart({"TEE-0": 1}, token=ann)
    for attempt, token in enumerate((bob, None)):
        result = await shop.checkout(cart_id, key=f"steal-{attempt}", token=token)
        assert result["userErrors"][0]["code"] == "PERMISSION_DENIED"
        assert (await client.data(CART_QUERY, {"id": cart_id}, token=token))["cart"] is None
        changed = await client.data(CART_DELIVERY, {"input": {"cartId": cart_id, "email": "x@example.com"}},
                                    token=token)
        assert changed["cartDeliveryUpdate"]["userErrors"][0]["code"] == "PERMISSION_DENIED"
    assert await count(client, EcommerceOrder) == 0


ORDERS = """
query($filter: OrderFilter, $first: Int, $after: String) {
  orders(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { number status channel { slug } } }
  }
}
"""


@pytest.mark.parametrize(("role", "allowed"), [(Role.SUPPORT, True), (Role.FULFILLMENT, True),
                                               (Role.MANAGER, True), (Role.ADMIN, True),
                                               (Role.MERCHANDISER, False), (Role.CUSTOMER, False)])
async def test_order_list_is_for_order_staff(client: GraphQLClient, shop: Shop, role: Role,
                                             allowed: bool) -> None:
    await shop.order({"TEE-0": 1}, key="one")
    body = await client.gql(ORDERS, {"first": 10}, token=await shop.token(f"{role.lower()}@example.com", role))
    if allowed:
        assert body["data"]["orders"]["totalCount"] == 1
    else:
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_order_list_filters_and_pages_newest_first(client: GraphQLClient, shop: Shop) -> None:
    for i in range(3):
        await shop.order({"TEE-0": 1}, key=f"o{i}")
    staff = await shop.token("support@example.com", Role.SUPPORT)
    first = (await client.data(ORDERS, {"first": 2}, token=staff))["orders"]
    assert [e["node"]["number"] for e in first["edges"]] == ["CG-000003", "CG-000002"]
    rest = (await client.data(ORDERS, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=staff))
    assert [e["node"]["number"] for e in rest["orders"]["edges"]] == ["CG-000001"]
    for flt, expected in (({"status": ["CONFIRMED"]}, 3), ({"status": ["CANCELLED"]}, 0), ({"channel": "web"}, 3),
                          ({"channel": "mobile"}, 0), ({"channel": "nowhere"}, 0),
                          ({"createdBefore": "2000-01-01T00:00:00+00:00"}, 0)):
        assert (await client.data(ORDERS, {"filter": flt}, token=staff))["orders"]["totalCount"] == expected


AUDIT = """
query($subject: ID, $first: Int) { auditEvents(subjectId: $subject, first: $first) {
  totalCount edges { node { sequence action subjectType subjectId fromStatus toStatus actor hash prevHash } } } }
"""


async def test_audit_trail_of_an_order_and_who_may_read_it(client: GraphQLClient, shop: Shop) -> None:
    order = await shop.order({"TEE-0": 1}, key="audited")
    support = await shop.token("support@example.com", Role.SUPPORT)
    trail = (await client.data(AUDIT, {"subject": order["id"]}, token=support))["auditEvents"]
    assert [(e["node"]["action"], e["node"]["fromStatus"], e["node"]["toStatus"]) for e in trail["edges"]] == [
        ("order.place", None, "PLACED"), ("order.confirm", "PLACED", "CONFIRMED")]
    assert trail["edges"][0]["node"]["subjectId"] == order["id"]
    merchandiser = await shop.token("m@example.com", Role.MERCHANDISER)
    denied = await client.gql(AUDIT, {}, token=merchandiser)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


VERIFY = "{ auditVerify { ok eventsChecked firstBrokenSequence } }"


async def test_audit_verify_is_for_admins_and_passes_on_an_untouched_chain(client: GraphQLClient,
                                                                           shop: Shop) -> None:
    await shop.order({"TEE-0": 1}, key="chain")
    admin = await shop.token("admin@example.com", Role.ADMIN)
    result = (await client.data(VERIFY, token=admin))["auditVerify"]
    assert result["ok"] is True and result["eventsChecked"] == await count(client, AuditEvent)
    manager = await shop.token("manager@example.com", Role.MANAGER)
    assert (await client.gql(VERIFY, token=manager))["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_the_database_refuses_to_update_or_delete_audit_events(client: GraphQLClient, shop: Shop) -> None:
    await shop.order({"TEE-0": 1}, key="immutable")
    for statement in ("UPDATE audit_events SET actor = 'mallory' WHERE sequence = 1",
                      "DELETE FROM audit_events WHERE sequence = 1"):
        with pytest.raises(Exception, match="append-only"):
            async with client.db.write_engine.begin() as conn:
                await conn.exec_driver_sql(statement)


async def test_a_row_edited_behind_the_apis_back_breaks_the_chain_there(client: GraphQLClient,
                                                                        shop: Shop) -> None:
    await shop.order({"TEE-0": 1}, key="tamper")
    async with client.db.write_engine.begin() as conn:
        # Only someone who can drop the database's own guard can do this; verification still sees it.
        if client.db.is_sqlite:
            await conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        else:
            await conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        await conn.execute(update(AuditEvent).where(AuditEvent.sequence == 5).values(data='{"total":"0.01"}'))
    admin = await shop.token("admin@example.com", Role.ADMIN)
    result = (await client.data(VERIFY, token=admin))["auditVerify"]
    assert (result["ok"], result["firstBrokenSequence"]) == (False, 5)


async def test_stock_rows_and_allocations_agree(client: GraphQLClient, shop: Shop) -> None:
    await shop.order({"TEE-0": 2, "BOOTS-0": 3}, key="alloc")
    async with client.db.read() as conn:
        held = await conn.scalar(select(func.sum(Allocation.quantity)))
        converted = await conn.scalar(select(func.count()).select_from(Cart).where(Cart.status == "CONVERTED"))
    assert (held, await allocated(client), converted) == (5, 5, 1)
