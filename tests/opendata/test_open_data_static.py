"""Open data outside the live server: ``passports export --dumps DIR`` writes the dumps and their
manifest, and the static site holds the catalog (its dumps under the site's address), its page
and the VoID description."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
from conftest import run_cli
from pages_support import BASE, build_registry

DCAT = "http://www.w3.org/ns/dcat#"
SITE = "https://paspoorten.example.nl/"


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("static-opendata") / "data", size=8, seed=6)


def test_export_writes_every_dump_and_its_manifest(fixture, tmp_path):
    done = run_cli("export", "--dumps", str(tmp_path), "--data", str(fixture.data_dir), "--lang", "nl")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "dumps" / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    codes = {iri.rsplit("/", 3)[-2] for iri in fixture.iris}
    assert names == {"registry.nq.gz", "history.nq.gz", "reference.nq.gz"} | {f"{c}.ttl.gz" for c in codes}
    for entry in manifest["files"]:
        body = (tmp_path / entry["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["size"]
    assert f"{len(names)} bestanden geschreven" in done.stderr
    quads = ox.parse(gzip.decompress((tmp_path / "dumps" / "registry.nq.gz").read_bytes()),
                     format=ox.RdfFormat.N_QUADS)
    assert {iri for iri in fixture.iris} <= {q.graph_name.value for q in quads}


def test_static_site_holds_the_catalog_and_void(fixture, tmp_path):
    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    out = tmp_path / "site"
    build_site(Settings(data_dir=fixture.data_dir, base_iri=BASE), out, site_url=SITE)
    for rel in ("catalog.html", "en/catalog.html", "catalog.ttl", "catalog.jsonld", "catalog.rdf", "catalog.nt",
                ".well-known/void", "dumps/manifest.json"):
        assert (out / rel).is_file(), rel
    catalog = list(ox.parse((out / "catalog.ttl").read_bytes(), format=ox.RdfFormat.TURTLE))
    downloads = {t.object.value for t in catalog if t.predicate.value == DCAT + "downloadURL"}
    manifest = json.loads((out / "dumps" / "manifest.json").read_text())
    assert downloads == {SITE + f["path"] for f in manifest["files"]}
    for url in downloads:
        assert (out / url.removeprefix(SITE)).is_file()
    void = (out / ".well-known" / "void").read_bytes()
    assert b"void:classPartition" in void and SITE.encode() + b"dumps/registry.nq.gz" in void
    page = (out / "en" / "catalog.html").read_text()
    assert "Open data catalog" in page and 'href="../catalog.ttl"' in page
