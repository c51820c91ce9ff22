"""The RDF readers on hostile and random input (issue 11): the pre-scan of every format, streamed
in blocks as well as whole, and property-based tests (Hypothesis) that random, garbled and deeply
nested bytes in every format give documents or a RegistryError and never crash the process.

Whatever could crash pyoxigraph's parser (nesting of thousands of levels, random bytes) is parsed
in a parse worker process (``ParsePool``), so a crash is counted there (``pool.crashed``) instead of
ending the test run; in this process only inputs far below any crash depth are parsed.
"""

from __future__ import annotations

import gzip
import io

import hostile_rdf as h
import pyoxigraph as ox
import pytest
from conftest import BASE, passport_ttl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.core.errors import RegistryError
from registry.model.documents import LimitError, ParseLimits, read_bytes, read_file, read_stream
from registry.model.parse_pool import ParseCrashed, ParsePool
from registry.model.prescan import Scanner

FORMATS = list(h.MEDIA)
LIMITS = ParseLimits(max_depth=64, max_literal_bytes=1000, max_triples=5000)


def verdict(data: bytes, fmt: ox.RdfFormat, chunks: list[int] | None = None, limits=LIMITS):
    """("ok", the bytes passed on) or (the limit, line) when refused; fed in pieces of ``chunks``."""
    scanner = Scanner(fmt, limits)
    passed, pos = [], 0
    try:
        for size in chunks or []:
            passed.append(scanner.feed(data[pos:pos + size]))
            pos += size
        passed.append(scanner.feed(data[pos:], final=True))
    except LimitError as exc:
        return exc.setting, exc.line
    return "ok", b"".join(passed)


# -- the pre-scan ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_depth_limit_in_every_format(fmt):
    assert verdict(h.deep(fmt, 20), fmt)[0] == "ok"  # 20 to 61 levels, as the format nests
    assert verdict(h.deep(fmt, 65), fmt) == ("PASSPORTS_RDF_MAX_DEPTH", 1)
    assert verdict(h.deep(fmt, 100_000), fmt)[0] == "PASSPORTS_RDF_MAX_DEPTH"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_literal_limit_in_every_format(fmt):
    assert verdict(h.big_literal(fmt, 900), fmt)[0] == "ok"
    assert verdict(h.big_literal(fmt, 1100), fmt)[0] == "PASSPORTS_RDF_MAX_LITERAL"
    assert verdict(h.big_literal(fmt, 1100), fmt, [7] * 300)[0] == "PASSPORTS_RDF_MAX_LITERAL"


def test_brackets_inside_strings_iris_comments_and_cdata_do_not_count():
    deep = "[" * 200
    ttl = f'<http://e/s> <http://e/p> """{deep}""", "{deep}", \'{deep}\' . # {deep}\n<http://e/{"%5B" * 9}> <p> "\\"[" .'
    assert verdict(ttl.encode(), ox.RdfFormat.TURTLE)[0] == "ok"
    json = f'{{"@id": "http://e/s", "http://e/p": "{deep}\\"{deep}"}}'
    assert verdict(json.encode(), ox.RdfFormat.JSON_LD)[0] == "ok"
    xml = (f'<rdf:RDF xmlns:rdf="{h.RDF_NS}"><!-- {"<a>" * 200} --><?pi <a><a> ?>'
           f'<rdf:Description rdf:about="http://e/s" e:x="<a>"><![CDATA[{"<a>" * 200}]]></rdf:Description></rdf:RDF>')
    assert verdict(xml.encode(), ox.RdfFormat.RDF_XML)[0] == "ok"


def test_escaped_hash_in_a_name_does_not_hide_brackets():
    """``ex:a\\#`` is not a comment: the brackets after it count."""
    body = b"@prefix ex: <http://e/> . ex:a\\#b ex:p " + b"[ ex:p " * 100 + b"1" + b" ]" * 100 + b" ."
    assert verdict(body, ox.RdfFormat.TURTLE)[0] == "PASSPORTS_RDF_MAX_DEPTH"


@pytest.mark.parametrize("declaration", [b"<!DOCTYPE r>", b'<!ENTITY a "b">', b"<!ELEMENT r ANY>",
                                         b"<!doctype r>", b"<!-x->"])
def test_every_xml_declaration_is_refused(declaration):
    body = b'<?xml version="1.0"?>\n' + declaration + b'\n<rdf:RDF xmlns:rdf="' + h.RDF_NS.encode() + b'"/>'
    assert verdict(body, ox.RdfFormat.RDF_XML) == ("no DOCTYPE or ENTITY declarations", 2)
    assert verdict(body, ox.RdfFormat.RDF_XML, [1] * len(body))[0] == "no DOCTYPE or ENTITY declarations"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_byte_by_byte_is_the_same_as_whole(fmt):
    for body in (h.deep(fmt, 70), h.deep(fmt, 20), h.big_literal(fmt, 1100), h.many_triples(fmt, 3)):
        whole = verdict(body, fmt)
        assert verdict(body, fmt, [1] * len(body)) == whole
        assert whole[0] != "ok" or whole[1] == body


