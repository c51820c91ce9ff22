"""Every table of the pages links the CSV of its full data, and that CSV holds what the table shows:
the same rows in the same order, the same labels (in the page's language) and the same numbers
(the page rounds them; the CSV has them plain). Checked on every page type with tables, in Dutch and
English, against a live server."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from pages_support import doc_path, served

# table name -> for each column the page shows, the CSV column that holds it (None: not compared)
COLUMNS = {
    "municipalities": [0, 2], "kinds": [0, 2], "materials-in-use": [0, 2, 3],
    "materials": [0, 2, None, 5, 6, 7], "material-usage": [0, 2, 3],
    "passports": [0, 1, 2, 3], "passports-no-municipality": [0, 1, 3],
    "passport-materials": [0, 2, None, 5, 6], "passport-quantities": [1, 2, 4, 6, 7, 8, 9],
    "passport-valuations": [0, 1, 3, 4], "passport-history": [0, 1, 2, None, None],
    "saved-queries": [1, 2, None],
}
CUT = {"materials-in-use", "passports"}
NUMBER = re.compile(r"-?[0-9][0-9.,]*")


class Tables(HTMLParser):
    """The tables of a page (rows of cell texts) and its CSV links, in document order."""

    def __init__(self):
        super().__init__()
        self.items: list = []  # ("table", rows) or ("csv", href)
        self.rows = self.row = self.cell = None
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.rows = []
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.rows is not None and not self.in_head:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")
        elif tag == "a" and (attrs.get("href") or "").startswith("/table/"):
            self.items.append(("csv", attrs["href"]))

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag == "td" and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag == "table" and self.rows is not None:
            self.items.append(("table", self.rows))
            self.rows = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def number(text: str, lang: str) -> tuple[float, int] | None:
    found = NUMBER.search(text)
    if not found:
        return None
    raw = found.group().rstrip(".,")
    thousands, decimal = (".", ",") if lang == "nl" else (",", ".")
    raw = raw.replace(thousands, "").replace(decimal, ".")
    digits = len(raw.partition(".")[2])
    return float(raw), digits


def same(shown: str, value: str, lang: str) -> bool:
    if shown in ("", "–", "geen massa", "no mass"):
        return value == ""
    if shown == value or value and value in shown:
        return True
    if value.replace("T", " ")[:19] == shown[:19]:  # a time shown with seconds
        return True
    found = number(shown, lang)
    try:
        plain = float(value)
    except ValueError:
        return False
    if found is None:
        return False
    if shown.endswith("%"):
        plain *= 100
    amount, digits = found
    return abs(plain - amount) <= 0.5 * 10 ** -digits + 1e-9


def check_page(client, path: str, lang: str) -> list[str]:
    """Compare each CSV linked on the page with the tables shown above its link; the names checked."""
    page = client.get(path, params={"lang": lang})
    assert page.status_code == 200, path
    parser = Tables()
    parser.feed(page.text)
    checked, shown = [], []
    for kind, item in parser.items:
        if kind == "table":
            shown += item
            continue
        href = item.replace("&amp;", "&")
        name = href.split("/table/")[1].split(".csv")[0]
        answer = client.get(href)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv"), href
        rows = list(csv.reader(io.StringIO(answer.text)))[1:]
        key = name
        if name == "passports" and shown and len(shown[0]) == 3:
            key = "passports-no-municipality"
        if name in CUT:  # the page shows the first rows (a top 15, a page of a list), the CSV all
            assert len(rows) >= len(shown), (path, lang, name, len(rows), len(shown))
            rows = rows[:len(shown)]
        assert len(rows) == len(shown), (path, lang, name, len(rows), len(shown))
        for row_shown, row in zip(shown, rows, strict=True):
            for column, text in zip(COLUMNS[key], row_shown, strict=True):
                if column is not None:
                    assert same(text, row[column], lang), (path, lang, name, text, row_shown, row)
        checked.append(name)
        shown = []
    return checked


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from served(tmp_path_factory, "tables", size=14, seed=6)


def test_every_table_has_its_data_as_csv(server):
    fixture = server.fixture
    from registry.model.uris import owning_passport

    ref = owning_passport(server.registry.base, fixture.updated)
    kind = re.search(r'href="(/doc/objectkind/[A-Za-z]+)"', server.client().get("/").text).group(1)
    paths = ["/", "/material/", "/query/", f"/doc/municipality/{ref.municipality}", "/doc/material/concrete",
             kind, doc_path(fixture.updated),
             doc_path(fixture.updated) + "/v/1", "/doc/rstrategy/R8"]
    seen: set[str] = set()
    with server.client() as client:
        for lang in ("nl", "en"):
            for path in paths:
                seen.update(check_page(client, path, lang))
    assert seen == set(COLUMNS) - {"passports-no-municipality"}, set(COLUMNS) - seen


def test_table_csv_refuses_unknown_tables_and_missing_parameters(server):
    with server.client() as client:
        assert client.get("/table/nothing.csv").status_code == 404
        missing = client.get("/table/passports.csv")
        assert missing.status_code == 404 and "municipality" in missing.text
