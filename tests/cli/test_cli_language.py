"""Every command's common error paths and summaries speak the chosen language: ``--lang nl`` gives
Dutch (exact phrases, and none of the English marker words), ``--lang en`` English, and
``PASSPORTS_LANG=nl`` Dutch for a command run without ``--lang``. (Help pages and Typer's own usage
errors: tests/cli/test_cli_help_language.py.)"""

from __future__ import annotations

import pytest
from conftest import run_cli

NOPE = "http://localhost:8000/id/passport/GM0153/nope"
ENGLISH_MARKERS = (" not ", "error:", "passport(s)", "(s)", " no such ", " is not ")

# (arguments; {DATA} and {TMP} are filled in), exit code, English phrase, Dutch phrase
CASES = [
    (["validate", "{TMP}/missing.ttl"], 2, "error: {TMP}/missing.ttl: no such file",
     "fout: {TMP}/missing.ttl: dat bestand bestaat niet"),
    (["validate", "{TMP}/broken.ttl", "--engine", "x"], 2, "unknown engine 'x'; use fast or pyshacl",
     "onbekende controlemethode 'x'; gebruik fast of pyshacl"),
    (["validate", "{TMP}/broken.ttl"], 2, "RDF syntax error", "fout in de RDF-syntax"),
    (["add", "{TMP}/broken.ttl", "--data", "{DATA}"], 2, "Nothing after the last complete batch was stored",
     "Na de laatste volledige reeks is niets opgeslagen"),
    (["query"], 2, "give a .rq file or --name NAME (one of them)",
     "geef een .rq-bestand of --name NAAM (een van beide)"),
    (["query", "{TMP}/broken.ttl", "--param", "a=b"], 2, "--param works with --name",
     "--param werkt met --name"),
    (["show", NOPE, "--format", "pdf", "--data", "{DATA}"], 2, "unknown format 'pdf'; use one of ttl, nt, jsonld",
     "onbekend formaat 'pdf'; gebruik een van ttl, nt, jsonld"),
    (["export", "--data", "{TMP}/none"], 2, "no registry at {TMP}/none: run `passports init`",
     "geen register in {TMP}/none: geef eerst `passports init`"),
    (["show", NOPE, "--data", "{DATA}"], 1, f"{NOPE} is not in this registry", f"{NOPE} staat niet in dit register"),
    (["show", "http://localhost:8000/id/thing/x", "--data", "{DATA}"], 2, "is not a passport IRI of this registry",
     "is geen paspoort-IRI van dit register"),
    (["history", NOPE, "--data", "{DATA}"], 1, "has no versions in this registry",
     "heeft geen versies in dit register"),
    (["retire", NOPE, "--reason", "x", "--data", "{DATA}"], 1, "is absent, not a current passport",
     "is niet in dit register, geen actueel paspoort"),
    (["export", "--format", "rdf", "--data", "{DATA}"], 2, "use one of nq, trig, ttl",
     "gebruik een van nq, trig, ttl"),
    (["import", "{TMP}/broken.ttl", "-m", "GM0153", "--mapping", "x", "--export-date", "gisteren",
      "--data", "{DATA}"], 2, "--export-date 'gisteren' is not a date like 2026-03-01",
     "--export-date 'gisteren' is geen datum zoals 2026-03-01"),
    (["valuate", "--date", "morgen", "--data", "{DATA}"], 2, "--date 'morgen' is not a date like 2026-12-31",
     "--date 'morgen' is geen datum zoals 2026-12-31"),
    (["valuate", "--date", "2026-12-31", "-m", "XX1", "--data", "{DATA}"], 2,
     "municipality code 'XX1' is not a CBS code like GM0153", "gemeentecode 'XX1' is geen CBS-code zoals GM0153"),
    (["prices", "import", "{TMP}/broken.ttl", "--name", "x", "--valid-until", "2026"], 2,
     "--valid-until '2026' is not a date like 2026-12-31", "--valid-until '2026' is geen datum zoals 2026-12-31"),
    (["site", "build", "{TMP}/broken.ttl", "--data", "{DATA}"], 2, "is a file; give a folder for the site",
     "is een bestand; geef een map voor de site"),
    (["site", "build", "{TMP}/site", "--languages", "fr"], 2, "--languages takes nl and/or en, not fr",
     "--languages neemt nl en/of en, niet fr"),
    (["token", "create", "-m", "GM9999", "--data", "{DATA}"], 2, "'GM9999' is not a known municipality",
     "'GM9999' is geen bekende gemeente"),
    (["token", "revoke", "abc", "--data", "{DATA}"], 2, "no token with id 'abc'", "geen token met id 'abc'"),
    (["masses", "refresh", "--data", "{DATA}"], 0, "0 of 0 graphs changed", "0 van 0 grafen gewijzigd"),
    (["demo", "--size", "1", "-o", "{TMP}/demo.csv"], 0, "1 passport, 4 rows -> ", "1 paspoort, 4 rijen -> "),
    (["demo", "--size", "-1", "--data", "{TMP}/demo-data"], 2, "size must be 0 or more, not -1",
     "het aantal moet 0 of meer zijn, niet -1"),
    (["demo", "--size", "1", "--municipality", "GM9999", "--data", "{TMP}/demo-data"], 2,
     "unknown municipality code(s) GM9999", "onbekende gemeentecode GM9999"),
    (["demo", "--size", "1", "-o", "{TMP}/demo.foo"], 2, "unknown RDF format 'foo'", "onbekend RDF-formaat 'foo'"),
    (["demo", "--size", "1", "--base", "not an iri", "-o", "{TMP}/demo.nq"], 2, "is not an absolute IRI",
     "is geen absolute IRI"),
    (["harvest", "http://127.0.0.1:9/feed/passports", "--data", "{DATA}"], 2,
     "http://127.0.0.1:9/feed/passports: the connection failed",
     "http://127.0.0.1:9/feed/passports: de verbinding mislukte"),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-language")
    (tmp / "broken.ttl").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    return {"TMP": str(tmp), "DATA": str(tmp / "data")}


def _run(args, places, lang_args, env=None):
    filled = [a.format(**places) for a in args]
    return run_cli(*filled, *lang_args, env={"PASSPORTS_LANG": "", **(env or {})})


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c[0][:2]))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_error_paths_speak_the_chosen_language(case, lang, places):
    args, code, english, dutch = case
    done = _run(args, places, ["--lang", lang])
    said = " ".join((done.stdout + done.stderr).split())
    expected = (dutch if lang == "nl" else english).format(**places)
    assert done.returncode == code, said
    assert expected in said, said
    if lang == "nl" and "RDF-syntax" not in said:  # the parser's own description stays English
        assert not [m for m in ENGLISH_MARKERS if m in said], said
        assert english.format(**places) not in said


def test_the_environment_chooses_dutch_without_lang(places):
    done = _run(["show", NOPE, "--data", "{DATA}"], places, [], env={"PASSPORTS_LANG": "nl"})
    assert done.returncode == 1
    assert f"fout: {NOPE} staat niet in dit register" in done.stderr
