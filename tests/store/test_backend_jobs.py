"""The jobs beyond the store-level suite on the SPARQL-server backend, with the history on a
second server too (``test_backends.WITH_HISTORY``), each as a user runs it, in its own process:
``passports harvest`` from a live peer (the peer's passports, versions and retirements; a second
run stores nothing), ``passports export`` (every version, read from both servers), ``passports
export --dumps`` and ``passports site build`` (pages and dumps from the servers)."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
from test_backends import WITH_HISTORY, backend_settings, servers  # noqa: F401 - the backend matrix's servers

from registry.store.registry import Registry
from tests.conftest import run_cli
from tests.importing.test_harvest import SERVER, _fill, passports
from tests.servers import serve_at_own_address


def _environment(settings) -> dict:
    return {"PASSPORTS_BACKEND": "sparql", "PASSPORTS_SPARQL_QUERY_URL": settings.sparql_query_url,
            "PASSPORTS_SPARQL_UPDATE_URL": settings.sparql_update_url,
            "PASSPORTS_SPARQL_GRAPH_STORE_URL": settings.sparql_graph_store_url,
            "PASSPORTS_SPARQL_HISTORY_QUERY_URL": settings.sparql_history_query_url,
            "PASSPORTS_SPARQL_HISTORY_UPDATE_URL": settings.sparql_history_update_url,
            "PASSPORTS_SPARQL_HISTORY_GRAPH_STORE_URL": settings.sparql_history_graph_store_url}


@pytest.mark.parametrize("backend", WITH_HISTORY)
def test_harvest_export_dumps_and_site_on_a_server_backend(tmp_path, servers, backend):  # noqa: F811
    settings = backend_settings(backend, tmp_path, servers)
    env, data = _environment(settings), str(settings.data_dir)
    with serve_at_own_address(tmp_path / "peer", feed_page_size=3, **SERVER) as peer:
        _fill(peer.registry, peer.base, 8)
        done = run_cli("harvest", peer.url + "/feed/passports", "--data", data, env=env)
        assert done.returncode == 0, done.stderr
        with Registry.open(settings, read_only=True) as local:
            taken = passports(local, peer.base)
            assert taken == passports(peer.registry, peer.base)
            assert sum(1 for kind, _ in (v for k, v in taken.items() if k != "retired") if kind == "versions") == 3
        again = run_cli("harvest", peer.url + "/feed/passports", "--data", data, env=env)
        assert again.returncode == 0 and "0 new, 0 updated" in again.stderr, again.stderr
    assert not settings.history_store_path.exists() and not settings.main_store_path.exists()

    exported = run_cli("export", "--data", data, "--output", str(tmp_path / "all.nq"), env=env)
    assert exported.returncode == 0, exported.stderr
    graphs = {q.graph_name.value for q in ox.parse(path=str(tmp_path / "all.nq"), format=ox.RdfFormat.N_QUADS)}
    assert sum(g.endswith(("/v/1", "/v/2")) for g in graphs) == 3  # the old versions, from the history server

    dumped = run_cli("export", "--data", data, "--dumps", str(tmp_path / "out"), env=env)
    assert dumped.returncode == 0, dumped.stderr
    manifest = json.loads((tmp_path / "out" / "dumps" / "manifest.json").read_text())
    assert manifest, manifest
    for path in (tmp_path / "out" / "dumps").glob("*.gz"):
        assert gzip.decompress(path.read_bytes())  # whole gzip files

    demo = run_cli("demo", "--data", data, "--size", "5", env=env)  # passports of its own beside the harvested
    assert demo.returncode == 0, demo.stderr
    built = run_cli("site", "build", str(tmp_path / "site"), "--data", data, "--no-progress", "--workers", "1",
                    env=env, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "passports 5 built" in built.stderr and "7 passports of other registries" in built.stderr, built.stderr
    assert len(list((tmp_path / "site" / "doc" / "passport").rglob("*.html"))) >= 5
    municipality = (tmp_path / "site" / "doc" / "municipality" / "GM0153.html").read_text()
    assert "/id/passport/GM0153/p1" in municipality  # linked to the peer, which publishes it
