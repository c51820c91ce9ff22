"""A 50 MB export: streamed with flat memory (peak RSS measured in a child process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

HEADER = ("Identificatie;Objecttype;Omschrijving;Straatnaam;Materiaal;Aanlegjaar;Lengte;Breedte;Hoogte;Dikte;"
          "Hoeveelheid;Eenheid;Conditiescore;X;Y;Vervangingswaarde;Peildatum\n")
NOTE = "Bank met rugleuning, hardhouten latten op gietijzeren poten, geplaatst bij herinrichting " * 3
CHILD = """
import json, resource, sys
from pathlib import Path
from registry.core.settings import Settings
from registry.store.registry import Registry
from importers.pipeline import import_file
registry = Registry.open(Settings(data_dir=Path(sys.argv[2]), base_iri="http://localhost:8000/"))
result = import_file(registry, sys.argv[1], "GM0153", "imbor-openbare-ruimte", report_path=sys.argv[3])
registry.close()
print(json.dumps({"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "created": result.created,
                  "rejected": result.rejected, "rows": result.rows_read,
                  "problems": result.problem_counts}))
"""


def write_export(path: Path, target_bytes: int, valid: int = 300) -> int:
    """IMBOR rows: ``valid`` good objects, then rows that each fail before validation (unknown
    material, text in a number column, a position outside the municipality), until the size is reached."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        size = len(HEADER)
        while size < target_bytes:
            i = rows
            x, y = 255000 + (i % 5000) * 1.5, 468000 + (i % 3000) * 2.5
            material, amount = "hardhout", "0,35"
            if i >= valid:
                kind = i % 3
                if kind == 0:
                    material = f"onbekend materiaal {i % 97}"
                elif kind == 1:
                    amount = "ongeveer een halve kuub"
                else:
                    x, y = 121819.37, 487013.76
            line = (f"BNK-{i:07d};Zitbank;{NOTE}{i};Straat {i % 400};{material};2015;;;;;{amount};m3;2;"
                    f"{x:.2f}".replace(".", ",") + ";" + f"{y:.2f}".replace(".", ",") + ";1.250,00;01-01-2026\n")
            fh.write(line)
            size += len(line.encode("utf-8"))
            rows += 1
    return rows


def run_child(export: Path, tmp: Path, name: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(export), str(tmp / f"data-{name}"),
                           str(tmp / f"report-{name}.csv")], capture_output=True, text=True, cwd=ROOT,
                          timeout=1200, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_50_mb_export_streams_with_bounded_memory(tmp_path):
    small = tmp_path / "small.csv"
    small_rows = write_export(small, 1_000_000)
    big = tmp_path / "big.csv"
    big_rows = write_export(big, 50 * 2**20)
    assert big.stat().st_size >= 50 * 2**20 and big_rows > 50 * small_rows
    baseline = run_child(small, tmp_path, "small")
    measured = run_child(big, tmp_path, "big")
    assert measured["rows"] == big_rows and measured["created"] == 300
    assert measured["rejected"] == big_rows - 300
    assert set(measured["problems"]) >= {"Violation: unknown material", "Violation: not a number",
                                         "Violation: outside municipality"}
    with open(tmp_path / "report-big.csv", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) >= big_rows - 300  # one line per refused row, written as it went
    growth_mb = (measured["rss_kb"] - baseline["rss_kb"]) / 1024
    print(f"\n50 MB export, {big_rows} rows: peak RSS {measured['rss_kb'] / 1024:.0f} MB, "
          f"small file {baseline['rss_kb'] / 1024:.0f} MB, growth {growth_mb:.0f} MB")
    # The file is 50 MB; holding it (or its rows as Python objects) would add far more than this.
    assert growth_mb < 60
