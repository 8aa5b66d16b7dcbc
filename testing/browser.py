"""Debian's Chromium driven by Playwright, for tests of the admin in a real browser.

``browser`` (session) launches /usr/bin/chromium headless with the flags this machine needs
(no sandbox as root, no background networking on a closed network); ``page`` (function) is a
fresh context and page, closed after the test. Screenshots go to ``artifacts_dir()``
(``var/test-artifacts/`` or $MAILFLOW_TEST_ARTIFACTS). Without Chromium or Playwright the
tests are skipped, or fail when ``CI`` is ``"true"``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MAILFLOW_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def browser_unavailable_reason() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (Debian package chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed"
    return None


def require_browser() -> None:
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} [CI=true: the browser tests must not be skipped]", pytrace=False)
    pytest.skip(reason)


def artifacts_dir() -> Path:
    root = Path(__file__).resolve().parent.parent
    path = Path(os.environ.get("MAILFLOW_TEST_ARTIFACTS", root / "var" / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require_browser()
    # Playwright's sync API keeps an event loop in this thread from here on; Django then
    # refuses ORM calls from it (the tests' own, and the database flush after them) unless
    # told that this is a test doing so on purpose. A subprocess that runs `check --deploy`
    # must not inherit it (mailflow/tests/test_settings.py leaves it out).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(locale="pt-BR", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def save_screenshot(page, name: str) -> Path:
    """A full-page PNG in the artifacts folder; also in docs/screenshots/ (the README's
    pictures) when MAILFLOW_UPDATE_SCREENSHOTS is set."""
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("MAILFLOW_UPDATE_SCREENSHOTS"):
        docs = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, docs / f"{name}.png")
    return path
