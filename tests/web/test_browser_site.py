"""Every page type in a real browser (headless Debian Chromium under Playwright; every host but
127.0.0.1 unresolvable): in Dutch and English, on a desktop (1366 px) and a phone (390 px), with no
console error, no request that leaves the server and no sideways scroll; and the API documentation
at ``/docs`` (Swagger UI shipped with the site) rendering its operations offline."""

from __future__ import annotations

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import Server, build_registry

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("browser-site") / "data", size=24, seed=5)


@pytest.fixture(scope="module")
def server(fixture):
    with Server(fixture.data_dir) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


def test_api_docs_render_offline(browser, server):
    w = Watched(browser, server.url, viewport=WIDTHS["desktop"])
    try:
        assert w.open(server.url + "/docs").status == 200
        w.page.wait_for_selector(".opblock", timeout=15000)
        operations = w.page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/passports" in text for text in operations), operations
        assert w.problems == [], w.problems
    finally:
        w.close()
