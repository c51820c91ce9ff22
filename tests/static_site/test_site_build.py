"""``passports site build``: the static site from the same templates, and its incremental rebuild."""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from pages_support import BASE, build_registry

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r'(?:href|src)="([^"]+)"')


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("site") / "data", size=30, seed=5)


@pytest.fixture(scope="module")
def site(fixture, tmp_path_factory):
    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    out = tmp_path_factory.mktemp("out") / "site"
    report = build_site(Settings(data_dir=fixture.data_dir, base_iri=BASE), out, workers=2,
                        site_url="https://paspoorten.example.nl/")
    return out, report


def passport_file(out: Path, iri: str, suffix: str = ".html", lang: str = "nl") -> Path:
    rest = iri[len(BASE) + len("id/"):]
    return out / ("" if lang == "nl" else f"{lang}/") / "doc" / (rest + suffix)


def test_every_page_and_document_is_there(site, fixture):
    out, report = site
    assert report.passports_built == len(fixture.iris) + 1  # the retired one too
    for rel in ("index.html", "en/index.html", "municipality/index.html", "material/index.html",
                "concepts/index.html", "concepts/rstrategy.html", "ontology.html", "search.html",
                "downloads.html", "404.html", "sitemap.xml", "context.jsonld", "def.ttl",
                "static/css/site.css", "static/vendor/leaflet/leaflet.js",
                "doc/municipality/GM0153.html", "doc/material/concrete.html", "doc/rstrategy/R3.html",
                "doc/rstrategy/R3.ttl", "doc/objectkind/Bridge.html"):
        assert (out / rel).is_file(), rel
    for iri in fixture.iris:
        for suffix in (".html", ".ttl", ".jsonld", ".nt"):
            assert passport_file(out, iri, suffix).is_file(), (iri, suffix)
        assert passport_file(out, iri, lang="en").is_file()
    updated = passport_file(out, fixture.updated)
    assert fixture.new_title in updated.read_text()
    v1 = passport_file(out, fixture.updated + "/v/1")
    assert fixture.old_title in v1.read_text() and "U bekijkt versie 1" in v1.read_text()
    assert passport_file(out, fixture.updated + "/v/1", ".ttl").is_file()
    gone = passport_file(out, fixture.retired).read_text()
    assert "Gesloopt in 2026 voor nieuwbouw" in gone
    assert report.pages_per_second > 0


def test_rdf_files_parse_and_hold_the_passport(site, fixture):
    out, _ = site
    iri = fixture.updated
    for suffix, fmt in ((".ttl", ox.RdfFormat.TURTLE), (".nt", ox.RdfFormat.N_TRIPLES),
                        (".jsonld", ox.RdfFormat.JSON_LD)):
        path = passport_file(out, iri, suffix)
        options = {}
        if fmt == ox.RdfFormat.JSON_LD:
            # the document names the published context; resolve it from the site itself
            context = json.loads((out / "context.jsonld").read_text())["@context"]
            text = path.read_text().replace('"https://w3id.org/materiaalpaspoort/context.jsonld"',
                                            json.dumps(context))  # the stable URL, the site's file
            triples = list(ox.parse(text.encode(), fmt, **options))
        else:
            triples = list(ox.parse(path=str(path), format=fmt))
        titles = {t.object.value for t in triples
                  if t.subject == ox.NamedNode(iri) and t.predicate.value.endswith("/title")}
        assert fixture.new_title in titles, suffix


def _dumped(out: Path) -> list[ox.Quad]:
    with gzip.open(out / "dumps" / "registry.nq.gz") as stream:
        return list(ox.parse(stream, ox.RdfFormat.N_QUADS))


def test_dumps_hold_the_whole_store(site, fixture):
    """The workers' graphs (current and retired passports) and the provenance graph: the store."""
    out, _ = site
    quads = _dumped(out)
    store = ox.Store.read_only(str(fixture.data_dir / "main"))
    assert len(quads) == len(store)
    assert set(map(str, quads)) == set(map(str, store))
    with gzip.open(out / "dumps" / "history.nq.gz") as stream:
        graphs = {q.graph_name.value for q in ox.parse(stream, ox.RdfFormat.N_QUADS)}
    assert fixture.updated + "/v/1" in graphs


