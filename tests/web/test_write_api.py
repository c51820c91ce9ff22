"""The write API /api/v1 on a real uvicorn on loopback, with httpx as the client.

Every refusal is checked to leave the store as it was: the N-Quads of the live store and of the
history store are compared before and after the request.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from conftest import dump, passport_ttl, run_cli
from servers import serve_at_own_address

from registry.model.vocab import MP, MPV, SH
from registry.store.tokens import TokenStore

MAX_BODY = 200_000
TTL = "text/turtle"
PHASE_LINE = "    mp:projectPhase phase:management ;\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve_at_own_address(tmp_path_factory.mktemp("write-api") / "data", max_body_bytes=MAX_BODY) as srv:
        tokens = TokenStore(srv.settings.tokens_path)
        srv.tokens = tokens
        srv.token = tokens.create("GM0153", "Enschede test")[1]
        srv.other_token = tokens.create("GM0141", "Almelo test")[1]
        yield srv


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.base, timeout=60) as c:
        yield c


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def ttl(server, key: str, municipality: str = "GM0153", **kwargs) -> str:
    """The model's example passport under this server's base IRI (without the railing if the
    example names it but does not describe it)."""
    text = passport_ttl(key, municipality, **kwargs)
    if "/deck-railing> a " not in text:
        text = re.sub(r"\n\s*mp:hasComponent <[^>]*/deck-railing> ;[^\n]*", "", text)
    return text.replace("http://localhost:8000/", server.base)


def iri(server, key: str, municipality: str = "GM0153", kind: str = "passport") -> str:
    return f"{server.base}id/{kind}/{municipality}/{key}"


class Unchanged:
    """Asserts that the store (live and history) is the same after the block as before."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.before = dump(self.server.registry)
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            assert dump(self.server.registry) == self.before, "the store changed"


def post(client, body: str | bytes, token: str | None, content_type: str = TTL, **kwargs):
    headers = {"Content-Type": content_type, **(auth(token) if token else {}), **kwargs.pop("headers", {})}
    return client.post("/api/v1/passports", content=body, headers=headers, **kwargs)


