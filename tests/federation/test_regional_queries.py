"""Federation across processes: two peer registries (Enschede and Deventer demo data, each its own data
directory, each a `passports serve` process on a loopback port) and a regional instance whose SERVICE
allow-list names them. The regional saved queries answer the union the peers' own saved queries give
locally; a peer that is down, never answers or answers garbage is named in a partial answer (or fails the query when
partial answers are off) while the regional server keeps serving."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
from federation_support import free_port, garbage_peer, make_peer_data, peer_server, silent_peer
from servers import serve_at_own_address

from registry.store import named_queries

PEERS = (("GM0153", 11), ("GM0150", 12))
MPV = "https://w3id.org/materiaalpaspoort/id/"


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    root = tmp_path_factory.mktemp("federation")
    ports = [free_port() for _ in PEERS]
    dirs = []
    for (code, seed), port in zip(PEERS, ports):
        dirs.append(root / code / "data")
        make_peer_data(dirs[-1], port, code, 25, seed)
    with peer_server(dirs[0], ports[0]) as enschede, peer_server(dirs[1], ports[1]) as deventer:
        yield [enschede, deventer], dirs


def local_union(dirs, name: str) -> list[dict]:
    """What the peers' own (local) saved query answers, all peers together."""
    rows = []
    for data in dirs:
        store = ox.Store.read_only(str(data / "main"))
        rows += named_queries.select_plain(store, name)
    return rows


def regional(srv, name: str, **params):
    with srv.client(timeout=60) as c:
        return c.get(f"/regional/{name}", params=params)


def test_regional_passports_per_municipality_is_the_union_of_the_peers(peers, tmp_path):
    endpoints, dirs = peers
    with serve_at_own_address(tmp_path / "regional", service_allowlist=tuple(endpoints), query_workers=2) as srv:
        answer = regional(srv, "regional-passports-per-municipality")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["federation"] == {"peers": sorted(endpoints), "failed": {}}
        rows = body["results"]["bindings"]
        got = {(r["municipality"]["value"], int(r["passports"]["value"])) for r in rows}
        expected = {(r["municipality"], int(r["passports"])) for r in local_union(dirs, "count-passports-per-municipality")}
        assert got == expected == {(MPV + "municipality/GM0153", 25), (MPV + "municipality/GM0150", 25)}
        # the labels come from the regional instance's reference data, the peer from the binding
        assert {r["label"]["value"] for r in rows} == {"Enschede", "Deventer"}
        assert {r["peer"]["value"] for r in rows} == set(endpoints)


def test_regional_material_stock_is_the_union_of_the_peers(peers, tmp_path):
    endpoints, dirs = peers
    with serve_at_own_address(tmp_path / "regional", service_allowlist=tuple(endpoints), query_workers=2) as srv:
        answer = regional(srv, "regional-material-stock")
        assert answer.status_code == 200, answer.text
        got = {(r["municipality"]["value"], r["material"]["value"]): float(r["tonnes"]["value"])
               for r in answer.json()["results"]["bindings"]}
        expected = {(r["municipality"], r["material"]): float(r["tonnes"])
                    for r in local_union(dirs, "materials-stock-by-material")}
        assert len(got) > 10 and got.keys() == expected.keys()
        assert all(got[k] == pytest.approx(v, rel=1e-9) for k, v in expected.items())


def test_one_peer_through_the_saved_query_page_and_the_allow_list(peers, tmp_path):
    endpoints, _ = peers
    with serve_at_own_address(tmp_path / "regional", service_allowlist=(endpoints[0],)) as srv, srv.client() as c:
        one = c.get("/query/regional-passports-per-municipality", params={"peer": endpoints[0], "format": "json"})
        assert one.status_code == 200, one.text
        assert {b["municipality"]["value"] for b in one.json()["results"]["bindings"]} == {MPV + "municipality/GM0153"}
        # a peer that is not on the allow-list is refused before anything is sent
        other = c.get("/query/regional-passports-per-municipality", params={"peer": endpoints[1], "format": "json"})
        assert other.status_code == 403 and "PASSPORTS_SERVICE_ALLOWLIST" in other.text
        assert c.get("/regional/regional-passports-per-municipality", params={"peer": endpoints[1]}).status_code == 403
        # a variable SERVICE in a query of the public's own is still refused
        adhoc = c.get("/sparql", params={"query": f"SELECT * {{ BIND(<{endpoints[0]}> AS ?peer) SERVICE ?peer {{ ?s ?p ?o }} }}"})
        assert adhoc.status_code == 403


def test_a_peer_down_silent_or_lying_gives_a_partial_answer_and_the_region_keeps_serving(peers, tmp_path):
    endpoints, _ = peers
    down = f"http://127.0.0.1:{free_port()}/sparql"
    with silent_peer() as silent, garbage_peer() as garbage, serve_at_own_address(
            tmp_path / "regional", service_allowlist=(endpoints[0], down, silent, garbage), query_workers=3,
            federation_timeout=3.0) as srv, srv.client(timeout=60) as c:
        started = time.monotonic()
        answer = c.get("/regional/regional-passports-per-municipality")
        assert time.monotonic() - started < 20
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body["federation"]["failed"]) == {down, silent, garbage}
        assert "timeout" in body["federation"]["failed"][silent]
        assert set(answer.headers["X-Federation-Failed"].split()) == {down, silent, garbage}
        assert {r["municipality"]["value"] for r in body["results"]["bindings"]} == {MPV + "municipality/GM0153"}
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        strict = c.get("/regional/regional-passports-per-municipality", params={"partial": "0"})
        assert strict.status_code == 502
        assert down in strict.text and silent in strict.text and garbage in strict.text
        dutch = c.get("/regional/regional-passports-per-municipality", params={"partial": "0", "lang": "nl"})
        assert dutch.status_code == 502 and "andere registraties gaven geen antwoord" in dutch.text
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_regional_objects_within_distance_is_the_union_of_the_peers(peers, tmp_path):
    endpoints, dirs = peers
    point = {"lat": "52.25", "long": "6.5", "km": "40"}  # between Deventer and Enschede
    with serve_at_own_address(tmp_path / "regional", service_allowlist=tuple(endpoints), query_workers=2) as srv:
        answer = regional(srv, "regional-objects-within-distance", **point)
        assert answer.status_code == 200, answer.text
        got = {r["object"]["value"]: float(r["distanceKm"]["value"]) for r in answer.json()["results"]["bindings"]}
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    expected = {}
    for data in dirs:
        store = ox.Store.read_only(str(data / "main"))
        rows = named_queries.select_plain(store, "objects-within-distance",
                                          {k: ox.Literal(v, datatype=decimal) for k, v in point.items()})
        expected.update({r["object"]: float(r["distanceKm"]) for r in rows})
    assert {o.split("/")[-2] for o in got} == {"GM0153", "GM0150"}
    assert got.keys() == expected.keys()
    assert all(got[o] == pytest.approx(d, abs=1e-9) for o, d in expected.items())