def test_sitemap_lists_every_passport(site, fixture):
    out, _ = site
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ElementTree.parse(out / "sitemap.xml")
    urls: set[str] = set()
    for loc in index.findall("s:sitemap/s:loc", ns):
        rel = loc.text.removeprefix("https://paspoorten.example.nl/")
        urls.update(u.text for u in ElementTree.parse(out / rel).findall("s:url/s:loc", ns))
    for iri in fixture.iris:
        rest = iri[len(BASE) + 3:]
        assert f"https://paspoorten.example.nl/doc/{rest}.html" in urls
        assert f"https://paspoorten.example.nl/en/doc/{rest}.html" in urls
    assert "https://paspoorten.example.nl/index.html" in urls


def test_every_relative_link_resolves_on_disk(site):
    """The site works from file://: every relative href/src names a file of the site."""
    out, _ = site
    broken: list[str] = []
    checked = 0
    for page in out.rglob("*.html"):
        for link in LINK.findall(page.read_text()):
            if link.startswith(("http://", "https://", "#", "mailto:", "data:", "/")):
                assert not link.startswith("/"), f"root-relative link {link} in {page}"
                continue
            target = (page.parent / unquote(link.split("#")[0].split("?")[0])).resolve()
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(out)} -> {link}")
    assert checked > 1000
    assert not broken, broken[:10]


def test_tables_of_overview_pages_are_csv_files_beside_them(site, fixture):
    """Every table of an overview page links its full data as a CSV file beside the page, in the
    page's language, with the same bytes as the live server's ``/table/NAME.csv``; a passport's
    tables are not written (its RDF documents are)."""
    from registry.core.settings import Settings
    from registry.model.terms import get_terms
    from registry.store.registry import Registry
    from registry.views.pages.tables import table_csv

    out, _ = site
    home = (out / "index.html").read_text()
    assert 'href="index.municipalities.csv"' in home and 'href="index.kinds.csv"' in home
    pages = sorted((out / "doc" / "municipality").glob("GM????.html"))
    code = next(p.stem for p in pages if f'/doc/municipality/{p.stem}.passports.csv"' in p.read_text())
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE), read_only=True)
    try:
        terms = get_terms()
        cases = [("index.municipalities.csv", "municipalities", {}, "nl"),
                 ("en/index.materials-in-use.csv", "materials-in-use", {}, "en"),
                 (f"doc/municipality/{code}.passports.csv", "passports", {"municipality": terms_iri(terms, code)},
                  "nl")]
        for rel, name, params, lang in cases:
            written = (out / rel).read_bytes()
            assert written == table_csv(registry, terms, name, params, lang), rel
            assert written.count(b"\r\n") > 1, rel
    finally:
        registry.close()
    page = passport_file(out, fixture.iris[0]).read_text()
    assert ".csv" not in page and "/table/" not in page


def terms_iri(terms, code: str) -> str:
    return next(iri for iri in terms.municipalities if iri.endswith(code))


