"""Who wrote a version is shown by name (PASSPORTS_AGENT_NAME, else "command line" in the page's
language), never by the operating-system user, and times with seconds and zone."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from conftest import docs_from, passport_ttl
from fastapi.testclient import TestClient

from registry.store.registry import Registry
from registry.web.app import create_app

PAGE = "/doc/passport/GM0153/brug-0042"


def pages(settings, *paths):
    with Registry.open(settings) as registry:
        assert registry.add(docs_from(passport_ttl())).created
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=0))
    with TestClient(app) as client:
        return [client.get(path).text for path in paths]


@pytest.mark.parametrize("name", ["J. Jansen", ""])
def test_the_author_is_shown_by_name_and_times_with_seconds_and_zone(settings, name):
    nl, en, home = pages(replace(settings, agent_name=name), PAGE + "?lang=nl", PAGE + "?lang=en", "/?lang=en")
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert re.search(f"<td>{stamp}</td>", nl) and re.search(stamp, home)
    if name:
        assert all(name in page for page in (nl, en, home))
    else:
        assert "opdrachtregel" in nl and "command line" in en and "command line" in home
    assert not any(re.search(r">\s*root\s*<", page) for page in (nl, en, home))
