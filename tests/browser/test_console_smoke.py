"""Smoke tests: Chromium reaches the demo server, and (once it is served) the console's sign-in page."""

import json

from playwright.async_api import Page, expect

from tests.support.browser import DemoServer, assert_no_browser_errors


async def test_the_browser_shows_the_servers_health(page: Page, base_url: str) -> None:
    response = await page.goto(f"{base_url}/healthz")

    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    # Chromium shows a JSON document as its text (in a <pre>).
    assert json.loads(await page.locator("pre").first.inner_text()) == {"status": "ok"}
    assert_no_browser_errors(page)


async def test_the_demo_accounts_sign_in_over_graphql(demo_server: DemoServer) -> None:
    token = await demo_server.token("admin@example.com")

    data = await demo_server.gql("{ me { email roles } }", token=token)

    assert data["me"] == {"email": "admin@example.com", "roles": ["ADMIN"]}


async def test_the_console_opens_on_its_sign_in_page(page: Page, base_url: str) -> None:
    response = await page.goto(f"{base_url}/console")

    assert response is not None and response.ok, f"/console answered {response and response.status}"
    # The sign-in page may show both; `.first` keeps the assertion off Playwright's strict mode.
    await expect(page.get_by_role("button", name="Sign in").or_(page.get_by_role("heading")).first).to_be_visible()
    assert_no_browser_errors(page)


async def test_graphiql_opens_from_the_server_alone(page: Page, base_url: str) -> None:
    # A browser's navigation (Accept: text/html) gets GraphiQL; its scripts must come from the server
    # itself (this machine's network is closed, as a strict Content-Security-Policy would be).
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith((base_url, "data:", "blob:"))
            else elsewhere.append(request.url))

    response = await page.goto(f"{base_url}/graphql")

    assert response is not None and response.ok
    assert response.headers["content-type"].startswith("text/html")
    assert not elsewhere, f"GraphiQL loads from elsewhere: {elsewhere}"
    await expect(page.locator(".graphiql-editors")).to_be_visible()  # rendered by GraphiQL's script
    assert_no_browser_errors(page)
