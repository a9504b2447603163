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