@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_any_split_into_blocks_gives_the_same_verdict(data):
    fmt = data.draw(st.sampled_from(FORMATS))
    body = data.draw(st.sampled_from([h.deep(fmt, 66), h.deep(fmt, 20), h.big_literal(fmt, 999),
                                      h.big_literal(fmt, 1001), h.many_triples(fmt, 5),
                                      passport_ttl().encode()]))
    chunks = data.draw(st.lists(st.integers(1, 64), max_size=60))
    assert verdict(body, fmt, chunks) == verdict(body, fmt)


@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_token_soup_in_any_blocks_gives_the_same_verdict(data):
    """Random strings, IRIs, comments, brackets and tags, cut into random blocks: the scan sees
    the same tokens as in one piece (nothing is judged on part of a token). The one difference
    allowed: a token still open at the end of a block is held back only up to the literal limit,
    so in blocks, malformed input (e.g. ``<"`` in XML, which no parser reads as a tag) may be
    refused as too long where the whole input is read otherwise further on."""
    fmt = data.draw(st.sampled_from(FORMATS))
    tokens = data.draw(st.lists(st.sampled_from(SOUP[FAMILY.get(fmt, "turtle")]), max_size=400))
    body = "".join(tokens).encode()
    chunks = data.draw(st.lists(st.integers(1, 40), max_size=80))
    limits = ParseLimits(max_depth=data.draw(st.integers(1, 20)), max_literal_bytes=data.draw(
        st.sampled_from([40, 200, 5000])))
    in_blocks, whole = verdict(body, fmt, chunks, limits), verdict(body, fmt, limits=limits)
    assert in_blocks == whole or in_blocks[0] == "PASSPORTS_RDF_MAX_LITERAL"


# -- the readers ----------------------------------------------------------------------------------
def test_read_file_streams_through_the_scan_past_the_first_block(tmp_path):
    """Refused after 3 MB of harmless input, in a gzip file: the parser never sees the nesting."""
    path = tmp_path / "late.ttl.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"# padding\n" * 300_000 + h.deep(ox.RdfFormat.TURTLE, 100))
    with pytest.raises(LimitError) as caught:
        list(read_file(path, BASE, limits=LIMITS))
    assert caught.value.setting == "PASSPORTS_RDF_MAX_DEPTH" and caught.value.line == 300_001
    assert str(caught.value).startswith(f"{path}:300001: nesting deeper than 64")


def test_triple_limit_counts_while_parsing():
    with pytest.raises(LimitError) as caught:
        read_bytes(h.many_triples(ox.RdfFormat.N_QUADS, 5001), BASE, ox.RdfFormat.N_QUADS, limits=LIMITS)
    assert caught.value.status == 413 and "PASSPORTS_RDF_MAX_TRIPLES=5000" in str(caught.value)
    stream = io.BytesIO(h.many_triples(ox.RdfFormat.TURTLE, 6000))  # files: no triple limit
    with pytest.raises(RegistryError) as caught:
        list(read_stream(stream, BASE, ox.RdfFormat.TURTLE, source="f.ttl",
                         limits=ParseLimits(64, 1000)))
    assert "belong to no passport" in str(caught.value)


def test_a_token_over_the_parsers_own_buffer_is_a_limit_error():
    """With the literal limit raised past pyoxigraph's buffer (16 MiB), its MemoryError becomes a
    413 that names the limit, not a traceback (issue 11, item 12)."""
    body = h.big_literal(ox.RdfFormat.N_TRIPLES, 17 * 2**20)
    with pytest.raises(LimitError) as caught:
        read_bytes(body, BASE, ox.RdfFormat.N_TRIPLES, limits=ParseLimits(64, 64 * 2**20))
    assert caught.value.status == 413 and "parser's buffer" in str(caught.value)
    assert "PASSPORTS_RDF_MAX_LITERAL=67108864" in str(caught.value)


def test_a_normal_passport_reads_the_same_with_the_scan(tmp_path):
    text = passport_ttl()
    docs = read_bytes(text.encode(), BASE, ox.RdfFormat.TURTLE)
    off = read_bytes(text.encode(), BASE, ox.RdfFormat.TURTLE, limits=ParseLimits(10**9, 10**12))
    assert [d.content_hash() for d in docs] == [d.content_hash() for d in off]
    path = tmp_path / "p.ttl"
    path.write_text(text, encoding="utf-8")
    assert [d.content_hash() for d in read_file(path, BASE)] == [d.content_hash() for d in docs]


# -- property-based: random input in a parse worker --------------------------------------------------
@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    from registry.core.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), base_iri=BASE, rdf_max_triples=5000,
                        parse_timeout=20)
    workers = ParsePool(settings, size=1)
    assert workers.wait_ready(60)
    yield workers
    workers.close()


def outcome(pool, body: bytes, fmt: ox.RdfFormat) -> str:
    try:
        docs = pool.parse(body, BASE, fmt, "GM0153")
    except ParseCrashed:
        raise AssertionError(f"the parser crashed on {body[:200]!r}") from None
    except RegistryError as exc:
        assert 400 <= exc.status < 500, exc
        return type(exc).__name__
    assert all(doc.iri.startswith(BASE) for doc in docs)
    return "docs"


