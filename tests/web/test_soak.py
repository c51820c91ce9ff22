"""The soak test of issue 15, in its 2-minute version (``bench/soak.py``; the 30-minute run is
documented in docs/benchmarks.md): a mixed read/write load at a fixed rate against a real
``passports serve`` gives no errors, flat memory and a stable p99. The monitor page is left out of
its mix and has a test of its own: between writes it grew a page worker without bound (found by
the first soak runs, docs/benchmarks.md "Soak"), while its figures were saved queries recomputed
for every store generation; they come from the monitor aggregates and the search index now, and
a computation for an outdated generation is dropped (``views/pages/fresh.py``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT


def summary(result: dict) -> str:
    return json.dumps({k: result.get(k) for k in ("requests", "errors", "first_errors", "first_third", "last_third",
                                                  "rss_growth", "largest_processes_mib",
                                                  "largest_processes_split_mib", "slowest_requests",
                                                  "server_log_tail")})[:8000]


@pytest.mark.slow
def test_two_minutes_of_mixed_load_without_errors_leaks_or_slowdown(tmp_path):
    out = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "2", "--size", "200",
                           "--rate", "12", "--max-rss-mib", "2048", "--out", str(out),
                           "--pages", "PASSPORT", "/", "/municipality/", "/search?q=brug"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert out.is_file(), done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["errors"] == 0, summary(result)
    assert result["requests"] >= 0.95 * 2 * 60 * 12, summary(result)
    assert all(result["per_kind"][kind] > 0 for kind in ("page", "rdf", "sparql", "write"))
    assert result["rss_growth"] <= 1.25, summary(result)
    assert result["p99_stable"], summary(result)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.slow
def test_the_monitor_page_between_writes_keeps_memory_bounded(tmp_path):
    out = tmp_path / "soak.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "1", "--size", "200",
                    "--rate", "12", "--max-rss-mib", "1500", "--pages", "/monitor/GM0153", "--out", str(out)],
                   cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    result = json.loads(out.read_text())
    assert result["errors"] == 0, summary(result)
    assert result["per_kind"]["write"] > 0 and result["per_kind"]["page"] > 0, summary(result)
    assert result["rss_growth"] <= 1.25, summary(result)

