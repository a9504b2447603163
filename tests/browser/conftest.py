"""Browser tests: Debian's Chromium, driven by Playwright (async API), against a real `commerce serve
--demo`.

Each test file gets its own demo server (`demo_server`, `base_url`) and its own browser (`browser`),
and a test gets a fresh browser context (`context`) and a page in it (`page`). A test ends in an
error when a page of its context reported a Content-Security-Policy violation or an uncaught error
(tests/support/browser.py has the helpers: `assert_no_browser_errors`, `browser_log`, `sign_in`,
`save_screenshot`).

Playwright's objects belong to the event loop that made them, so every test and async fixture here
runs on the test file's loop: the tests are marked so below, and an async fixture a test file adds
needs `@pytest_asyncio.fixture(loop_scope="module")`.

Without Chromium (COMMERCE_TEST_CHROMIUM, default /usr/bin/chromium) these tests are skipped and say
why; with CI=true they fail instead.
"""

import os
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.conftest import IN_CI, TEST_SECRET
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    DemoServer,
    browser_log,
    watch_context,
    watched_pages,
)
from tests.support.live import live_server

BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every async test of tests/browser on its file's event loop, the loop of its browser."""
    on_module_loop = pytest.mark.asyncio(loop_scope="module")
    for item in items:
        if BROWSER_TESTS in item.path.parents and pytest_asyncio.is_async_test(item):
            item.add_marker(on_module_loop, append=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                             pytest.TestReport]:
    """A failed browser test's report shows what its pages logged."""
    report = yield
    context = getattr(item, "funcargs", {}).get("context")
    if report.failed and isinstance(context, BrowserContext):
        lines = []
        for page in watched_pages(context):
            log = browser_log(page)
            lines += [f"[{page.url}] {line}" for line in log.console]
            lines += [f"[{page.url}] uncaught: {error}" for error in log.page_errors]
        if lines:
            report.sections.append((f"browser log {report.when}", "\n".join(lines)))
    return report


@pytest.fixture(scope="session", autouse=True)
def chromium_executable() -> str:
    """The Chromium the tests drive; skips them (fails them under CI=true) when it is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium not found at {CHROMIUM}"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires the browser tests (apt-get install chromium)", pytrace=False)
        pytest.skip(f"{message}; install Debian's chromium (apt-get install chromium) or set "
                    "COMMERCE_TEST_CHROMIUM to run the browser tests")
    return CHROMIUM


@pytest.fixture(scope="module")
def demo_server_env() -> dict[str, str]:
    """Environment of the file's demo server, on top of the test run's; a test file may override it.
    Browser tests sign in often, and all from 127.0.0.1: sign-in rate limits are off (0)."""
    return {"COMMERCE_SIGNIN_ATTEMPTS_PER_MINUTE": "0", "COMMERCE_SIGNIN_ATTEMPTS_PER_MINUTE_PER_CLIENT": "0"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo_server(tmp_path_factory: pytest.TempPathFactory,
                      demo_server_env: dict[str, str]) -> AsyncIterator[DemoServer]:
    """`commerce serve --demo` on a free loopback port: migrated and seeded (a SQLite file in a
    temporary directory, with the server's logs), one for each test file."""
    directory = tmp_path_factory.mktemp("demo")
    async with live_server(f"sqlite+aiosqlite:///{directory / 'commerce.db'}", TEST_SECRET,
                           extra_env=demo_server_env, serve_args=["--demo"], output_dir=directory,
                           startup_timeout=60) as live:
        yield DemoServer(live, directory)


@pytest.fixture(scope="module")
def base_url(demo_server: DemoServer) -> str:
    """The demo server's root, e.g. http://127.0.0.1:38211 (no trailing slash)."""
    return demo_server.base_url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(chromium_executable: str) -> AsyncIterator[Browser]:
    """Headless Chromium, one for each test file."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_executable, headless=True,
                                                    args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh browser context (no cookies, no storage) for each test; when the test ends, an error
    if any of its pages reported a Content-Security-Policy violation or an uncaught error."""
    fresh = await browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC",
                                      color_scheme="light", reduced_motion="reduce")
    pages = watch_context(fresh)
    try:
        yield fresh
    finally:
        await fresh.close()
    problems = [f"[{page.url}] {problem}" for page in pages for problem in browser_log(page).problems()]
    if problems:
        pytest.fail("the browser reported:\n" + "\n".join(problems), pytrace=False)


@pytest_asyncio.fixture(loop_scope="module")
async def page(context: BrowserContext) -> Page:
    """A blank page in the test's context."""
    return await context.new_page()
