"""The SERVICE allow-list compares endpoints in their normal form: dot segments (plain,
percent-encoded, after doubled slashes) cannot climb out of an allowed prefix."""

from __future__ import annotations

import pytest

from registry.query.service_policy import ServiceRefused, check_services, is_allowed, normalised_iri

PEER = "http://host/peer/"


@pytest.mark.parametrize("endpoint", [
    "http://host/peer/../admin/sparql",
    "http://host/peer/%2e%2e/admin/sparql",
    "http://host/peer/%2E%2E/admin/sparql",
    "http://host/peer/.%2e/admin/sparql",
    "http://host/peer//..//admin/sparql",
    "http://host/peer/x/../../admin/sparql",
    "http://host/peer/./../admin",
    "http://host/peer/..",
    "http://host/peer/..;x/admin",  # Tomcat reads '..;' as '..'
    "http://host/peer/%2fadmin",  # an encoded slash: some servers decode it, some do not
    "http://host/peer/..%2fadmin",
    "http://host/peer/..%5cadmin",
    "http://host/peer/..\\admin",
    "http://user@host/peer/sparql",
    "http://host@evil.example/peer/sparql",
    "http://host.evil.example/peer/sparql",
    "http://host:8080/peer/sparql",
    "https://host/peer/sparql",
    "http://host:notaport/peer/",
    "http://h%6fst/peer/sparql",
])
def test_endpoints_outside_the_allowed_prefix_are_refused(endpoint):
    assert not is_allowed(endpoint, [PEER])
    query = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    with pytest.raises(ServiceRefused) as refused:
        check_services(query, [PEER])
    assert "PASSPORTS_SERVICE_ALLOWLIST" in str(refused.value) and refused.value.status == 403


@pytest.mark.parametrize("endpoint", [
    "http://host/peer/sparql",
    "http://HOST/peer/sparql",
    "HTTP://host:80/peer/sparql",
    "http://host/peer/x/../sparql",
    "http://host/peer/./sparql",
    "http://host/peer//sparql",
    "http://host/peer/%73parql",  # an encoded unreserved letter is the letter
    "http://host/peer/sparql?default-graph-uri=http%3A%2F%2Fx%2F..%2F",  # the query string is no path
])
def test_endpoints_inside_the_allowed_prefix_are_allowed(endpoint):
    assert is_allowed(endpoint, [PEER])
    assert check_services(f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", [PEER]) == [endpoint]


def test_relative_and_prefixed_endpoints_are_resolved_then_normalised():
    for query in ("BASE <http://host/peer/> SELECT * WHERE { SERVICE <../admin/sparql> { ?s ?p ?o } }",
                  "PREFIX p: <http://host/peer/> SELECT * WHERE { SERVICE p:\\.\\.\\/admin { ?s ?p ?o } }",
                  "PREFIX p: <http://host/peer/%2e%2e/> SELECT * WHERE { SERVICE p:admin { ?s ?p ?o } }"):
        with pytest.raises(ServiceRefused):
            check_services(query, [PEER])


def test_the_refusal_says_how_the_endpoint_was_read():
    with pytest.raises(ServiceRefused) as refused:
        check_services("SELECT * { SERVICE <http://host/peer/%2e%2e/admin> {} }", [PEER])
    assert "read as <http://host/admin>" in str(refused.value)
    with pytest.raises(ServiceRefused) as refused:
        check_services("SELECT * { SERVICE <http://host/peer/%2fadmin> {} }", [PEER])
    assert "cannot be compared safely" in str(refused.value)


def test_an_exact_entry_allows_only_itself_in_any_spelling():
    entry = ["http://host/peer/sparql"]
    assert is_allowed("http://host/peer/sparql", entry)
    assert is_allowed("http://host/peer/x/../sparql", entry)
    assert not is_allowed("http://host/peer/sparql2", entry)
    assert not is_allowed("http://host/peer/sparql/../../admin", entry)


def test_allow_list_entries_are_normalised_too():
    assert is_allowed("http://host/peer/sparql", ["HTTP://Host:80/peer/./"])
    assert is_allowed("http://host/admin", ["http://host/peer/../"])  # the entry reads http://host/


@pytest.mark.parametrize(("iri", "expected"), [
    ("HTTP://Peer.Example:80/a/./b/%2E%2e//c?x", "http://peer.example/a/c?x"),
    ("https://peer.example:443/sparql", "https://peer.example/sparql"),
    ("https://peer.example:8443/sparql", "https://peer.example:8443/sparql"),
    ("http://[::1]:8080/x/../y", "http://[::1]:8080/y"),
    ("http://host/a/b/..", "http://host/a/"),
    ("http://host/../../x", "http://host/x"),
    ("http://host", "http://host"),
    ("http://host/%7euser/%41", "http://host/~user/A"),
    ("http://host/a%2fb", None),
    ("http://u:p@host/", None),
])
def test_normal_form(iri, expected):
    assert normalised_iri(iri) == expected
