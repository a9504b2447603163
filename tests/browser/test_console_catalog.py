"""The console's catalog editing in a real browser: a merchandiser changes a price, archives a
product and unpublishes one from a channel; the API shows the same."""

from decimal import Decimal

from playwright.async_api import Page, expect

from tests.support.browser import DemoServer, assert_no_browser_errors, sign_in

PRODUCT = """query($slug: String!) { product(slug: $slug) { status variants { sku price { amount } }
  channelListings { channel { slug } isPublished } } }"""


async def open_product(page: Page, base_url: str, name: str) -> None:
    await sign_in(page, base_url, "merchandiser@example.com", "commerce-demo")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    await page.get_by_label("Search products").fill(name)
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(page.get_by_role("article", name=name)).to_be_visible()


async def test_a_merchandiser_changes_a_price_and_archives_a_product(
        page: Page, base_url: str, demo_server: DemoServer) -> None:
    staff = await demo_server.token("merchandiser@example.com")
    before = (await demo_server.gql(PRODUCT, {"slug": "canyon-cap-4"}, token=staff))["product"]
    sku = before["variants"][0]["sku"]
    await open_product(page, base_url, "Canyon Cap 4")
    card = page.get_by_role("article", name="Canyon Cap 4")

    await card.get_by_label(f"Price of {sku}", exact=True).fill("99.99")
    await card.get_by_role("button", name="Save price").first.click()
    await expect(card.get_by_role("cell", name="$99.99")).to_be_visible()
    after = (await demo_server.gql(PRODUCT, {"slug": "canyon-cap-4"}, token=staff))["product"]
    assert Decimal(after["variants"][0]["price"]["amount"]) == Decimal("99.99")

    await card.get_by_role("button", name="Edit Canyon Cap 4").click()
    editor = card.get_by_role("form", name="Edit Canyon Cap 4")
    await editor.get_by_label("Status", exact=True).select_option("ARCHIVED")
    await editor.get_by_label("Mobile app").uncheck()
    await editor.get_by_role("button", name="Save").click()
    await expect(card.get_by_role("heading", name="Canyon Cap 4 Archived")).to_be_visible()

    archived = (await demo_server.gql(PRODUCT, {"slug": "canyon-cap-4"}, token=staff))["product"]
    assert archived["status"] == "ARCHIVED"
    assert {li["channel"]["slug"]: li["isPublished"] for li in archived["channelListings"]}["mobile"] is False
    assert (await demo_server.gql(PRODUCT, {"slug": "canyon-cap-4"}))["product"] is None  # shoppers: gone
    assert_no_browser_errors(page)


COLLECTION = """query($slug: String!) { collection(slug: $slug) { isPublished
  products(first: 10) { edges { node { name } } } } }"""


async def test_a_merchandiser_builds_orders_and_publishes_a_collection(
        page: Page, base_url: str, demo_server: DemoServer) -> None:
    await sign_in(page, base_url, "merchandiser@example.com", "commerce-demo")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Collections").click()
    await page.get_by_label("Collection name").fill("Trail Essentials")
    await page.get_by_role("button", name="Create collection").click()
    card = page.get_by_role("article", name="Trail Essentials")
    await expect(card).to_be_visible()
    assert (await demo_server.gql(COLLECTION, {"slug": "trail-essentials"}))["collection"] is None  # unpublished

    for name in ("Harbor Boot 1", "Urban Mug 2"):
        await card.get_by_label("Find a product to add to Trail Essentials").fill(name)
        await card.get_by_role("button", name=f"Add {name}", exact=True).click()
        await expect(card.get_by_role("button", name=f"Remove {name}", exact=True)).to_be_visible()
    await card.get_by_role("button", name="Move Urban Mug 2 up").click()
    await expect(card.get_by_role("list", name="Products of Trail Essentials").get_by_role("listitem").first) \
        .to_contain_text("Urban Mug 2")
    await card.get_by_role("button", name="Publish Trail Essentials").click()
    await expect(card.get_by_role("button", name="Unpublish Trail Essentials")).to_be_visible()

    shown = (await demo_server.gql(COLLECTION, {"slug": "trail-essentials"}))["collection"]
    assert shown["isPublished"] is True
    assert [e["node"]["name"] for e in shown["products"]["edges"]] == ["Urban Mug 2", "Harbor Boot 1"]
    assert_no_browser_errors(page)
