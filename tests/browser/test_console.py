"""The console in a real browser against a real `commerce serve --demo`: what the shop's staff do
every day, found by role and label as a person (or a screen reader) finds them."""

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from tests.conftest import TEST_SECRET
from tests.support.browser import DemoServer, assert_no_browser_errors, save_screenshot, sign_in

PRODUCT = "query { products(first: 5, filter: {inStock: true}) { edges { node { variants { id quantityAvailable } } } } }"
CART_CREATE = """mutation($input: CartCreateInput!) { cartCreate(input: $input) {
  cart { id availableDeliveryMethods { id } } userErrors { code message } } }"""
DELIVERY = """mutation($input: CartDeliveryInput!) { cartDeliveryUpdate(input: $input) {
  cart { id } userErrors { code message } } }"""
CHECKOUT = """mutation($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) {
  order { id number status total { amount } } userErrors { code message } } }"""
REPORT = """query($from: DateTime!, $to: DateTime!) { salesReport(from: $from, to: $to) { total {
  revenue { amount } orders averageOrderValue { amount } conversionRate cartAbandonmentRate returnRate } } }"""
ORDER_STATUS = "query($id: ID!) { order(id: $id) { status fulfillments { status trackingNumber } } }"
EXCEPTIONS = """query { operationalExceptions(first: 50) { edges { node { id kind status summary resolution } } } }"""
ADDRESS = {"name": "Ann Shopper", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "us"}


@pytest.fixture(scope="module")
def demo_server_env() -> dict[str, str]:
    # No sign-in limits (many sign-ins in one file); an order unshipped for a second is overdue, so
    # `commerce sweep` opens an exception for the queue test from a real condition.
    return {"COMMERCE_SIGNIN_ATTEMPTS_PER_MINUTE": "0", "COMMERCE_SIGNIN_ATTEMPTS_PER_MINUTE_PER_CLIENT": "0",
            "COMMERCE_FULFILLMENT_SLA_HOURS": "0.0003"}


@pytest_asyncio.fixture(loop_scope="module")
async def place_order(demo_server: DemoServer) -> Any:
    async def place(quantity: int = 1) -> dict[str, Any]:
        shopper = await demo_server.token("shopper@example.com")
        products = await demo_server.gql(PRODUCT)
        variant = next(v["id"] for e in products["products"]["edges"] for v in e["node"]["variants"]
                       if v["quantityAvailable"] >= quantity)
        created = await demo_server.gql(CART_CREATE, {"input": {
            "channel": "web", "lines": [{"variantId": variant, "quantity": quantity}]}}, token=shopper)
        cart = created["cartCreate"]["cart"]
        delivered = await demo_server.gql(DELIVERY, {"input": {
            "cartId": cart["id"], "email": "shopper@example.com", "shippingAddress": ADDRESS,
            "deliveryMethodId": cart["availableDeliveryMethods"][0]["id"]}}, token=shopper)
        assert delivered["cartDeliveryUpdate"]["userErrors"] == []
        done = await demo_server.gql(CHECKOUT, {"input": {
            "cartId": cart["id"], "payment": {"gateway": "test", "token": "tok_visa"},
            "idempotencyKey": str(uuid.uuid4())}}, token=shopper)
        assert done["checkoutComplete"]["userErrors"] == []
        return done["checkoutComplete"]["order"]  # type: ignore[no-any-return]
    return place


def money(amount: str) -> str:
    return f"${Decimal(amount):,.2f}"


def percent(rate: float) -> str:
    text = f"{Decimal(str(rate * 100)).quantize(Decimal('0.1')).normalize():f}"
    return f"{text}%"


