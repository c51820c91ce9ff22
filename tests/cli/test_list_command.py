"""``passports list``: a per-object list of the monitor, whole or in pages chained by the printed
positions, the same CSV as the whole list; a bad position is refused in nl and en (exit 2)."""

from __future__ import annotations

import re

import pytest
from conftest import BASE, run_cli

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.query.row_results import document
from registry.store import monitor_lists
from registry.store.monitor_answers import figure, open_figures
from registry.web.object_lists import columns_of


@pytest.fixture
def data(settings, registry):
    docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo") for iri, triples in generate(60, seed=3, base=BASE))
    assert registry.add(docs).written == 60
    registry.close()
    return str(settings.data_dir)


def test_whole_and_in_pages(data):
    name = monitor_lists.MCI
    whole = run_cli("list", name, "--data", data, "--base", BASE)
    assert whole.returncode == 0, whole.stderr
    conn = open_figures(data)
    try:
        assert whole.stdout.encode() == document("csv", columns_of(name), figure(conn, name, None)).replace(
            b"\r\n", b"\n")  # text mode reads CRLF as LF
    finally:
        conn.close()
    lines, after, pages = [], [], 0
    while True:
        page = run_cli("list", name, "--data", data, "--base", BASE, "--limit", "25", *after)
        assert page.returncode == 0, page.stderr
        lines += page.stdout.splitlines()[1:]
        pages += 1
        found = re.search(r"--after (\S+)", page.stderr)
        if not found:
            break
        after = ["--after", found[1]]
    assert lines == whole.stdout.splitlines()[1:]
    assert pages == 3  # 60 objects


def test_a_bad_position_in_both_languages(data):
    for lang, text in (("en", "is not a position in this list"), ("nl", "is geen positie in deze lijst")):
        result = run_cli("list", monitor_lists.RELEASE, "--data", data, "--base", BASE, "--after", "WzFd",
                         "--lang", lang)
        assert result.returncode == 2 and text in result.stderr
    result = run_cli("list", "indicator-mci", "--data", data, "--base", BASE)
    assert result.returncode == 2 and "not a per-object list" in result.stderr
