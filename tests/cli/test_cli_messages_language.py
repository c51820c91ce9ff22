"""What the commands print on a demo store (summaries, tables, numbers) under ``--lang nl`` is Dutch,
numbers with a decimal comma; ``--lang en`` gives the English."""

from __future__ import annotations

import pytest
from conftest import run_cli

ENGLISH = ("created", "unchanged", "would be", "total ", "wrote ", "graphs", "written", "backup in",
           "main store", "compacted", "rows/s", "passports/s", "comma", " yes ", "Indicative", "of the live")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-messages")
    data = tmp / "data"
    done = run_cli("demo", "--size", "12", "--data", str(data), env={"PASSPORTS_LANG": ""})
    assert done.returncode == 0, done.stderr
    csv = run_cli("demo", "--size", "12", "-o", str(tmp / "demo.csv"), env={"PASSPORTS_LANG": ""})
    assert csv.returncode == 0, csv.stderr
    return {"DATA": str(data), "TMP": str(tmp)}


# arguments ({DATA}, {TMP} filled in), Dutch phrase, English phrase
CASES = [
    (["valuate", "--dry-run", "--date", "2026-12-31"], "zou worden gemaakt 12, ongewijzigd 0, totaal ",
     "would be created 12, unchanged 0, total "),
    (["export", "-o", "{TMP}/x-{LANG}.nq"], "(huidige versies)", "(current versions)"),
    (["backup", "{TMP}/backup-{LANG}"], "reservekopie in", "backup in"),
    (["geometries", "refresh"], "0 van 12 grafen gewijzigd (", "0 of 12 graphs changed ("),
    (["masses", "refresh"], "0 van 12 grafen gewijzigd (", "0 of 12 graphs changed ("),
    (["compact"], "opslag samengeperst in ", "store compacted in "),
    (["prices", "list"], "Indicatieve materiaalprijzen 2026", "Indicative material prices 2026"),
    (["import", "{TMP}/demo.csv", "-m", "GM0153", "--mapping", "demo-csv", "--dry-run"],
     "scheidingsteken komma ','", "separator comma ','"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c[0][:2]))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_printed_messages_speak_the_chosen_language(case, lang, store):
    args, dutch, english = case
    filled = [a.format(LANG=lang, **store) for a in args]
    done = run_cli("--lang", lang, *filled, "--data", store["DATA"], env={"PASSPORTS_LANG": ""})
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 0, said
    assert (dutch if lang == "nl" else english) in said, said
    if lang == "nl":
        assert not [word for word in ENGLISH if word in said], said


def test_numbers_have_a_decimal_comma_in_dutch():
    from registry.core.phrases import number

    assert number(125610.414, "nl", 2) == "125.610,41"
    assert number(125610.414, "en", 2) == "125,610.41"
    assert number(1234.5, "nl", 1) == "1.234,5"
