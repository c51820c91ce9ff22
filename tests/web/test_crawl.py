"""Every link of the site answers: a crawl of the live server from the home page to depth 2, in
Dutch and English (pages, RDF documents, CSV of tables, downloads), every answer 2xx or 3xx (or
410 Gone for a retired passport: its page says when and why, which is what a link to it should get)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from pages_support import served

HREF = re.compile(r'(?:href|src)="([^"#]*)')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # one client following every link: the per-client budgets (which the CSV downloads share with
    # /sparql) are off here; tests/web/test_hostile_budget.py tests them
    yield from served(tmp_path_factory, "crawl", size=10, seed=9, rate_limit_per_minute=0,
                      budget_seconds_per_minute=0, budget_bytes_per_minute=0)


def links_of(base_url: str, page_url: str, html: str) -> set[str]:
    found = set()
    for raw in HREF.findall(html):
        url = urljoin(page_url, raw.replace("&amp;", "&"))
        if urlsplit(url).netloc == urlsplit(base_url).netloc:
            found.add(url)
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_link_to_depth_two_answers(server, lang):
    start = f"{server.url}/?lang={lang}"
    seen = {start}
    frontier = [start]
    bad = []
    with server.client(follow_redirects=False) as client:
        client.cookies.set("lang", lang)
        for _depth in range(3):  # the home page, its links, their links
            following = []
            for url in frontier:
                answer = client.get(url)
                retired = answer.status_code == 410 and "/doc/passport/" in url
                if not (200 <= answer.status_code < 400 or retired):
                    bad.append((url, answer.status_code))
                    continue
                if "text/html" in answer.headers.get("content-type", "") and _depth < 2 and not retired:
                    for link in sorted(links_of(server.url, url, answer.text) - seen):
                        seen.add(link)
                        following.append(link)
            frontier = following
    assert len(seen) > 100, len(seen)
    assert bad == [], bad