# -- documentation -------------------------------------------------------------------------
def test_openapi_describes_bodies_errors_and_auth(client):
    spec = client.get("/openapi.json").json()
    post_op = spec["paths"]["/api/v1/passports"]["post"]
    assert {"text/turtle", "application/ld+json", "application/n-triples"} <= set(
        post_op["requestBody"]["content"])
    assert {"201", "400", "401", "403", "413", "415", "422"} <= set(post_op["responses"])
    assert "text/turtle" in post_op["responses"]["422"]["content"]
    put_op = spec["paths"]["/api/v1/passports/{municipality}/{key}"]["put"]
    assert put_op["requestBody"]["required"] is True
    delete_op = spec["paths"]["/api/v1/passports/{municipality}/{key}"]["delete"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(delete_op["responses"])
    assert "requestBody" in spec["paths"]["/api/v1/validate"]["post"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"].lower() == "bearer" for s in schemes.values())
    assert post_op["security"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


# -- writing -------------------------------------------------------------------------------
def test_post_creates_then_unchanged_then_updated(server, client):
    r = post(client, ttl(server, "brug-0001"), server.token)
    assert r.status_code == 201, r.text
    p = iri(server, "brug-0001")
    assert r.headers["Location"] == p
    body = r.json()
    assert body["created"] == [{"passport": p, "version": f"{p}/v/1"}]
    assert body["activity"].startswith(f"{server.base}id/activity/")
    # provenance names the municipality as agent
    agents = {q.object.value for q in server.registry.store.quads_for_pattern(
        ox.NamedNode(f"{p}/v/1"), ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo"), None, None)}
    assert agents == {f"{MPV}municipality/GM0153"}

    with Unchanged(server):
        again = post(client, ttl(server, "brug-0001"), server.token)
    assert again.status_code == 200
    assert again.json()["unchanged"] == [{"passport": p, "version": f"{p}/v/1"}]
    assert again.json()["activity"] is None

    changed = post(client, ttl(server, "brug-0001", label="Brug Hengelosestraat"), server.token)
    assert changed.status_code == 200
    assert changed.json()["updated"] == [{"passport": p, "version": f"{p}/v/2"}]
    assert "Location" not in changed.headers


def test_post_several_passports_in_one_body(server, client):
    body = ttl(server, "bank-0001") + "\n" + ttl(server, "bank-0002")
    r = post(client, body, server.token)
    assert r.status_code == 201, r.text
    assert sorted(c["passport"] for c in r.json()["created"]) == [iri(server, "bank-0001"),
                                                                  iri(server, "bank-0002")]
    assert server.registry.status(_ref(server, "bank-0002")) == "current"


def _ref(server, key, municipality="GM0153"):
    from registry.model.uris import passport_ref

    return passport_ref(server.base, municipality, key)


@pytest.mark.parametrize("fmt,media_type", [(ox.RdfFormat.JSON_LD, "application/ld+json"),
                                            (ox.RdfFormat.N_TRIPLES, "application/n-triples")])
def test_post_json_ld_and_n_triples(server, client, fmt, media_type):
    key = f"kade-{fmt.file_extension}"
    triples = ox.parse(ttl(server, key).encode(), ox.RdfFormat.TURTLE)
    body = ox.serialize(triples, format=fmt)
    r = post(client, body, server.token, content_type=media_type)
    assert r.status_code == 201, r.text
    assert r.json()["created"][0]["passport"] == iri(server, key)


def test_put_creates_replaces_and_insists_on_its_own_passport(server, client):
    url = "/api/v1/passports/GM0153/paal-0001"
    r = client.put(url, content=ttl(server, "paal-0001"), headers={"Content-Type": TTL, **auth(server.token)})
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == iri(server, "paal-0001")
    with Unchanged(server):
        same = client.put(url, content=ttl(server, "paal-0001"),
                          headers={"Content-Type": TTL, **auth(server.token)})
        assert same.status_code == 200 and same.json()["unchanged"]
        other = client.put(url, content=ttl(server, "paal-0002"),
                           headers={"Content-Type": TTL, **auth(server.token)})
        assert other.status_code == 400
        assert iri(server, "paal-0001") in other.json()["detail"]
        two = client.put(url, content=ttl(server, "paal-0001", label="x") + ttl(server, "paal-0003"),
                         headers={"Content-Type": TTL, **auth(server.token)})
        assert two.status_code == 400
    assert server.registry.status(_ref(server, "paal-0002")) == "absent"
    new = client.put(url, content=ttl(server, "paal-0001", amount="99.5"),
                     headers={"Content-Type": TTL, **auth(server.token)})
    assert new.status_code == 200 and new.json()["updated"][0]["version"].endswith("/v/2")


def test_delete_retires_with_reason_404_and_409(server, client):
    assert post(client, ttl(server, "hek-0001"), server.token).status_code == 201
    url = "/api/v1/passports/GM0153/hek-0001"
    with Unchanged(server):
        assert client.delete(url, headers=auth(server.token)).status_code == 400
        assert client.delete(url, params={"reason": "   "}, headers=auth(server.token)).status_code == 400
        missing = client.delete("/api/v1/passports/GM0153/hek-9999", params={"reason": "weg"},
                                headers=auth(server.token))
        assert missing.status_code == 404
    r = client.delete(url, params={"reason": "gesloopt in 2026"}, headers=auth(server.token))
    assert r.status_code == 200, r.text
    assert r.json()["last_version"] == iri(server, "hek-0001") + "/v/1"
    assert server.registry.status(_ref(server, "hek-0001")) == "retired"
    assert server.registry.retirement(_ref(server, "hek-0001"))["reason"] == "gesloopt in 2026"
    with Unchanged(server):
        twice = client.delete(url, params={"reason": "nog eens"}, headers=auth(server.token))
    assert twice.status_code == 409 and "gesloopt in 2026" in twice.json()["detail"]


# -- authentication and authorisation ------------------------------------------------------
def test_writes_without_a_valid_token_get_401(server, client):
    body = ttl(server, "boom-0001")
    url = "/api/v1/passports/GM0153/boom-0001"
    with Unchanged(server):
        for headers in ({}, auth("nonsense"), auth(server.token + "x"), auth(server.token[:-1]),
                        {"Authorization": f"Basic {server.token}"}, {"Authorization": "Bearer"}):
            r = post(client, body, None, headers=headers)
            assert r.status_code == 401, (headers, r.text)
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
            assert client.put(url, content=body, headers={"Content-Type": TTL, **headers}).status_code == 401
            assert client.delete(url, params={"reason": "x"}, headers=headers).status_code == 401
    assert server.registry.status(_ref(server, "boom-0001")) == "absent"


def test_revoked_token_is_refused_at_once(server, client):
    record, token = server.tokens.create("GM0153", "to be revoked")
    assert post(client, ttl(server, "boom-0002"), token).status_code == 201
    server.tokens.revoke(record.id)
    with Unchanged(server):
        r = post(client, ttl(server, "boom-0002", label="na intrekking"), token)
        assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        assert client.delete("/api/v1/passports/GM0153/boom-0002", params={"reason": "x"},
                             headers=auth(token)).status_code == 401


def test_another_municipalitys_token_gets_403(server, client):
    assert post(client, ttl(server, "brug-0100"), server.token).status_code == 201
    with Unchanged(server):
        # a passport of GM0153 in the body, token of GM0141
        r = post(client, ttl(server, "brug-0101"), server.other_token)
        assert r.status_code == 403 and "GM0141" in r.json()["detail"]
        # the path's municipality
        r = client.put("/api/v1/passports/GM0153/brug-0100", content=ttl(server, "brug-0100", label="x"),
                       headers={"Content-Type": TTL, **auth(server.other_token)})
        assert r.status_code == 403
        # the path is the token's own, the body is not
        r = client.put("/api/v1/passports/GM0141/brug-0100", content=ttl(server, "brug-0100", label="x"),
                       headers={"Content-Type": TTL, **auth(server.other_token)})
        assert r.status_code == 403
        r = client.delete("/api/v1/passports/GM0153/brug-0100", params={"reason": "x"},
                          headers=auth(server.other_token))
        assert r.status_code == 403
        # one own and one foreign passport in one body: neither is stored
        mixed = ttl(server, "brug-0102", "GM0141") + ttl(server, "brug-0103")
        assert post(client, mixed, server.other_token).status_code == 403
    assert server.registry.status(_ref(server, "brug-0102", "GM0141")) == "absent"


def test_resources_in_another_municipalitys_namespace_are_refused(server, client):
    foreign = iri(server, "brug-0200", "GM0141", kind="object")
    # Turtle: the object of a GM0153 passport sits in GM0141's namespace
    body = ttl(server, "brug-0200").replace(iri(server, "brug-0200", kind="object"), foreign)
    # TriG: the passport's graph holds a statement about a GM0141 resource
    graph = iri(server, "brug-0201")
    trig = (f"<{graph}> {{ <{graph}> a <{MP}Passport> . "
            f"<{foreign}> <http://www.w3.org/2000/01/rdf-schema#label> \"overgenomen\" . }}")
    with Unchanged(server):
        r = post(client, body, server.token)
        assert r.status_code == 403, r.text
        assert r.json()["node"] == foreign
        r = post(client, trig, server.token, content_type="application/trig")
        assert r.status_code == 403, r.text
        assert r.json()["node"] == foreign


def test_path_traversal_in_keys_writes_nothing(server, client):
    body = ttl(server, "brug-0300")
    headers = {"Content-Type": TTL, **auth(server.token)}
    with Unchanged(server):
        for path in ("/api/v1/passports/GM0153/..%2F..%2Fetc", "/api/v1/passports/GM0153/..%2F..%2Fetc%2Fpasswd",
                     "/api/v1/passports/GM0153/%2E%2E", "/api/v1/passports/GM0153/a%00b",
                     "/api/v1/passports/..%2FGM0153/brug-0300", "/api/v1/passports/GM0153/brug-0300%2Fv%2F1",
                     "/api/v1/passports/GM0153/.hidden"):
            r = client.put(path, content=body, headers=headers)
            assert r.status_code in (400, 404), (path, r.status_code, r.text)
            r = client.delete(path, params={"reason": "x"}, headers=headers)
            assert r.status_code in (400, 404), (path, r.status_code, r.text)
    assert not (server.settings.data_dir.parent / "etc").exists()
    assert server.registry.status(_ref(server, "brug-0300")) == "absent"


# -- bodies --------------------------------------------------------------------------------
def test_oversized_body_with_content_length_is_413(server, client):
    body = ttl(server, "groot-0001") + "#" * MAX_BODY + "\n"
    with Unchanged(server):
        r = post(client, body, server.token)
    assert r.status_code == 413 and str(MAX_BODY) in r.json()["detail"]


def test_oversized_chunked_body_without_content_length_is_cut_off(server):
    """Raw HTTP/1.1 with chunked transfer: the server answers 413 before the body ends."""
    sent = 0
    with Unchanged(server), socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall((f"POST /api/v1/passports HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                      f"Authorization: Bearer {server.token}\r\nContent-Type: text/turtle\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n").encode())
        chunk = b"# " + b"x" * 16_000 + b"\n"
        while sent <= MAX_BODY:  # never sends the closing zero-length chunk
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_oversized_chunked_body_with_httpx(server, client):
    def chunks():
        for _ in range(MAX_BODY // 10_000 + 2):
            yield b"#" + b"y" * 9_998 + b"\n"

    with Unchanged(server):
        try:
            r = client.post("/api/v1/passports", content=chunks(),
                            headers={"Content-Type": TTL, **auth(server.token)})
        except httpx.TransportError:  # the server may close while the client is still sending
            r = None
    assert r is None or r.status_code == 413


def test_malformed_turtle_names_line_and_column(server, client):
    body = ttl(server, "kapot-0001").replace('"Brugdek"@nl ;', '"Brugdek"@nl ;;; ]]', 1)
    line = next(i for i, text in enumerate(body.splitlines(), 1) if "]]" in text)
    with Unchanged(server):
        r = post(client, body, server.token)
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["line"] == line and problem["column"] >= 1
    assert f":{line}:" in problem["detail"]


def test_latin1_bytes_are_400_and_a_latin1_charset_is_415(server, client):
    body = ttl(server, "kapot-0002", label="Brug Café").encode("latin-1")
    line = next(i for i, text in enumerate(body.split(b"\n"), 1) if b"Caf\xe9" in text)
    with Unchanged(server):
        r = post(client, body, server.token)
        assert r.status_code == 400, r.text
        assert r.json()["line"] == line and "UTF-8" in r.json()["detail"]
        r = post(client, body, server.token, content_type="text/turtle; charset=ISO-8859-1")
        assert r.status_code == 415 and "UTF-8" in r.json()["detail"]


def test_unsupported_content_types_and_encodings_are_415(server, client):
    body = ttl(server, "kapot-0003")
    with Unchanged(server):
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/sparql-update"):
            assert post(client, body, server.token, content_type=content_type).status_code == 415
        r = client.post("/api/v1/passports", content=body.encode(), headers=auth(server.token))
        assert r.status_code == 415
        r = post(client, body, server.token, headers={"Content-Encoding": "gzip"})
        assert r.status_code == 415


def test_empty_bodies_and_stray_triples_are_400(server, client):
    with Unchanged(server):
        assert post(client, b"", server.token).status_code == 400
        stray = ttl(server, "kapot-0004") + "<http://example.org/x> <http://example.org/p> 1 .\n"
        r = post(client, stray, server.token)
        assert r.status_code == 400 and "1 triple belongs to no passport" in r.json()["detail"]


def test_json_ld_remote_context_is_never_fetched(server, client):
    hits = []

    class Context(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(json.dumps({"@context": {"mp": MP}}).encode())

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Context)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        context_url = f"http://127.0.0.1:{httpd.server_port}/context.jsonld"
        doc = {"@context": context_url, "@id": iri(server, "ctx-0001"), "@type": "mp:Passport"}
        with Unchanged(server):
            r = post(client, json.dumps(doc), server.token, content_type="application/ld+json")
            assert r.status_code == 400, r.text
            assert "remote @context" in r.json()["detail"] and "inline" in r.json()["detail"]
            imported = {"@context": {"@import": context_url}, "@id": iri(server, "ctx-0001")}
            r = post(client, json.dumps(imported), server.token, content_type="application/ld+json")
            assert r.status_code == 400
        assert hits == []
    finally:
        httpd.shutdown()


def test_huge_literal_and_sparql_looking_text_are_stored_verbatim(server, client):
    nasty = ('"} ; DROP ALL ; INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } } # '
             "' \\\" \\n \u00e9\u20ac\U0001F9F1 SELECT * WHERE { ?s ?p ?o }")
    huge = "beton " * 25_000  # 150 kB, under the 200 kB limit
    label = nasty.replace("\\", "\\\\").replace('"', '\\"')
    for version, text in ((1, nasty), (2, nasty + " v2")):  # v2 goes through the SPARQL-update path
        body = ttl(server, "raar-0001", label=label + (" v2" if version == 2 else "")).replace(
            '"Brugdek"@nl', '"""' + huge + '"""@nl')
        r = post(client, body, server.token)
        assert r.status_code in (200, 201), r.text
        labels = {q.object.value for q in server.registry.store.quads_for_pattern(
            ox.NamedNode(iri(server, "raar-0001", kind="object")),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, None)}
        assert labels == {text}
        decks = {q.object.value for q in server.registry.store.quads_for_pattern(
            ox.NamedNode(iri(server, "raar-0001", kind="component") + "/deck"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, None)}
        assert decks == {huge}
    assert not server.registry.store.contains_named_graph(ox.NamedNode("urn:x"))
    assert server.registry.current_version(_ref(server, "raar-0001")) == 2


# -- validation ----------------------------------------------------------------------------
def test_management_passport_without_valuation_is_stored_with_not_yet_valued(server, client):
    graph = rdflib.Graph().parse(data=ttl(server, "ongewaardeerd-0001"), format="turtle")
    valuation = rdflib.URIRef(f"{MP}valuation")
    for node in list(graph.objects(None, valuation)):
        graph.remove((node, None, None))
    graph.remove((None, valuation, None))
    r = post(client, graph.serialize(format="turtle"), server.token)
    assert r.status_code == 201, r.text
    body = r.json()
    warned = [i for i in body["warnings"] if i["shape"].endswith("#PhysicalObject-notYetValued")]
    assert warned, body
    assert len(warned) == 1 and warned[0]["severity"] == "Warning"
    assert warned[0]["field"] == "valuation / waardering" and warned[0]["path"] == f"{MP}valuation"
    assert warned[0]["message"].startswith("Not yet valued") and warned[0]["message_nl"].startswith(
        "Nog niet gewaardeerd")
    assert server.registry.status(_ref(server, "ongewaardeerd-0001")) == "current"


def test_invalid_passport_is_422_with_the_shacl_report_and_nothing_is_stored(server, client):
    valid = ttl(server, "fout-0001")
    invalid = ttl(server, "fout-0002").replace(PHASE_LINE, "")
    assert PHASE_LINE not in invalid
    with Unchanged(server):
        r = post(client, valid + invalid, server.token)
        assert r.status_code == 422, r.text
        report = r.json()
        assert report["conforms"] is False and report["rejected"] == [iri(server, "fout-0002")]
        phase = [i for i in report["results"] if i["path"] == f"{MP}projectPhase"]
        assert phase and phase[0]["severity"] == "Violation" and phase[0]["focus"] == iri(server, "fout-0002")
        assert phase[0]["message"] and phase[0]["message_nl"]
        # the field as a person knows it; the RDF path stays for machines
        assert (phase[0]["field"], phase[0]["field_en"], phase[0]["field_nl"]) == \
            ("project phase / projectfase", "project phase", "projectfase")

        r = post(client, invalid, server.token, headers={"Accept": "text/turtle"})
        assert r.status_code == 422 and r.headers["Content-Type"].startswith("text/turtle")
        graph = rdflib.Graph().parse(data=r.text, format="turtle")
        report_node = next(graph.subjects(rdflib.RDF.type, rdflib.URIRef(SH + "ValidationReport")))
        assert graph.value(report_node, rdflib.URIRef(SH + "conforms")).toPython() is False
        assert (None, rdflib.URIRef(SH + "resultPath"), rdflib.URIRef(f"{MP}projectPhase")) in graph

        r = post(client, ttl(server, "fout-0003").replace('mpv:material/concrete', 'mpv:material/kryptonite')
                 .replace("<https://w3id.org/materiaalpaspoort/id/material/concrete>",
                          "<https://w3id.org/materiaalpaspoort/id/material/kryptonite>"), server.token)
        assert r.status_code == 422 and "kryptonite" in r.text
    assert server.registry.status(_ref(server, "fout-0001")) == "absent"


def test_validate_is_an_anonymous_dry_run(server, client):
    invalid = ttl(server, "droog-0002").replace(PHASE_LINE, "")
    with Unchanged(server):
        r = client.post("/api/v1/validate", content=ttl(server, "droog-0001"), headers={"Content-Type": TTL})
        assert r.status_code == 200 and r.json()["conforms"] is True and r.json()["passports"] == 1
        r = client.post("/api/v1/validate", content=invalid, headers={"Content-Type": TTL})
        assert r.status_code == 200 and r.json()["conforms"] is False
        r = client.post("/api/v1/validate", content=invalid, headers={"Content-Type": TTL, "Accept": TTL})
        assert r.status_code == 200 and "ValidationReport" in r.text
        # with a token, another municipality's passport does not conform
        r = client.post("/api/v1/validate", content=ttl(server, "droog-0001"),
                        headers={"Content-Type": TTL, **auth(server.other_token)})
        assert r.status_code == 200 and r.json()["conforms"] is False
        # a bad token is refused rather than silently ignored
        r = client.post("/api/v1/validate", content=ttl(server, "droog-0001"),
                        headers={"Content-Type": TTL, **auth("nonsense")})
        assert r.status_code == 401
        assert client.post("/api/v1/validate", content=b"<a> <b", headers={"Content-Type": TTL}).status_code == 400
        assert client.post("/api/v1/validate", content=b"x" * (MAX_BODY + 1),
                           headers={"Content-Type": TTL}).status_code == 413


# -- concurrency ---------------------------------------------------------------------------
def test_concurrent_writes_do_not_interleave(server):
    """Eight clients write versions of one passport at once: versions 1..8, none lost."""
    results = []

    def write(n: int) -> None:
        with httpx.Client(base_url=server.base, timeout=120) as c:
            results.append(c.put("/api/v1/passports/GM0153/druk-0001",
                                 content=ttl(server, "druk-0001", amount=f"{100 + n}.5"),
                                 headers={"Content-Type": TTL, **auth(server.token)}))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200] * 7 + [201]
    versions = sorted(r.json()[("created" if r.status_code == 201 else "updated")][0]["version"]
                      for r in results)
    assert versions == sorted(f"{iri(server, 'druk-0001')}/v/{n}" for n in range(1, 9))
    ref = _ref(server, "druk-0001")
    assert server.registry.current_version(ref) == 8
    assert [v.number for v in server.registry.history(ref)] == list(range(1, 9))


# -- the token commands --------------------------------------------------------------------
def test_token_cli_create_list_revoke_against_the_running_server(server, client):
    """``passports token ...`` as a real process once, then in-process (same code, no start-up cost)."""
    from typer.testing import CliRunner

    from registry.cli.main import app

    data = str(server.settings.data_dir)

    def cli(*args):
        return CliRunner().invoke(app, ["token", *args, "--data", data])

    made = run_cli("token", "create", "--municipality", "gm0153", "--label", "CLI test", "--data", data)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("mpt.") and "shown only" in made.stderr
    stored = server.settings.tokens_path.read_text()
    assert token not in stored and token.split(".")[2] not in stored
    assert oct(server.settings.tokens_path.stat().st_mode & 0o777) == "0o600"

    assert post(client, ttl(server, "cli-0001"), token).status_code == 201
    listed = json.loads(cli("list", "--json").stdout)
    mine = [t for t in listed if t["label"] == "CLI test"]
    assert len(mine) == 1 and mine[0]["municipality"] == "GM0153" and mine[0]["revoked"] is None
    assert all(set(t) == {"id", "municipality", "label", "created", "revoked"} for t in listed)
    assert mine[0]["id"] in cli("list").stdout

    revoked = cli("revoke", mine[0]["id"])
    assert revoked.exit_code == 0, revoked.stderr
    assert post(client, ttl(server, "cli-0002"), token).status_code == 401
    again = cli("revoke", mine[0]["id"])
    assert again.exit_code != 0 and "already revoked" in again.stderr

    unknown = cli("create", "--municipality", "GM9999")
    assert unknown.exit_code != 0 and "GM0153" in unknown.stderr and not unknown.stdout.strip()
    assert cli("revoke", "000000000000").exit_code != 0


def test_token_store_keeps_every_concurrent_create_and_only_hashes(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    made: list[str] = []
    threads = [threading.Thread(target=lambda: made.append(store.create("GM0141", "parallel")[1]))
               for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.list()) == 12 == len(set(made))
    assert all(store.verify(token).municipality == "GM0141" for token in made)
    text = (tmp_path / "tokens.json").read_text()
    assert not any(token.split(".")[2] in text for token in made)
    assert store.verify(made[0][:-2] + ("AA" if not made[0].endswith("AA") else "BB")) is None
    assert not list(tmp_path.glob(".tokens-*.tmp"))
