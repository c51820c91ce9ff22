"""``passports harvest`` against a hostile peer (``feed_peer``): a feed that loops, pages that lie
about their order or size, invalid RDF in the middle of a page, a page over the limit, a peer that
never answers. Each is a clear error naming the page (exit code 2 on the command line, in Dutch
with --lang nl) and nothing of that page is stored."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from importers.harvest import HarvestError, harvest
from registry.model.uris import owning_passport
from tests.conftest import run_cli
from tests.importing.feed_peer import Answer, Peer

T1, T2, T3 = "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z"


@pytest.fixture
def peer():
    with Peer() as served:
        served.root()
        yield served


def _status(registry, peer, key: str) -> str:
    return registry.status(owning_passport(peer.base, peer.passport_iri(key)))


def _fails(registry, settings, peer, page: int, words: str) -> HarvestError:
    with pytest.raises(HarvestError) as caught:
        harvest(registry, peer.url + "/feed/passports", settings)
    message = caught.value.message("en")
    assert message.startswith(f"{peer.base}feed/passports/{page}: ") and words in message, message
    assert caught.value.exit_code == 2
    return caught.value


def test_a_good_peer_is_taken_in(registry, settings, peer):
    """The crafted pages themselves are valid: without a fault they are taken in."""
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1), ("a2", 1, T2)], next_page=2))
    peer.pages["/feed/passports/2"] = Answer(peer.page(2, [("a1", 2, T3)]))
    report = harvest(registry, peer.url + "/feed/passports", settings)
    assert (report.pages, len(report.added.created), len(report.added.updated)) == (2, 2, 1)
    assert not report.added.rejected


def test_a_member_that_does_not_conform_is_refused_and_the_others_are_taken_in(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1), ("a2", 1, T2, "-5"), ("a3", 1, T3)]))
    report = harvest(registry, peer.url + "/feed/passports", settings)
    assert [v.iri for v in report.added.rejected] == [peer.passport_iri("a2")]
    assert [_status(registry, peer, k) for k in ("a1", "a2", "a3")] == ["current", "absent", "current"]


def test_a_busy_peer_is_waited_for(registry, settings, peer):
    """429 with Retry-After (a peer's budget, as this registry's own feed answers) is waited out."""
    answers = iter([Answer(b"busy", status=429, content_type="text/plain", headers={"Retry-After": "1"}),
                    Answer(peer.page(1, [("a1", 1, T1)]))])
    peer.pages["/feed/passports/1"] = lambda: next(answers)
    started = time.monotonic()
    report = harvest(registry, peer.url + "/feed/passports", settings)
    assert len(report.added.created) == 1 and time.monotonic() - started >= 1


def test_a_feed_that_loops(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1)], next_page=2))
    peer.pages["/feed/passports/2"] = Answer(peer.page(2, [("a2", 1, T2)], next_page=1))
    error = _fails(registry, settings, peer, 2, "loops")
    assert "loopt rond" in error.message("nl")
    # the page before the loop is taken in, nothing of the page that loops
    assert (_status(registry, peer, "a1"), _status(registry, peer, "a2")) == ("current", "absent")


def test_a_page_out_of_time_order(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T2), ("a2", 1, T1)]))
    _fails(registry, settings, peer, 1, "not in time order")
    assert _status(registry, peer, "a1") == "absent"


def test_a_next_page_older_than_the_page_before(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T3)], next_page=2))
    peer.pages["/feed/passports/2"] = Answer(peer.page(2, [("a2", 1, T1)]))
    _fails(registry, settings, peer, 2, "not in time order")
    assert (_status(registry, peer, "a1"), _status(registry, peer, "a2")) == ("current", "absent")


def test_invalid_rdf_in_the_middle_of_a_page(registry, settings, peer):
    body = peer.page(1, [("a1", 1, T1), ("a2", 1, T2)])
    lines = body.splitlines(keepends=True)
    middle = len(lines) // 2
    peer.pages["/feed/passports/1"] = Answer(b"".join(lines[:middle] + [b"<http://x> <broken .\n"] + lines[middle:]))
    _fails(registry, settings, peer, 1, "invalid RDF")
    assert (_status(registry, peer, "a1"), _status(registry, peer, "a2")) == ("absent", "absent")


def test_a_page_over_the_byte_limit(registry, settings, peer):
    body = peer.page(1, [("a1", 1, T1)])
    peer.pages["/feed/passports/1"] = Answer(body)
    _fails(registry, replace(settings, harvest_max_page_bytes=len(body) - 1), peer, 1, "larger than")
    assert _status(registry, peer, "a1") == "absent"


def test_a_page_with_more_members_than_the_limit(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1), ("a2", 1, T2), ("a3", 1, T3)]))
    _fails(registry, replace(settings, harvest_max_page_members=2), peer, 1, "more than 2")
    assert _status(registry, peer, "a1") == "absent"


def test_a_page_shorter_than_its_declared_length(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1)]), cut=True)
    _fails(registry, settings, peer, 1, "ended before its declared length")
    assert _status(registry, peer, "a1") == "absent"


def test_a_peer_that_never_answers(registry, settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1)]), stall=5)
    _fails(registry, replace(settings, harvest_timeout=1), peer, 1, "no answer within 1 s")
    assert _status(registry, peer, "a1") == "absent"


def test_a_member_without_its_time(registry, settings, peer):
    body = peer.page(1, [("a1", 1, T1)]).replace(b"generatedAtTime", b"generatedAt")
    peer.pages["/feed/passports/1"] = Answer(body)
    _fails(registry, settings, peer, 1, "prov:generatedAtTime")


def test_the_command_line_exits_2_with_the_page_named_in_dutch(settings, peer):
    peer.pages["/feed/passports/1"] = Answer(peer.page(1, [("a1", 1, T1)], next_page=1))
    done = run_cli("harvest", peer.url + "/feed/passports", "--data", str(settings.data_dir), "--lang", "nl")
    assert done.returncode == 2, done.stderr
    assert f"{peer.base}feed/passports/1" in done.stderr and "loopt rond" in done.stderr
