"""The monitor pages and the annual report, in-process: every figure's table equals its CSV
download (the saved query run with the same parameters), the figures follow every write, and
``passports report`` writes the numbers computed by hand for a small fixed registry."""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import BASE, docs_from, passport_ttl, run_cli

from registry.model.uris import owning_passport
from registry.query import saved as saved_queries
from registry.views.pages import monitor as page_monitor
from registry.views.pages.charts import bar_chart, nice_ticks

GM0153 = "https://w3id.org/materiaalpaspoort/id/municipality/GM0153"
CONCRETE = "https://w3id.org/materiaalpaspoort/id/material/concrete"
STEEL = "https://w3id.org/materiaalpaspoort/id/material/steel"
AMOUNTS = ("120.5", "200", "79.5")  # the deck concrete (t) of three bridges of GM0153; each railing 2.4 t steel
RELEASED = "2030-06-01"  # all released in 2030 (the example says 2045: beyond a ten-year forecast)


def bridge(key: str, amount: str, municipality: str = "GM0153") -> str:
    return passport_ttl(key, municipality=municipality, amount=amount).replace("2045-01-01", RELEASED)


@pytest.fixture
def filled(settings):
    """A registry of three bridges in GM0153 and one in GM0164 (the model's example passport)."""
    from registry.store.registry import Registry

    registry = Registry.open(settings)
    text = "\n".join(bridge(f"brug-{i}", a) for i, a in enumerate(AMOUNTS))
    text += bridge("brug-9", "50", "GM0164")
    report = registry.add(docs_from(text), source="urn:test:monitor")
    assert not report.rejected, report.rejected
    registry.close()
    return settings


@pytest.fixture
def client(filled):
    from fastapi.testclient import TestClient

    from registry.web.app import create_app

    app = create_app(replace(filled, query_workers=1, page_workers=0, parse_workers=1))
    with TestClient(app) as c:
        yield c


def figures_in(html: str) -> dict[str, tuple[list[list[str]], str]]:
    """Each figure section of a page: (the values of its table's cells, its CSV link)."""
    found = {}
    for section in re.findall(r'<section class="card figure" id="fig-([a-z0-9_-]+)"(.*?)</section>', html, re.DOTALL):
        key, body = section
        csv_link = re.search(r'<a class="csv" href="([^"]+)"', body)
        rows = [[unescape(v) for v in re.findall(r'data-value="([^"]*)"', tr)]
                for tr in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[-1], re.DOTALL)]
        found[key] = (rows, unescape(csv_link[1]) if csv_link else "")
    return found


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


