"""``passports query --name indicator-*`` answers from the monitor aggregates when they are clean
(the rows of the saved query, the same output), and runs the saved query when they are dirty."""

from __future__ import annotations

import json
import sqlite3

from conftest import BASE, run_cli

from registry.core.settings import Settings
from registry.query import saved
from registry.store import named_queries
from registry.store.monitor_index import MONITOR_FILE
from registry.store.registry import Registry

GM0153 = "https://w3id.org/materiaalpaspoort/id/municipality/GM0153"


def cli_rows(data, name: str, *params: str) -> list[dict[str, str]]:
    args = [a for p in params for a in ("--param", p)]
    result = run_cli("query", "--name", name, *args, "--format", "json", "--data", str(data), "--base", BASE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def store_rows(data, name: str, **values: str) -> list[dict[str, str]]:
    registry = Registry.open(Settings(data_dir=data, base_iri=BASE), read_only=True)
    try:
        bindings = saved.get(name).bindings(values)
        rows = named_queries.select_plain(registry.store, name, {v.value: t for v, t in bindings.items()})
    finally:
        registry.close()
    return rows


def test_indicators_from_the_aggregates_and_from_the_store_when_dirty(tmp_path):
    data = tmp_path / "data"
    assert run_cli("demo", "--size", "40", "--data", str(data), "--base", BASE).returncode == 0
    stock = cli_rows(data, "indicator-stock-by-material", f"municipality={GM0153}")
    want = store_rows(data, "indicator-stock-by-material", municipality=GM0153)
    assert stock and [{k: v for k, v in row.items() if v != ""} for row in stock] == want
    release = cli_rows(data, "indicator-release-forecast", "year=2030")
    assert release and all(row["year"] == "2030" for row in release)
    assert {row["year"] for row in cli_rows(data, "indicator-release-forecast")} == {""}  # not given: unbound
    conn = sqlite3.connect(data / MONITOR_FILE)
    try:
        groups = conn.execute("SELECT COUNT(*) FROM t_passport").fetchone()[0]
        with conn:  # wrong figures, clean: read (so the command does use them)
            conn.execute("UPDATE t_passport SET passports = passports + 1000")
        objects = int(store_rows(data, "indicator-goal3-valued-share")[0]["objects"])
        assert cli_rows(data, "indicator-goal3-valued-share")[0]["objects"] == str(objects + 1000 * groups)
        with conn:  # the same, dirty: the saved query answers
            conn.execute("UPDATE meta SET value = 'dirty' WHERE key = 'state'")
        assert cli_rows(data, "indicator-goal3-valued-share")[0]["objects"] == str(objects)
    finally:
        conn.close()
