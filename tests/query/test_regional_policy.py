"""The SERVICE allow-list and the regional saved queries: ``SERVICE ?peer`` passes only when the server
itself binds ``?peer`` to an allow-listed endpoint (docs/federation.md)."""

from __future__ import annotations

import pytest

from registry.query import saved
from registry.query.federation import PEER, peers_of
from registry.query.service_policy import ServiceRefused, check_services

PEER_A = "http://127.0.0.1:8101/sparql"
ALLOW = (PEER_A, "https://peers.example/")
QUERY = "SELECT * WHERE { SERVICE ?peer { ?s ?p ?o } }"


def test_a_bound_peer_on_the_allow_list_passes():
    assert check_services(QUERY, ALLOW, {"peer": PEER_A}) == [PEER_A]
    assert check_services(QUERY.replace("?peer", "$peer"), ALLOW, {"peer": PEER_A}) == [PEER_A]
    assert check_services(QUERY, ALLOW, {"peer": "https://peers.example/gm0150/sparql"})


@pytest.mark.parametrize("bound", [None, {}, {"other": PEER_A}, {"peer": "http://127.0.0.1:9/sparql"},
                                   {"peer": "http://127.0.0.1:8101/sparql/../admin"}])
def test_an_unbound_or_foreign_peer_is_refused(bound):
    with pytest.raises(ServiceRefused):
        check_services(QUERY, ALLOW, bound)


def test_binding_one_variable_does_not_open_another():
    query = "SELECT * WHERE { SERVICE ?peer { ?s ?p ?o } SERVICE ?other { ?s ?p ?o } }"
    with pytest.raises(ServiceRefused):
        check_services(query, ALLOW, {"peer": PEER_A})


def test_the_regional_queries_take_a_peer_and_the_peers_are_the_named_endpoints():
    regional = [q for q in saved.public_queries() if q.name.startswith("regional-")]
    assert len(regional) >= 2
    for query in regional:
        assert PEER in {p.name for p in query.parameters}
        with pytest.raises(ServiceRefused):
            check_services(query.body, ALLOW)  # only with the server's binding
        assert check_services(query.body, ALLOW, {"peer": PEER_A}) == [PEER_A]
    assert peers_of(ALLOW) == [PEER_A]  # a prefix entry allows endpoints but names none
