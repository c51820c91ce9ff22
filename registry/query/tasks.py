"""What a query worker is given and what comes back: the :class:`Task`, the :class:`QueryResult` and
the errors a query can end in (their ``status`` is the HTTP status the endpoint answers with).
Shared by the pool (:mod:`registry.query.pool`, which exports them too), the worker and the
server's inline runner."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.core.errors import RegistryError

# ---------------------------------------------------------------------------------------------
# Errors a query can end in. ``status`` is the HTTP status the endpoint answers with.

class QueryError(RegistryError):
    status = 500


class QuerySyntaxError(QueryError):
    status = 400


class ResultFormatError(QueryError):
    status = 400


class ResultTooLarge(QueryError):
    status = 400


class QueryTimeout(QueryError):
    status = 503


class StoreUnavailable(QueryError):
    status = 503


class QueryFailed(QueryError):
    status = 500


class QueryOutOfMemory(QueryError):
    """The query needed more memory than a worker may use (``PASSPORTS_QUERY_MEMORY``): a limit
    of this server, like the time limit, not a fault."""

    status = 503


_ERRORS = {cls.__name__: cls for cls in (QuerySyntaxError, ResultFormatError, ResultTooLarge,
                                           StoreUnavailable, QueryFailed)}


@dataclass(frozen=True)
class QueryResult:
    body: bytes
    media_type: str
    form: str  # sparql_formats.SOLUTIONS, BOOLEAN or GRAPH
    format: str  # key of the sparql_formats.ResultFormat written; "html" means JSON/Turtle to render
    count: int | None  # rows or triples; None for ASK
    seconds: float  # from the call to the answer, waiting for a worker included
    work_seconds: float = 0.0  # what workers spent on it (charged to the client's budget)


@dataclass(frozen=True)
class Task:
    query: str
    accept: str | None = None
    format: str | None = None
    allow_html: bool = False
    # The protocol's dataset (default-graph-uri / named-graph-uri). Both None: the public default
    # graph, the union of all named graphs (or the query's own FROM / FROM NAMED).
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    # Values for variables (pyoxigraph substitutions): name -> ("iri", value) or
    # ("literal", lexical, datatype IRI or None, language or None).
    substitutions: tuple[tuple[str, tuple], ...] = ()
    base_iri: str | None = None
    prefixes: tuple[tuple[str, str], ...] = field(default=())