async def test_a_manager_sees_the_kpi_tiles_with_the_figures_sales_report_gives(
        page: Page, base_url: str, demo_server: DemoServer, place_order: Any) -> None:
    await place_order(2)
    await place_order(1)
    await sign_in(page, base_url, "manager@example.com", "commerce-demo")
    today = datetime.now(UTC).date()
    first = today - timedelta(days=6)
    await page.get_by_label("From").fill(first.isoformat())
    await page.get_by_label("To").fill(today.isoformat())

    manager = await demo_server.token("manager@example.com")
    report = await demo_server.gql(REPORT, {
        "from": datetime(first.year, first.month, first.day, tzinfo=UTC).isoformat(),
        "to": datetime(today.year, today.month, today.day, tzinfo=UTC).isoformat().replace(
            today.isoformat(), (today + timedelta(days=1)).isoformat())}, token=manager)
    total = report["salesReport"]["total"]
    assert total["orders"] >= 2
    expected = {"Revenue": money(total["revenue"]["amount"]), "Orders": str(total["orders"]),
                "Average order value": money(total["averageOrderValue"]["amount"]),
                "Conversion rate": percent(total["conversionRate"]),
                "Cart abandonment rate": percent(total["cartAbandonmentRate"]),
                "Return rate": percent(total["returnRate"])}
    for name, value in expected.items():
        await expect(page.get_by_role("region", name=name, exact=True)).to_contain_text(value)
    await expect(page.get_by_role("heading", name="System health")).to_be_visible()
    await expect(page.get_by_role("heading", name="By channel and campaign")).to_be_visible()
    await expect(page.get_by_role("table", name="Sales by channel and campaign")).to_contain_text("Web shop")
    await expect(page.get_by_text("Figures as of")).to_be_visible()
    await save_screenshot(page, "overview", full_page=True)
    assert_no_browser_errors(page)


async def until_subscribed(demo_server: DemoServer) -> None:
    """Until the server holds a live subscription (the page subscribes after its first read)."""
    for _ in range(100):
        ready = (await demo_server.http.get("/readyz")).json()
        if ready["subscriptions"] > 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the page never subscribed")


async def test_an_order_placed_meanwhile_appears_in_the_live_list_without_a_reload(
        page: Page, base_url: str, demo_server: DemoServer, place_order: Any) -> None:
    await sign_in(page, base_url, "fulfillment@example.com", "commerce-demo")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    await expect(page.get_by_role("table", name="Orders")).to_be_visible()
    await expect(page.get_by_text("Live: new orders")).to_be_visible()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    await until_subscribed(demo_server)

    order = await place_order()

    await expect(page.get_by_role("link", name=order["number"])).to_be_visible()
    assert navigations == []
    await save_screenshot(page, "live-orders")
    assert_no_browser_errors(page)


async def test_fulfillment_staff_ship_an_order_from_its_page_and_see_its_status_change(
        page: Page, base_url: str, demo_server: DemoServer, place_order: Any) -> None:
    order = await place_order()
    await sign_in(page, base_url, "fulfillment@example.com", "commerce-demo")
    await page.goto(f"{base_url}/console/orders/{order['id']}")
    await expect(page.get_by_role("heading", name=f"Order {order['number']}")).to_be_visible()
    status = page.get_by_test_id("order-status")
    await expect(status).to_have_text("Confirmed")
    await expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)  # not FULFILLMENT's move

    await page.get_by_role("button", name="Create fulfillment").click()
    await page.get_by_role("button", name="Mark picked").click()
    await page.get_by_role("button", name="Mark shipped").click()  # no carrier yet: the API refuses
    await expect(page.get_by_role("alert").first).to_be_visible()
    await page.get_by_label("Carrier").fill("UPS")
    await page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    await page.get_by_role("button", name="Mark shipped").click()

    await expect(status).to_have_text("Shipped")
    await expect(page.get_by_role("button", name="Mark delivered")).to_be_visible()
    staff = await demo_server.token("fulfillment@example.com")
    read = await demo_server.gql(ORDER_STATUS, {"id": order["id"]}, token=staff)
    assert read["order"]["status"] == "SHIPPED"
    assert read["order"]["fulfillments"] == [{"status": "SHIPPED", "trackingNumber": "1Z999AA10123456784"}]
    await save_screenshot(page, "order-detail", full_page=True)