def ready_page(client, path: str, seconds: float = 120.0):
    """The page once every figure is computed (they are computed in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        page = client.get(path)
        if 'class="computing"' not in page.text or time.monotonic() > deadline:
            return page
        time.sleep(0.5)


def column(rows_csv: str, name: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(rows_csv)))
    return [r[name] for r in rows]


@pytest.mark.parametrize("path", ["/monitor", "/monitor/GM0153?lang=en"])
def test_every_table_equals_its_csv_download(client, path):
    page = ready_page(client, path)
    assert page.status_code == 200
    figures = figures_in(page.text)
    assert set(figures) >= {f.key for f in page_monitor.FIGURES}
    checked = 0
    for key, (rows, link) in figures.items():
        if not link:  # a figure whose query is not in sparql/ (yet) says so and links nothing
            continue
        params = parse_qs(urlsplit(link).query)
        assert params["format"] == ["csv"]
        query = urlsplit(link).path.rsplit("/", 1)[-1]
        declared = {p.name for p in saved_queries.get(query).parameters}
        regional = next(f.region for f in page_monitor.FIGURES if f.key == key)
        if path != "/monitor" and "municipality" in declared and not regional:
            assert params["municipality"] == [GM0153]
        answer = client.get(link)
        assert answer.status_code == 200, (key, answer.text[:300])
        assert csv_rows(answer.text)[:page_monitor.TABLE_MAX] == rows, key
        checked += 1
    assert checked >= 3
    shown = client.get(unescape(re.search(r'<a class="show-query" href="([^"]+)"', page.text)[1]),
                       headers={"Accept": "text/html"})
    assert shown.status_code == 200 and "SELECT" in shown.text and "<table" in shown.text


def test_figures_follow_a_write(client):
    from registry.store.named_queries import select_plain

    registry = client.app.state.registry

    def concrete_kg() -> float:
        stock = next(f for f in page_monitor.monitor(registry, _terms(), GM0153, with_map=False)["figures"]
                     if f.key == "stock")
        rows = dict(zip(stock.column("material"), stock.column("massKg")))
        return float(rows[CONCRETE])

    assert concrete_kg() == 400_000.0  # (120.5 + 200 + 79.5) t
    registry.add(docs_from(bridge("brug-7", "10")), source="urn:test:monitor")
    assert concrete_kg() == 410_000.0
    registry.retire(owning_passport(BASE, BASE + "id/passport/GM0153/brug-0"), "gesloopt")
    assert concrete_kg() == 289_500.0
    for figure in page_monitor.monitor(registry, _terms(), GM0153, with_map=False)["figures"]:
        expected = select_plain(registry.store, figure.query, page_monitor._bindings(figure.query, figure.params))
        assert [[v for _, v in row] for row in figure.rows] == \
            [[r.get(c, "") for c in figure.columns] for r in expected], figure.key
    page = ready_page(client, "/monitor/GM0153")
    counts = figures_in(page.text)["comparison"][0]
    assert any(row[:1] == [GM0153] and "3" in row for row in counts)


def test_map_has_every_located_object(client):
    data = page_monitor.map_points(client.app.state.registry, GM0153)
    assert data["total"] == 3 and len(data["points"]) == 3
    lat, lon, _kind, label_nl, _, path = data["points"][0]
    assert 52.1 < lat < 52.3 and 6.8 < lon < 7.0  # RD (257000, 471000) near Enschede
    assert label_nl and path.startswith("/doc/passport/GM0153/brug-")
    page = ready_page(client, "/monitor/GM0153")
    assert 'id="monitor-map-data"' in page.text and "openstreetmap" not in page.text


def test_unknown_municipality_is_not_found(client):
    assert client.get("/monitor/GM9999").status_code == 404
    assert client.get("/monitor?municipality=%3Cb%3E").status_code == 404


def test_report_writes_the_hand_computed_numbers(filled, tmp_path):
    out = tmp_path / "report"
    done = run_cli("report", "--municipality", "GM0153", "--year", "2026", "--out", str(out), "--lang", "en",
                   env={"PASSPORTS_DATA": str(filled.data_dir), "PASSPORTS_BASE": BASE})
    assert done.returncode == 0, done.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html and "Annual report 2026" in html and "<svg" in html
    files = {p.name for p in out.iterdir()}
    spec = {f.key: f.query for f in page_monitor.FIGURES}
    for query in spec.values():
        assert f"{query}.csv" in files
    text = (out / f"{spec['release']}.csv").read_text(encoding="utf-8")
    released = {}
    for year, material, kg in zip(column(text, "releaseYear"), column(text, "material"), column(text, "massKg")):
        released[(year, material)] = released.get((year, material), 0.0) + float(kg)
    assert released == {("2030", CONCRETE): 400_000.0, ("2030", STEEL): 7_200.0}
    text = (out / f"{spec['stock']}.csv").read_text(encoding="utf-8")
    assert dict(zip(column(text, "material"), map(float, column(text, "massKg")))) == \
        {CONCRETE: 400_000.0, STEEL: 7_200.0}
    text = (out / f"{spec['origin']}.csv").read_text(encoding="utf-8")
    assert [float(v) for v in column(text, "primaryAbioticKg")] == [407_200.0]  # all primary, all abiotic
    text = (out / f"{spec['goal3']}.csv").read_text(encoding="utf-8")  # valued on 2026-01-01: within 12 months
    assert [float(v) for v in column(text, "massShare")] == [1.0]
    text = (out / f"{spec['comparison']}.csv").read_text(encoding="utf-8")
    assert dict(zip(column(text, "municipality"), column(text, "passports")))[GM0153] == "3"
    assert "100 %" in html  # goal 2 and goal 3 on the page, in percent
    bad = run_cli("report", "--municipality", "GM9999", "--out", str(tmp_path / "x"),
                  env={"PASSPORTS_DATA": str(filled.data_dir), "PASSPORTS_BASE": BASE})
    assert bad.returncode == 2 and "GM9999" in bad.stderr


def test_yearly_chart_has_a_tick_per_year_and_a_zero_baseline():
    chart = bar_chart([("2027", "", 5.0), ("2030", "", 2.0)], years=True)
    assert [label["text"] for label in chart["labels"]] == ["2027", "2028", "2029", "2030"]
    assert len(chart["bars"]) == 2 and chart["ticks"][0]["value"] == 0
    assert chart["ticks"][0]["y"] == chart["baseline"]
    stacked = bar_chart([("a", "x", 1.0), ("a", "y", 2.0)])
    assert [entry["name"] for entry in stacked["legend"]] == ["x", "y"]
    assert nice_ticks(0) == [0.0, 1.0] and nice_ticks(7)[-1] >= 7
    many = bar_chart([("2030", f"m{i}", float(i + 1)) for i in range(14)], years=True)
    assert [entry["name"] for entry in many["legend"]][-1] == "other" and len(many["legend"]) == 10
    assert sum(b["value"] for b in many["bars"]) == sum(range(1, 15))  # nothing lost in "other"


def _terms():
    from registry.model.terms import get_terms

    return get_terms()


def test_background_figures_are_never_of_an_older_generation():
    import threading

    from registry.views.pages.fresh import BackgroundMemo, ready

    generation = ["1"]
    release = threading.Event()
    memo = BackgroundMemo(lambda: generation[0])

    def slow():
        release.wait(10)
        return "value of " + generation[0]

    assert not ready(memo.get("k", slow, time.monotonic() + 0.05))  # not ready: the page says computing
    release.set()
    assert memo.get("k", slow) == "value of 1"
    assert memo.get("k", lambda: "computed again") == "value of 1"  # same generation: kept
    generation[0] = "2"  # a write: the old value is not served
    assert memo.get("k", lambda: "value of 2", None) == "value of 2"
