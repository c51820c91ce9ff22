"""The change feed (/feed/passports, docs/feed.md): an LDES whose pages follow the order of writes,
full pages immutable, retirements as tombstones, the order kept by a rebuild of DATA/feed.sqlite."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.model.uris import parse_passport_iri
from registry.store.feed_index import FeedReader
from registry.web.app import create_app
from tests.conftest import BASE, docs_from, passport_ttl

LDES, TREE, PROV = "https://w3id.org/ldes#", "https://w3id.org/tree#", "http://www.w3.org/ns/prov#"
NQUADS = {"Accept": "application/n-quads"}


@pytest.fixture
def feed_client(settings):
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1, feed_page_size=2,
                             feed_open_max_age=30))
    with TestClient(app) as client:
        yield client


def _write(registry) -> None:
    """Five events: b1 v1, b2 v1, b3 v1 (one batch, by IRI), b1 v2, the retirement of b2."""
    registry.add(docs_from(passport_ttl("b3") + passport_ttl("b1") + passport_ttl("b2")))
    registry.add(docs_from(passport_ttl("b1", amount="99")))
    registry.retire(parse_passport_iri(BASE, BASE + "id/passport/GM0153/b2"), "demolished")


def _quads(response) -> list[ox.Quad]:
    return list(ox.parse(response.content, format=ox.RdfFormat.N_QUADS))


def _members(response) -> list[str]:
    return [q.object.value for q in _quads(response) if q.predicate.value == TREE + "member"]


def test_root_is_an_event_stream_with_its_view(feed_client):
    answer = feed_client.get("/feed/passports", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
    graph = {(q.subject.value, q.predicate.value, q.object.value)
             for q in ox.parse(answer.content, format=ox.RdfFormat.TURTLE)}
    stream = BASE + "feed/passports"
    assert (stream, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", LDES + "EventStream") in graph
    assert (stream, LDES + "timestampPath", PROV + "generatedAtTime") in graph
    assert (stream, LDES + "versionOfPath", "http://purl.org/dc/terms/isVersionOf") in graph
    assert (stream, TREE + "view", stream + "/1") in graph
    assert answer.headers["vary"] == "Accept"


def test_pages_follow_the_order_of_writes_and_full_pages_are_immutable(feed_client):
    _write(feed_client.app.state.registry)
    pages = [feed_client.get(f"/feed/passports/{n}", headers=NQUADS) for n in (1, 2, 3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    passport = BASE + "id/passport/GM0153/"
    assert [_members(p) for p in pages] == [
        [passport + "b1/v/1", passport + "b2/v/1"], [passport + "b3/v/1", passport + "b1/v/2"],
        [passport + "b2/v/1#retired"]]
    for full in pages[:2]:
        assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
        relations = [q for q in _quads(full) if q.predicate.value == TREE + "relation"]
        assert len(relations) == 1
    assert pages[2].headers["cache-control"] == "public, max-age=30"
    assert not [q for q in _quads(pages[2]) if q.predicate.value == TREE + "relation"]
    # the relation leads to the next page, on the timestamp, with the last time of the page as value
    quads = _quads(pages[0])
    relation = next(q for q in quads if q.predicate.value == TREE + "node")
    value = next(q.object for q in quads if q.predicate.value == TREE + "value")
    kinds = {q.object.value for q in quads if q.subject == relation.subject and q.predicate.value.endswith("#type")}
    assert relation.object.value == BASE + "feed/passports/2"
    assert kinds == {TREE + "GreaterThanOrEqualToRelation"}
    times = [q.object.value for q in quads if q.predicate.value == PROV + "generatedAtTime"
             and q.graph_name == ox.DefaultGraph()]
    assert value.value == max(times)
    # revalidation: the same ETag, 304
    again = feed_client.get("/feed/passports/1", headers={**NQUADS, "If-None-Match": pages[0].headers["etag"]})
    assert again.status_code == 304
    assert feed_client.get("/feed/passports/1", headers=NQUADS).content == pages[0].content
    assert feed_client.get("/feed/passports/4").status_code == 404
    assert feed_client.get("/feed/passports/0").status_code == 404


def test_a_member_holds_its_version_in_its_own_graph_and_a_retirement_is_a_tombstone(feed_client):
    _write(feed_client.app.state.registry)
    quads = _quads(feed_client.get("/feed/passports/2", headers=NQUADS))
    passport = BASE + "id/passport/GM0153/b1"
    amounts = {q.object.value for q in quads if q.graph_name == ox.NamedNode(passport + "/v/2")
               and q.predicate.value.endswith("numericValue")}
    assert "99" in amounts and "120.5" not in amounts
    assert ox.Quad(ox.NamedNode(passport + "/v/2"), ox.NamedNode("http://purl.org/dc/terms/isVersionOf"),
                   ox.NamedNode(passport)) in quads
    tombstone = _quads(feed_client.get("/feed/passports/3", headers=NQUADS))
    member = ox.NamedNode(BASE + "id/passport/GM0153/b2/v/1#retired")
    kinds = {q.object.value for q in tombstone if q.subject == member and q.predicate.value.endswith("#type")}
    assert kinds == {"https://www.w3.org/ns/activitystreams#Delete"}
    assert not [q for q in tombstone if q.graph_name != ox.DefaultGraph()]


@pytest.mark.parametrize("accept,fmt", [("application/ld+json", ox.RdfFormat.JSON_LD),
                                        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                        ("application/trig", ox.RdfFormat.TRIG),
                                        ("text/turtle", ox.RdfFormat.TURTLE)])
def test_every_format_holds_the_same_members(feed_client, accept, fmt):
    _write(feed_client.app.state.registry)
    answer = feed_client.get("/feed/passports/1", headers={"Accept": accept})
    assert answer.headers["content-type"].startswith(accept)
    members = {q.object.value for q in ox.parse(answer.content, format=fmt)
               if q.predicate.value == TREE + "member"}
    assert members == set(_members(feed_client.get("/feed/passports/1", headers=NQUADS)))


def test_unacceptable_format_is_406_in_the_asked_language(feed_client):
    answer = feed_client.get("/feed/passports/1", headers={"Accept": "image/png", "Accept-Language": "nl"})
    assert answer.status_code == 406 and "de feed is beschikbaar als" in answer.text


def test_full_pages_are_kept_and_made_again_after_a_rebuild(feed_client):
    registry = feed_client.app.state.registry
    _write(registry)
    first = feed_client.get("/feed/passports/1", headers=NQUADS).content
    cache = registry.settings.data_dir / "cache" / "feed"
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == 1 and kept[0].endswith("-2-1.nq")
    assert feed_client.get("/feed/passports/3", headers=NQUADS).status_code == 200  # open: not kept
    assert len(list(cache.iterdir())) == 1
    registry.feed_index.rebuild(registry.store)  # a new epoch
    assert feed_client.get("/feed/passports/1", headers=NQUADS).content == first
    assert [p.name for p in cache.iterdir()] != kept and len(list(cache.iterdir())) == 1


def test_a_passport_written_again_after_its_retirement_keeps_its_last_version(feed_client):
    """Writing a retired passport again must not archive its tombstone over its last version: the
    feed's page holding that version (immutable) and the history would change."""
    registry = feed_client.app.state.registry
    _write(registry)
    before = feed_client.get("/feed/passports/1", headers=NQUADS).content
    version = ox.NamedNode(BASE + "id/passport/GM0153/b2/v/1")
    kept = sorted(str(q) for q in registry.history_store.quads_for_pattern(None, None, None, version))
    registry.add(docs_from(passport_ttl("b2", amount="98")))
    assert sorted(str(q) for q in registry.history_store.quads_for_pattern(None, None, None, version)) == kept
    shutil.rmtree(registry.settings.data_dir / "cache" / "feed")  # made again from the store
    assert feed_client.get("/feed/passports/1", headers=NQUADS).content == before
    assert _members(feed_client.get("/feed/passports/3", headers=NQUADS))[-1] == BASE + "id/passport/GM0153/b2/v/2"


def test_a_rebuilt_feed_index_keeps_the_order(registry, settings):
    _write(registry)
    reader = FeedReader(settings.data_dir)
    before = reader.events(1, 100)
    registry.feed_index.rebuild(registry.store)
    assert reader.events(1, 100) == before and len(before) == 5
    reader.close()


def test_the_feed_counts_against_the_anonymous_budget(settings):
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1, rate_limit_per_minute=2))
    with TestClient(app) as client:
        codes = [client.get("/feed/passports/1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_write_times_never_tie_so_a_rebuild_keeps_the_order():
    """Writes in the same millisecond get successive times (a rebuilt feed sorts by time)."""
    from registry.store.provenance import now
    times = [now().value for _ in range(500)]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_the_rebuild_orders_by_the_moment_not_by_the_text():
    """The store writes 12:00:00.020 as "12:00:00.02Z", which sorts after "12:00:00.026Z" as text."""
    from registry.store.feed_index import _instant
    stamps = ["2026-12-05T12:00:00.026Z", "2026-12-05T12:00:00.02Z", "2026-12-05T12:00:00Z",
              "2026-12-05T13:00:00.001+01:00"]
    assert sorted(stamps, key=_instant) == [stamps[2], stamps[3], stamps[1], stamps[0]]
