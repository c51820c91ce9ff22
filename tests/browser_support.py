"""Shared by the browser tests: headless Debian Chromium driven by Playwright (no downloaded
browser), with every host but 127.0.0.1 unresolvable, so a page that needed the network would fail
there; and :class:`Watched`, a page that records what went wrong on it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def playwright_or_skip():
    """``playwright.sync_api``; the calling test module is skipped without it or without chromium
    (in CI both must be there: .ci/run installs them)."""
    if os.environ.get("CI"):
        import playwright.sync_api  # noqa: F401

        assert Path(CHROMIUM).exists(), "CI: Debian chromium is missing; .ci/run should have installed it"
    api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
    return api


def launched_chromium():
    """Debian's chromium under Playwright, for a module-scoped ``browser`` fixture."""
    api = playwright_or_skip()
    with api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watched:
    """A page that records console errors, page errors, failed requests and off-host requests."""

    def __init__(self, browser, allowed_prefix: str, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # a load cut short by the next navigation (net::ERR_ABORTED) is not a problem of the page
        self.page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
                     else self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("request", lambda r: None if r.url.startswith((allowed_prefix, "data:", "about:"))
                     else self.problems.append(f"off-site request: {r.url}"))

    def open(self, url: str):
        response = self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(250)
        return response

    def close(self):
        self.context.close()