async def test_an_exception_resolves_from_the_queue_with_a_note(
        page: Page, base_url: str, demo_server: DemoServer, place_order: Any) -> None:
    await place_order()
    await asyncio.sleep(1.2)  # past the one-second fulfillment SLA of this server
    env = {**os.environ, "COMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{demo_server.directory / 'commerce.db'}",
           "COMMERCE_SECRET_KEY": TEST_SECRET, "COMMERCE_FULFILLMENT_SLA_HOURS": "0.0003"}
    sweep = await asyncio.create_subprocess_exec(sys.executable, "-m", "app.cli", "sweep", env=env,
                                                 stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(sweep.communicate(), 60)
    assert sweep.returncode == 0 and "exceptions opened: 0" not in out.decode()

    await sign_in(page, base_url, "support@example.com", "commerce-demo")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Exceptions").click()
    table = page.get_by_role("table", name="Exceptions")
    await expect(table.get_by_text("Order fulfillment overdue").first).to_be_visible()
    form = page.get_by_role("form").filter(has=page.get_by_role("button", name="Resolve")).first
    await form.get_by_label("Resolution note").fill("Shipped by hand; courier booked")
    await form.get_by_role("button", name="Resolve").click()

    support = await demo_server.token("support@example.com")

    async def resolved() -> list[dict[str, Any]]:
        rows = (await demo_server.gql(EXCEPTIONS, token=support))["operationalExceptions"]["edges"]
        return [r["node"] for r in rows if r["node"]["resolution"] == "Shipped by hand; courier booked"]
    await expect(page.get_by_role("combobox", name="Show")).to_have_value("OPEN")
    for _ in range(50):
        if await resolved():
            break
        await asyncio.sleep(0.1)
    [done] = await resolved()
    assert done["status"] == "RESOLVED"
    await page.get_by_label("Show").select_option("RESOLVED")
    await expect(page.get_by_role("table", name="Exceptions").get_by_text("Shipped by hand; courier booked")).to_be_visible()
    assert_no_browser_errors(page)


async def test_a_merchandiser_sees_no_orders_menu_and_an_order_page_says_not_allowed(
        page: Page, base_url: str, place_order: Any) -> None:
    order = await place_order()
    await sign_in(page, base_url, "merchandiser@example.com", "commerce-demo")
    navigation = page.get_by_role("navigation", name="Main")
    await expect(navigation.get_by_role("link", name="Catalog")).to_be_visible()
    await expect(navigation.get_by_role("link", name="Orders")).to_have_count(0)
    await expect(navigation.get_by_role("link", name="Exceptions")).to_have_count(0)

    await page.goto(f"{base_url}/console/orders/{order['id']}")
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await expect(page.get_by_text(order["number"])).to_have_count(0)
    await expect(page.get_by_text("shopper@example.com")).to_have_count(0)
    assert_no_browser_errors(page)


async def test_an_ended_session_returns_to_sign_in_and_then_to_the_same_page(
        page: Page, base_url: str, place_order: Any) -> None:
    order = await place_order()
    await sign_in(page, base_url, "support@example.com", "commerce-demo")
    await page.goto(f"{base_url}/console/orders/{order['id']}")
    await expect(page.get_by_role("heading", name=f"Order {order['number']}")).to_be_visible()
    # Both tokens stop working (as after a password change elsewhere): the next request is refused.
    await page.evaluate("""() => {
        const key = "commerce-console-session";
        const s = JSON.parse(sessionStorage.getItem(key));
        sessionStorage.setItem(key, JSON.stringify({...s, accessToken: "x.e30.x", refreshToken: "revoked"}));
    }""")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()

    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await expect(page.get_by_text("Your session has ended")).to_be_visible()
    assert page.url.endswith("/console/orders")
    await page.get_by_label("Email", exact=True).fill("support@example.com")
    await page.get_by_label("Password", exact=True).fill("commerce-demo")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("table", name="Orders")).to_be_visible()
    assert page.url.endswith("/console/orders")
