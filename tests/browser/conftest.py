"""Playwright in a real Chromium against pytest-django's ``live_server``.

Playwright's sync API runs an event loop in the test thread, so every ORM call a browser
test makes (factories, assertions on rows) would raise ``SynchronousOnlyOperation``. The
documented escape hatch is DJANGO_ALLOW_ASYNC_UNSAFE, set here before Django is used.
"""

import importlib
import os
from collections.abc import Iterator

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Browser, sync_playwright

BROWSER_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BROWSER_DIR.parents[1]
ARTIFACTS_DIR = PROJECT_DIR / "var" / "test-artifacts"
CHROMIUM = os.environ.get("MERCATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
# Fail in seconds, not in Playwright's default 30 s per step: the pages are local.
TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/browser is a browser test (before ``-m`` deselects)."""
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item (``item.rep_setup``, ``item.rep_call``) so a
    fixture's teardown can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_locale() -> str:
    """The browser's language (Accept-Language); override in a test module to change it."""
    return "zh-CN"


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, browser_locale: str, live_server):
    """A fresh browser context per test; a failed test leaves a full-page screenshot in
    var/test-artifacts/<test name>.png."""
    context = browser.new_context(locale=browser_locale, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Anything the Content-Security-Policy blocks shows up as a console error: collect
    # them and fail the test, so every browser test also proves its pages run under it.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.csp_violations = violations
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)
        except Exception as exc:  # a screenshot must never hide the test's own failure
            print(f"could not save a screenshot for {request.node.nodeid}: {exc}")
    context.close()
    if violations and not (report is not None and report.failed):
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


@pytest.fixture
def url(live_server):
    """``url("/login/")`` is the live server's absolute address for a path."""

    def build(path: str = "/") -> str:
        return live_server.url + path

    return build


LEDGER_GUARDS = importlib.import_module("mercator.payments.migrations.0002_ledger_guards")


@pytest.fixture(autouse=True)
def ledger_flushable(transactional_db: None) -> Iterator[None]:
    """live_server tests end with a flush, which on SQLite is a DELETE per table; the
    ledger's SQLite trigger refuses DELETE of an entry. Torn down before the flush (it
    depends on transactional_db): lift that trigger, empty the entries, put it back.
    PostgreSQL flushes with TRUNCATE, which its triggers allow."""
    yield
    if connection.vendor != "sqlite":
        return
    (no_delete,) = [s for s in LEDGER_GUARDS.SQLITE_FORWARD if "BEFORE DELETE" in s]
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS payments_ledgerentry_no_delete")
        cursor.execute("DELETE FROM payments_ledgerentry")
        cursor.execute(no_delete)
