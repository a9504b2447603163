"""The browser harness itself (tests/browser/conftest.py, tests/support/browser.py), on pages the
tests serve to Chromium through Playwright's routing: no demo server here."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, Route, expect

from tests.support.browser import assert_no_browser_errors, browser_log, save_screenshot, sign_in

ORIGIN = "http://harness.test"


def serve(page_html: str, headers: dict[str, str] | None = None) -> Callable[[Route], Awaitable[None]]:
    async def handler(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=page_html, headers=headers or {})

    return handler


async def test_a_content_security_policy_violation_fails_the_test(page: Page) -> None:
    await page.route(f"{ORIGIN}/strict", serve("<h1>strict</h1><script>document.title = 'ran'</script>",
                                               {"Content-Security-Policy": "script-src 'self'"}))

    async with page.expect_event("console", lambda message: "Content Security Policy" in message.text):
        await page.goto(f"{ORIGIN}/strict")

    assert await page.title() != "ran"
    assert len(browser_log(page).csp_violations()) == 1
    with pytest.raises(AssertionError, match="CSP violation: console.error: .*inline script.*Content Security Policy"):
        assert_no_browser_errors(page)
    browser_log(page).clear()  # caused on purpose: the context's check at the end must pass


async def test_an_uncaught_page_error_fails_the_test(page: Page) -> None:
    async with page.expect_event("pageerror"):
        await page.set_content("<script>setTimeout(() => { throw new TypeError('boom') })</script>")

    with pytest.raises(AssertionError, match="uncaught page error: TypeError: boom"):
        assert_no_browser_errors(page)
    browser_log(page).clear()


async def test_console_messages_are_kept_and_do_not_fail_the_test(page: Page) -> None:
    async with page.expect_event("console"):
        await page.set_content("<script>console.error('not fatal')</script>")

    assert [(line.type, line.text) for line in browser_log(page).console] == [("error", "not fatal")]
    assert_no_browser_errors(page)


async def test_sign_in_fills_the_labelled_fields_and_waits_for_the_form_to_go(page: Page) -> None:
    form = """<form id="f"><label>Email <input name="email" type="email"></label>
      <label>Password <input name="password" type="password"></label>
      <button type="button" aria-label="Show password">show</button>
      <button type="submit">Sign in</button></form><p id="who"></p>
      <script>
        document.getElementById("f").addEventListener("submit", (event) => {
          event.preventDefault();
          const data = new FormData(event.target);
          setTimeout(() => {
            event.target.remove();
            document.getElementById("who").textContent = data.get("email") + " / " + data.get("password");
          }, 200);
        });
      </script>"""
    await page.route(f"{ORIGIN}/console", serve(form))

    await sign_in(page, ORIGIN, "admin@example.com", "commerce-demo")

    await expect(page.locator("#who")).to_have_text("admin@example.com / commerce-demo")


async def test_screenshots_are_written_only_when_asked_for(page: Page, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    await page.set_content("<h1>Dashboard</h1>")

    monkeypatch.delenv("COMMERCE_SCREENSHOTS", raising=False)
    assert await save_screenshot(page, "dashboard", directory=tmp_path / "shots") is None
    assert not (tmp_path / "shots").exists()

    monkeypatch.setenv("COMMERCE_SCREENSHOTS", "1")
    path = await save_screenshot(page, "dashboard", directory=tmp_path / "shots")
    assert path == tmp_path / "shots" / "dashboard.png"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    with pytest.raises(ValueError, match="screenshot name"):
        await save_screenshot(page, "../README")
