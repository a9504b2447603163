"""Browser tests' helpers (tests/browser): the system's Chromium driven by Playwright's async API.

The browser is Debian's Chromium (/usr/bin/chromium; COMMERCE_TEST_CHROMIUM names another build),
never one Playwright downloads. What every page logs is kept (`browser_log`), and a test fails on a
Content-Security-Policy violation or an uncaught page error (`assert_no_browser_errors`, which the
`context` fixture also runs when the test ends). `save_screenshot` refreshes docs/screenshots (the
README's pictures) only when COMMERCE_SCREENSHOTS=1. `sign_in` signs in to the console's form, and
`DemoServer` is a `commerce serve --demo` with a GraphQL helper that signs in as the demo accounts.
"""

import os
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, ConsoleMessage, Error, Page, ViewportSize, expect

from app.seed import DEMO_PASSWORD
from tests.support.live import LiveServer

CHROMIUM = os.environ.get("COMMERCE_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium keeps calling Google's services, and a closed
# network (CI's) refuses those connections (noise, and slow starts). No sandbox: tests may run as root
# in a container, where Chromium's sandbox cannot start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# One size for every page, so that the README's screenshots keep their shape from one refresh to the next.
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
_SCREENSHOT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")

# Chromium reports a violation as a console error naming the "Content Security Policy directive" it
# violates ("Executing inline script violates the following Content Security Policy directive ...";
# older builds: "Refused to ..."; "[Report Only] ..." under a report-only policy).
_CSP_VIOLATION = "Content Security Policy"


@dataclass(frozen=True)
class ConsoleLine:
    type: str  # "log", "info", "warning", "error", ...
    text: str
    url: str

    def __str__(self) -> str:
        return f"console.{self.type}: {self.text}" + (f" ({self.url})" if self.url else "")


@dataclass
class BrowserLog:
    """What one page said: its console messages and its uncaught errors, in order."""

    console: list[ConsoleLine] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[ConsoleLine]:
        return [line for line in self.console if _CSP_VIOLATION in line.text]

    def problems(self) -> list[str]:
        """What fails a test: Content-Security-Policy violations and uncaught page errors."""
        return [f"CSP violation: {line}" for line in self.csp_violations()] + \
            [f"uncaught page error: {error}" for error in self.page_errors]

    def clear(self) -> None:
        """Forget what was logged so far (after a test has checked an error it caused on purpose)."""
        self.console.clear()
        self.page_errors.clear()


_logs: "weakref.WeakKeyDictionary[Page, BrowserLog]" = weakref.WeakKeyDictionary()


def watch(page: Page) -> BrowserLog:
    """Start keeping what `page` logs (the `context` fixture does it for every page it opens)."""
    if page in _logs:
        return _logs[page]
    log = _logs[page] = BrowserLog()

    def on_console(message: ConsoleMessage) -> None:
        log.console.append(ConsoleLine(message.type, message.text, message.location.get("url", "")))

    def on_page_error(error: Error) -> None:
        log.page_errors.append(error.stack or f"{error.name}: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return log


_pages: "weakref.WeakKeyDictionary[BrowserContext, list[Page]]" = weakref.WeakKeyDictionary()


def watch_context(context: BrowserContext) -> list[Page]:
    """Keep what every page of `context` logs, popups and pages the test opens included; the
    list of those pages grows as they open (closed ones stay)."""
    pages = _pages.setdefault(context, [])

    def on_page(page: Page) -> None:
        watch(page)
        pages.append(page)

    context.on("page", on_page)
    for page in context.pages:
        on_page(page)
    return pages


def watched_pages(context: BrowserContext) -> list[Page]:
    """Every page of `context` that `watch_context` saw open, in order."""
    return list(_pages.get(context, []))


def browser_log(page: Page) -> BrowserLog:
    """What `page` has logged so far (its console messages, its uncaught errors)."""
    try:
        return _logs[page]
    except KeyError:
        raise AssertionError("this page was not opened by the browser tests' `context` fixture") from None


def assert_no_browser_errors(page: Page) -> None:
    """Fail on any Content-Security-Policy violation or uncaught error on `page` so far."""
    problems = browser_log(page).problems()
    assert not problems, f"the browser reported on {page.url}:\n" + "\n".join(problems)


def screenshots_enabled() -> bool:
    return os.environ.get("COMMERCE_SCREENSHOTS") == "1"


async def save_screenshot(page: Page, name: str, *, full_page: bool = False,
                          directory: Path = SCREENSHOTS) -> Path | None:
    """Save `page` as docs/screenshots/<name>.png, the README's pictures, when COMMERCE_SCREENSHOTS=1;
    otherwise do nothing (a test run leaves the tree as it found it). `name`: lower case, digits, - and _."""
    if not _SCREENSHOT_NAME.fullmatch(name):
        raise ValueError(f"screenshot name {name!r}: use lower case letters, digits, - and _")
    if not screenshots_enabled():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    await page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    return path


async def sign_in(page: Page, base_url: str, email: str, password: str, *, wait: bool = True) -> None:
    """Sign in through the console's form at /console: the fields labelled "Email" and "Password",
    then the "Sign in" button. With `wait` (the default), until the form has gone; when it stays,
    the assertion quotes what the page shows in its alerts (a refused password, say)."""
    await page.goto(f"{base_url}/console")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    button = page.get_by_role("button", name="Sign in")
    await button.click()
    if not wait:
        return
    try:
        await expect(button).to_be_hidden(timeout=10_000)
    except AssertionError:
        alerts = [text.strip() for text in await page.get_by_role("alert").all_inner_texts() if text.strip()]
        raise AssertionError(f"signing in as {email} left the sign-in form on {page.url}; "
                             f"alerts: {alerts or 'none'}") from None


class DemoServer:
    """A `commerce serve --demo` (a SQLite file in a temporary directory): the demo store, and the
    demo accounts of app/seed.py (README "Demo accounts"), all with the password DEMO_PASSWORD."""

    def __init__(self, live: LiveServer, directory: Path) -> None:
        self.live = live
        self.base_url = live.base_url
        self.http = live.http  # an httpx.AsyncClient on base_url, of the test module's event loop
        self.directory = directory  # the database, stdout.log and stderr.log (complete once it stops)

    async def gql(self, query: str, variables: Mapping[str, Any] | None = None, *,
                  token: str | None = None) -> dict[str, Any]:
        """The `data` of a GraphQL request (asserting no errors), as `token`'s bearer when given."""
        return await self.live.gql(query, variables, token=token)

    async def sign_in_tokens(self, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        """`tokenCreate`: {"accessToken": ..., "refreshToken": ...}, asserting it was not refused."""
        data = await self.gql("""
            mutation SignIn($input: TokenCreateInput!) {
              tokenCreate(input: $input) { accessToken refreshToken userErrors { code message } }
            }""", {"input": {"email": email, "password": password}})
        payload = data["tokenCreate"]
        assert not payload["userErrors"], f"tokenCreate as {email}: {payload['userErrors']}"
        return {"accessToken": payload["accessToken"], "refreshToken": payload["refreshToken"]}

    async def token(self, email: str, password: str = DEMO_PASSWORD) -> str:
        """An access token for `email` (password: the demo accounts' by default), via `tokenCreate`."""
        return (await self.sign_in_tokens(email, password))["accessToken"]
