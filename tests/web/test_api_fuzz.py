"""Schemathesis against the write API's own OpenAPI description, on a real server: whatever the
generator sends (valid by the schema or not, with and without a token), the answer is never a
server error, and the server keeps answering."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from conftest import BASE
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from servers import serve

from registry.core.settings import Settings
from registry.store.tokens import TokenStore
from registry.web.app import create_app

pytestmark = pytest.mark.slow



@schemathesis.serializer("application/n-triples", "application/n-quads", "application/trig")
def _rdf_text(ctx, value) -> bytes:
    """RDF bodies that schemathesis has no serializer for: the generated text as UTF-8."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(str(value), "utf-8")


# The schema as the app publishes it at /openapi.json (made without a server; no store is opened).
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(base_iri=BASE)).openapi()).include(
    path_regex="^/api/v1/")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz") / "data"
    with serve(Settings(data_dir=data, base_iri=BASE, page_workers=0, query_workers=1,
                        max_body_bytes=200_000)) as server:
        _, token = TokenStore(server.settings.tokens_path).create("GM0153", "fuzz")
        yield server, token


@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_write_api_never_answers_a_server_error(case, api):
    server, token = api
    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        response = case.call(base_url=server.url, headers=headers, timeout=60)
        case.validate_response(response, checks=[not_a_server_error])


def test_the_server_still_answers_after_the_fuzzing(api):
    server, _ = api
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
