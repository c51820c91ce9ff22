"""``passports prices import|list`` and ``passports valuate`` on the command line: a Dutch price file
(cp1252, semicolons, decimal commas), bad rows reported with row, column, value and reason, exit codes."""

from __future__ import annotations

from conftest import DATA, run_cli

GOOD = "materiaal;prijs;eenheid;bron;geldigheid\nBeton;14,50;ton;offerte 2026;2026\nstaal;310;t;;\nKlinkers;1,20;stuk;;\n"
BAD = "materiaal;prijs;eenheid\nunobtainium;14,50;ton\nstaal;-3;t\nbéton;abc;vat\nBeton;12;ton\n"


def test_price_import_valuate_and_bad_rows(tmp_path):
    env = {"PASSPORTS_DATA": str(tmp_path / "data")}
    assert run_cli("add", str(DATA / "brug-0042.ttl"), env=env).returncode == 0
    good = tmp_path / "prijzen.csv"
    good.write_bytes(GOOD.encode("cp1252"))
    first = run_cli("prices", "import", str(good), "--name", "twente-2026", "--source", "offerte", env=env)
    assert first.returncode == 0, first.stderr
    assert "imported" in first.stdout and "3 prices" in first.stdout
    again = run_cli("prices", "import", str(good), "--name", "twente-2026", "--source", "offerte", env=env)
    assert again.returncode == 0 and "unchanged" in again.stdout
    bad = tmp_path / "fout.csv"
    bad.write_bytes(BAD.encode("cp1252"))
    refused = run_cli("prices", "import", str(bad), "--name", "fout", env=env)
    assert refused.returncode == 1
    for expected in ("row 2, column materiaal, value 'unobtainium'", "row 3, column prijs, value '-3'",
                     "row 4, column prijs, value 'abc'", "row 4, column eenheid, value 'vat'",
                     "nothing was stored"):
        assert expected in refused.stderr, refused.stderr
    listed = run_cli("prices", "list", env=env)
    assert "twente-2026" in listed.stdout and "fout" not in listed.stdout
    valued = run_cli("valuate", "--date", "2026-12-31", env=env)
    assert valued.returncode == 0 and "created 1, unchanged 0" in valued.stdout, valued.stderr
    assert "unchanged 1" in run_cli("valuate", "--date", "2026-12-31", env=env).stdout
    assert run_cli("valuate", "--date", "2026-13-01", env=env).returncode == 2
    unknown = run_cli("valuate", "--date", "2026-12-31", "--price-list", "http://example.org/x", env=env)
    assert unknown.returncode == 2 and "price_list" in unknown.stderr


def test_import_with_valuate_date_values_what_was_imported(tmp_path):
    """The export made like a real one (no values, management phase): stored with "not yet valued"
    warnings, then valued in the same command; each valid object gets one record."""
    env = {"PASSPORTS_DATA": str(tmp_path / "data")}
    export = DATA / "import" / "imbor-beheer-zonder-waarde-cp1252.csv"
    done = run_cli("import", str(export), "-m", "GM0153", "--mapping", "imbor-openbare-ruimte",
                   "--valuate-date", "2026-12-31", "--lang", "en", env=env)
    assert "created 6, unchanged 0" in done.stdout, done.stdout + done.stderr
    again = run_cli("valuate", "--date", "2026-12-31", "--municipality", "GM0153", env=env)
    assert "created 0, unchanged 6" in again.stdout
    assert run_cli("import", str(export), "-m", "GM0153", "--mapping", "imbor-openbare-ruimte",
                   "--valuate-date", "31-12-2026", env=env).returncode == 2
