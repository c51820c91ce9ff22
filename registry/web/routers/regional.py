"""``GET /regional/{name}``: a regional saved query run against every peer registry (docs/federation.md).

The query's parameters come from the query string as on ``/query/{name}``; ``peer`` (repeatable) picks
some of the allow-listed peers instead of all, ``partial=0|1`` overrides PASSPORTS_FEDERATION_PARTIAL.
The answer is SPARQL 1.1 JSON results (the union of the peers' rows) with a ``federation`` member:
which peers were asked and which failed, with their errors; the header ``X-Federation-Failed`` lists
the failed peers too.
"""

from __future__ import annotations

import json

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from registry.core.errors import RegistryError
from registry.core.settings import Settings
from registry.model.vocab import PREFIXES
from registry.query import federation
from registry.query import saved as saved_queries
from registry.query.pool import QueryPool
from registry.web.budget import admitted
from registry.web.errors import CORS_HEADERS, ProtocolError

router = APIRouter(tags=["sparql"])


@router.get("/regional/{name}", summary="A regional saved query, run against every peer registry")
async def regional(request: Request, name: str) -> Response:
    settings: Settings = request.app.state.settings
    pool: QueryPool = request.app.state.query_pool
    try:
        saved = saved_queries.get(name)
    except saved_queries.UnknownSavedQuery as exc:
        raise ProtocolError(404, exc) from None
    params = request.query_params
    values = {p.name: params.get(p.name, "") for p in saved.parameters if p.name != federation.PEER}
    missing = [n for n, v in values.items() if not v.strip()
               and not next(p for p in saved.parameters if p.name == n).optional]
    if missing:
        raise ProtocolError(400, ("missing parameters: " + ", ".join("?" + m for m in missing),
                                  "ontbrekende parameters: " + ", ".join("?" + m for m in missing)))
    partial = settings.federation_partial if params.get("partial") is None else params.get("partial") not in ("0", "false")
    worked = [0.0]

    def run(query: str, substitutions: tuple) -> bytes:
        result = pool.run(query, format="json", substitutions=substitutions, timeout=settings.federation_timeout,
                          base_iri=settings.base_iri + "sparql", prefixes=tuple(PREFIXES.items()), fast_lane=False)
        worked[0] += result.work_seconds
        return result.body

    with admitted(request) as ticket:  # 429 when the client's budget is spent
        try:
            answer = await to_thread.run_sync(lambda: federation.run_regional(
                saved, values, settings.service_allowlist, run, peers=params.getlist("peer") or None,
                partial=partial))
        except RegistryError as exc:
            ticket.work(worked[0])
            raise ProtocolError(exc.status, exc) from None
        ticket.work(worked[0])
    headers = {**CORS_HEADERS, "X-Federation-Failed": " ".join(answer.failed)}
    return Response(json.dumps(answer.json()), media_type="application/sparql-results+json", headers=headers)