SOUP = {
    "turtle": ["[", "]", "(", ")", "{", "}", "<<", ">>", "<<(", ")>>", '"', "'", '"""', "<", ">", "#", "\\",
               "\n", " ", "<http://e/x>", "_:b", "ex:a", "@prefix ex: <http://e/> .", ".", ";", ",", "a", "1"],
    "json": ["{", "}", "[", "]", '"', "\\", ":", ",", '"@list"', '"@id"', '"http://e/p"', '"@context"',
             "1", "null", " "],
    "xml": ["<rdf:RDF xmlns:rdf=\"" + h.RDF_NS + "\" xmlns:e=\"http://e/\">", "</rdf:RDF>", "<e:p>", "</e:p>",
            "<rdf:Description>", "</rdf:Description>", "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>", "/>",
            "<", ">", '"', "'", "&amp;", "&x;", "<!DOCTYPE", "text", " "],
}
FAMILY = {ox.RdfFormat.JSON_LD: "json", ox.RdfFormat.RDF_XML: "xml"}


@given(fmt=st.sampled_from(FORMATS), body=st.binary(max_size=3000))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_bytes_never_crash(pool, fmt, body):
    outcome(pool, body, fmt)


@given(data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_token_soup_never_crashes(pool, data):
    fmt = data.draw(st.sampled_from(FORMATS))
    tokens = data.draw(st.lists(st.sampled_from(SOUP[FAMILY.get(fmt, "turtle")]), max_size=4000))
    outcome(pool, "".join(tokens).encode(), fmt)


@given(data=st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_deep_nesting_never_crashes(pool, data):
    """Nesting of 0 to 30,000 levels, in every format, with random bytes spliced in."""
    fmt = data.draw(st.sampled_from(FORMATS))
    depth = data.draw(st.one_of(st.integers(0, 80), st.integers(0, 30_000)))
    body = data.draw(st.sampled_from([h.deep, lambda f, d: h.json_objects(d) if f == ox.RdfFormat.JSON_LD
                                      else h.deep(f, d)]))(fmt, depth)
    at = data.draw(st.integers(0, len(body)))
    body = body[:at] + data.draw(st.binary(max_size=8)) + body[at + data.draw(st.integers(0, 8)):]
    outcome(pool, body, fmt)


def _examples() -> dict[ox.RdfFormat, bytes]:
    """The example passport in every format, the same bytes every time (Hypothesis replays)."""
    iri = ox.NamedNode(f"{BASE}id/passport/GM0153/brug-0042")
    triples = sorted(ox.parse(passport_ttl().encode(), ox.RdfFormat.TURTLE), key=str)
    quads = [ox.Quad(t.subject, t.predicate, t.object, iri) for t in triples]
    return {fmt: ox.serialize(quads if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) else
                              [q.triple for q in quads], format=fmt) for fmt in FORMATS}


EXAMPLES = _examples()


@given(data=st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_garbled_passports_never_crash(pool, data):
    """The example passport in every format, with bytes deleted, repeated or replaced."""
    fmt = data.draw(st.sampled_from(FORMATS))
    body = bytearray(EXAMPLES[fmt])
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(body)))
        size = data.draw(st.integers(0, 40))
        action = data.draw(st.sampled_from(["delete", "repeat", "replace"]))
        if action == "delete":
            del body[at:at + size]
        elif action == "repeat":
            body[at:at] = body[at:at + size] * data.draw(st.integers(1, 200))
        else:
            body[at:at + size] = data.draw(st.binary(max_size=size))
    outcome(pool, bytes(body), fmt)
    assert pool.crashed == 0


def test_a_graph_split_in_two_places_of_the_file_is_named():
    """N-Quads whose passport graphs A, B, A are not together: refused, naming A, in both languages;
    the same quads sorted by graph read as two passports."""
    def quads(key: str) -> list[ox.Quad]:
        graph = ox.NamedNode(f"{BASE}id/passport/GM0153/{key}")
        return [ox.Quad(t.subject, t.predicate, t.object, graph)
                for t in ox.parse(passport_ttl(key).encode(), format=ox.RdfFormat.TURTLE)]

    a, b = quads("split-a"), quads("split-b")
    split = ox.serialize(a[:3] + b + a[3:], format=ox.RdfFormat.N_QUADS)
    with pytest.raises(RegistryError) as refused:
        list(read_bytes(split, BASE, ox.RdfFormat.N_QUADS))
    assert "GM0153/split-a" in str(refused.value) and "not together" in str(refused.value)
    assert "niet bij elkaar" in refused.value.message("nl")
    together = list(read_bytes(ox.serialize(a + b, format=ox.RdfFormat.N_QUADS), BASE, ox.RdfFormat.N_QUADS))
    assert [d.iri for d in together] == [f"{BASE}id/passport/GM0153/split-a", f"{BASE}id/passport/GM0153/split-b"]