def test_second_build_changes_nothing_and_a_new_version_rebuilds_one(site, fixture):
    from registry.core.settings import Settings
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.static_site.builder import build_site
    from registry.store.registry import Registry

    out, _ = site
    settings = Settings(data_dir=fixture.data_dir, base_iri=BASE)
    again = build_site(settings, out, workers=1, site_url="https://paspoorten.example.nl/")
    assert again.passports_built == 0 and again.pages_written == 0 and again.rdf_files == 0
    assert again.passports_unchanged == len(fixture.iris) + 1
    # a new version of one passport
    iri = fixture.iris[3]
    registry = Registry.open(settings)
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in registry.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
               if not q.predicate.value.startswith(("https://w3id.org/materiaalpaspoort/def#versionNumber",
                                                    "https://w3id.org/materiaalpaspoort/def#currentVersion",
                                                    "https://w3id.org/materiaalpaspoort/def#contentHash"))
               and q.predicate.value not in ("http://purl.org/dc/terms/created", "http://purl.org/dc/terms/modified")]
    label = ox.Triple(ox.NamedNode(iri), ox.NamedNode("http://purl.org/dc/terms/title"),
                      ox.Literal("Nieuwe titel voor de test", language="nl"))
    triples = [t for t in triples if not (t.predicate.value == "http://purl.org/dc/terms/title"
                                          and t.object.language == "nl")] + [label]
    report = registry.add([PassportDoc(owning_passport(BASE, iri), triples)])
    assert report.updated == [iri], report.rejected
    registry.close()
    third = build_site(settings, out, workers=1, site_url="https://paspoorten.example.nl/")
    assert third.passports_built == 1
    assert "Nieuwe titel voor de test" in passport_file(out, iri).read_text()
    assert passport_file(out, iri + "/v/2").is_file()
    # the overview pages that show the change are rewritten, the others are not
    assert 0 < third.pages_written < 60
    assert third.dumps_written
    # one passport read by the workers: the dump comes from the store, new version included
    quads = _dumped(out)
    store = ox.Store.read_only(str(fixture.data_dir / "main"))
    assert len(quads) == len(store) and "Nieuwe titel voor de test" in {q.object.value for q in quads}


def test_a_build_with_nothing_changed_renders_no_overview_page(site, fixture):
    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    out, _ = site
    again = build_site(Settings(data_dir=fixture.data_dir, base_iri=BASE), out, workers=2,
                       site_url="https://paspoorten.example.nl/")
    assert again.passports_built == 0 and again.pages_written == 0
    assert again.pages_unchanged == 4  # the downloads and catalog pages, nl and en: the only ones looked at


def test_current_version_page_equals_the_version_page_rendered_alone(site, fixture):
    """A passport page and the page of its current version share parts (rendered once, with
    relative links fixed per page); the bytes are those of each page rendered on its own."""
    from registry.core.settings import Settings
    from registry.model.terms import get_terms
    from registry.model.uris import owning_passport
    from registry.static_site.pages import render_static
    from registry.store.registry import Registry
    from registry.views.pages import contexts as pages

    out, _ = site
    terms = get_terms()
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE), read_only=True)
    try:
        # a passport another one names as predecessor: its version page leaves that out
        named = sorted(q.object.value for q in registry.store.quads_for_pattern(
            None, ox.NamedNode("https://w3id.org/materiaalpaspoort/def#predecessor"), None, None)
            if q.object.value in fixture.iris)
        assert named, "the demo data should have a passport with a successor"
        kinds = frozenset(terms.object_kinds)
        for iri in (fixture.updated, fixture.iris[5], named[0]):
            current = owning_passport(BASE, iri)
            for ref in (current, current.at(registry.current_version(current))):
                page = pages.passport(registry, terms, ref)
                for lang in ("nl", "en"):
                    rel, body = render_static(page, lang, BASE, terms, kinds, ("nl", "en"))
                    assert (out / rel).read_bytes() == body, rel
    finally:
        with contextlib.suppress(RuntimeError):  # a read-only store cannot flush
            registry.close()


def test_cli_builds_and_refuses_a_file_as_output(fixture, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    args = [sys.executable, "-m", "registry.cli", "site", "build", str(target), "--data",
            str(fixture.data_dir), "--base", BASE, "--no-progress"]
    bad = subprocess.run(args, check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert bad.returncode == 2 and "is a file" in bad.stderr
    out = tmp_path / "site"
    ok = subprocess.run(args[:5] + [str(out)] + args[6:] + ["--languages", "nl", "--workers", "1"],
                        check=False, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert ok.returncode == 0, ok.stderr
    assert "pages written" in ok.stderr
    assert (out / "index.html").is_file() and not (out / "en").exists()
    wrong = subprocess.run(args[:5] + [str(out)] + args[6:] + ["--languages", "fr"],
                           check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert wrong.returncode == 2 and "--languages" in wrong.stderr
