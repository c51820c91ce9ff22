"""The soak test of issue 15, in its 2-minute version (``bench/soak.py``; the 30-minute run is
documented in docs/benchmarks.md): a mixed read/write load at a fixed rate against a real
``passports serve`` gives no errors, flat memory and a stable p99."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_two_minutes_of_mixed_load_without_errors_leaks_or_slowdown(tmp_path):
    out = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "2", "--size", "200",
                           "--rate", "12", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert out.is_file(), done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["errors"] == 0, result["first_errors"]
    assert result["requests"] >= 0.95 * 2 * 60 * 12
    assert all(result["per_kind"][kind] > 0 for kind in ("page", "rdf", "sparql", "write"))
    assert result["rss_growth"] <= 1.25, result["rss_mib_samples"]
    assert result["p99_stable"], (result["first_third"], result["last_third"])
    assert done.returncode == 0, done.stdout[-3000:]
