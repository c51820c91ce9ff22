"""Regional queries across peer registries (docs/federation.md): one saved query, every allow-listed peer.

A regional saved query (``sparql/regional-*.rq``) calls ``SERVICE ?peer { ... }`` and takes ``?peer``
as a parameter; the service policy lets ``?peer`` through only when the server binds it to an IRI on
the allow-list (``PASSPORTS_SERVICE_ALLOWLIST``, ``service_policy.check_services(..., bound=...)``).
:func:`run_regional` runs it once per peer, in the query worker pool (each call in its own worker with
the federation time limit, so a peer that never answers costs one killed worker, not the server), all
peers at once, and answers the union of the rows as SPARQL JSON results. It is the SERVICE clause in
the regional instance's query worker that fetches from the peer: the peer's own endpoint, with its own
limits, does the counting, and the regional instance adds what it knows (labels of the reference data).

A peer that is down, slow or answers with an error: with ``partial`` (``PASSPORTS_FEDERATION_PARTIAL``,
on by default) the answer holds the other peers' rows and names the failed peers with their errors
(``failed``); without it the whole query fails with :class:`FederationFailed` (502) naming them. When
every peer fails it always fails.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.query import service_policy
from registry.query.saved import SavedQuery

__all__ = ["FederationFailed", "RegionalAnswer", "peers_of", "run_regional"]

PEER = "peer"

WORDS = Wording({
    "not_regional": ("{name} is not a regional query: it has no parameter ?peer",
                     "{name} is geen regionale query: hij heeft geen parameter ?peer"),
    "no_peers": ("no peer registries: {setting} names no SPARQL endpoint",
                 "geen andere registraties: {setting} noemt geen SPARQL-endpoint"),
    "failed": ("{failed} of {total} peer registries did not answer: {details}",
               "{failed} van {total} andere registraties gaven geen antwoord: {details}"),
})


class FederationFailed(RegistryError):
    """Peers that did not answer a regional query, when a partial answer is not wanted (or possible)."""

    status = 502


@dataclass
class RegionalAnswer:
    """The union of the peers' rows as SPARQL 1.1 JSON results, and the peers that failed."""

    variables: list[str]
    rows: list[dict] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # peer endpoint -> error message
    seconds: dict[str, float] = field(default_factory=dict)  # peer endpoint -> seconds it took

    def json(self) -> dict:
        return {"head": {"vars": self.variables}, "results": {"bindings": self.rows},
                "federation": {"peers": sorted(self.seconds), "failed": self.failed}}


def _failure(key: str, *, status: int | None = None, details: dict | None = None, **values) -> FederationFailed:
    en = WORDS.say(key, "en", **values, **({"details": details["en"]} if details else {}))
    nl = WORDS.say(key, "nl", **values, **({"details": details["nl"]} if details else {}))
    return FederationFailed(en, message_nl=nl, status=status)


def peers_of(allowlist: tuple[str, ...] | list[str]) -> list[str]:
    """The peers a regional query asks: the allow-list's entries that name an endpoint (a prefix entry
    ending in ``/`` allows many endpoints but names none)."""
    return [entry for entry in allowlist if not entry.endswith("/")]


def run_regional(saved: SavedQuery, values: dict[str, str], allowlist: tuple[str, ...] | list[str],
                 run: Callable[[str, tuple], bytes], *, peers: list[str] | None = None,
                 partial: bool = True) -> RegionalAnswer:
    """Run the regional ``saved`` query once per peer (``peers``, else every endpoint of the
    allow-list) and return the union of the rows.

    ``run(query, substitutions)`` runs one query in a worker and returns SPARQL JSON results (the
    web app passes its query pool); it raises a ``RegistryError`` when the query fails or times out."""
    if PEER not in {p.name for p in saved.parameters}:
        raise _failure("not_regional", status=400, name=saved.name)
    chosen = peers_of(allowlist) if peers is None else peers
    if not chosen:
        raise _failure("no_peers", status=409, setting=service_policy.ALLOWLIST_SETTING)
    base = {k: v for k, v in values.items() if k != PEER}
    jobs = []
    for peer in chosen:
        substitutions = saved.substitutions({**base, PEER: peer})
        # refused here (403) before anything is sent when a named peer is not on the allow-list
        service_policy.check_services(saved.body, allowlist, {PEER: peer})
        jobs.append((peer, substitutions))
    answer = RegionalAnswer(variables=[])
    errors: dict[str, RegistryError] = {}

    def one(job):
        peer, substitutions = job
        started = time.perf_counter()
        try:
            return peer, json.loads(run(saved.body, substitutions)), None, time.perf_counter() - started
        except RegistryError as exc:
            return peer, None, exc, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="regional") as threads:
        for peer, result, error, seconds in threads.map(one, jobs):
            answer.seconds[peer] = round(seconds, 4)
            if error is not None:
                errors[peer] = error
                answer.failed[peer] = error.message("en")
                continue
            answer.variables = answer.variables or result["head"]["vars"]
            answer.rows += result["results"]["bindings"]
    if answer.failed and (not partial or len(answer.failed) == len(jobs)):
        raise _failure("failed", failed=len(errors), total=len(jobs),
                       details={lang: "; ".join(f"{peer}: {exc.message(lang)}" for peer, exc in errors.items())
                                for lang in ("en", "nl")})
    if not answer.variables:
        answer.variables = [PEER]
    return answer
