"""The SPARQL-server backend: :class:`SparqlStore`, the part of ``pyoxigraph.Store`` the registry
uses, over an existing SPARQL 1.1 server (Query, Update and Graph Store protocols; Virtuoso,
Fuseki, ...), so that ``PASSPORTS_BACKEND=sparql`` keeps the current versions and the provenance
there instead of in ``DATA/main``; with ``PASSPORTS_SPARQL_HISTORY_*`` the superseded versions go to a
dataset of their own (another server, or another Fuseki dataset) instead of ``DATA/history``.

- writes: ``extend``, ``replace_graphs``, ``bulk_load`` (a batch of passports is one call) go
  through ``write``, whole or not at all (``remote_writes``: as one Graph Store Protocol request
  of N-Quads, or SPARQL Update requests, undone when one fails); ``update``, ``remove``,
  ``remove_graph`` are single SPARQL Updates;
- reads: ``quads_for_pattern`` is a ``SELECT`` over ``GRAPH ?g``, ``query`` passes the SPARQL text
  through (values of named queries bound with ``remote_terms.bind``) and returns pyoxigraph's own
  result objects, parsed with ``parse_query_results``;
- the server's default graph must be the union of its named graphs (Virtuoso's default; Fuseki:
  ``tdb:unionDefaultGraph``), as the embedded store is queried with ``use_default_graph_as_union``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

import httpx
import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.core.settings import Settings
from registry.store import remote_terms, remote_writes
from registry.store.failures import StoreError

WORDS = Wording({
    "unreachable": (("the SPARQL server at {url} does not answer ({error}); check {setting} "
                    "and that the server runs"),
                    ("de SPARQL-server op {url} antwoordt niet ({error}); controleer "
                    "{setting} en of de server draait")),
    "refused": ("the SPARQL server at {url} refused a request (HTTP {status}): {text}",
                "de SPARQL-server op {url} weigerde een verzoek (HTTP {status}): {text}"),
    "settings": ("PASSPORTS_BACKEND=sparql needs PASSPORTS_SPARQL_QUERY_URL (and _UPDATE_URL to write)",
                 "PASSPORTS_BACKEND=sparql heeft PASSPORTS_SPARQL_QUERY_URL nodig (en _UPDATE_URL om te schrijven)"),
    "read_only": ("this handle of the SPARQL store is read-only", "deze toegang tot de SPARQL-opslag is alleen-lezen"),
    "undone": ("{error} (what the write had changed on the server was undone)",
               "{error} (wat de schrijfactie op de server had veranderd is teruggedraaid)"),
    "not_undone": ("{error}; undoing the part written failed too ({undo}): the server may hold part of the write",
                   ("{error}; ook het terugdraaien van het geschreven deel mislukte ({undo}): de server kan een "
                    "deel van de schrijfactie bevatten")),
    "history_settings": (("PASSPORTS_SPARQL_HISTORY_QUERY_URL is set but PASSPORTS_BACKEND is not 'sparql': "
                          "the history goes to a server only with the current versions"),
                         ("PASSPORTS_SPARQL_HISTORY_QUERY_URL is gezet maar PASSPORTS_BACKEND is niet 'sparql': "
                          "de geschiedenis gaat alleen samen met de huidige versies naar een server")),
    "history_update": (("PASSPORTS_SPARQL_HISTORY_QUERY_URL needs PASSPORTS_SPARQL_HISTORY_UPDATE_URL too "
                        "(on Virtuoso the same URL)"),
                       ("PASSPORTS_SPARQL_HISTORY_QUERY_URL heeft ook PASSPORTS_SPARQL_HISTORY_UPDATE_URL nodig "
                        "(bij Virtuoso dezelfde URL)")),
    "history_shared": (("the history dataset ({url}) is the dataset of the current versions: superseded versions "
                        "there would be in every query's union. Give PASSPORTS_SPARQL_HISTORY_QUERY_URL and "
                        "_UPDATE_URL a dataset of their own (a second Fuseki dataset; on Virtuoso, whose default "
                        "graph is the union of all graphs, a second server)"),
                       ("de dataset voor de geschiedenis ({url}) is die van de huidige versies: oude versies zouden "
                        "daar in de unie van elke query staan. Geef PASSPORTS_SPARQL_HISTORY_QUERY_URL en "
                        "_UPDATE_URL een eigen dataset (een tweede Fuseki-dataset; bij Virtuoso, waar de standaardgraaf "
                        "de unie van alle grafen is, een tweede server)")),
    "backend": ("PASSPORTS_BACKEND is {value!r}; use 'embedded' or 'sparql'",
                "PASSPORTS_BACKEND is {value!r}; gebruik 'embedded' of 'sparql'"),
})
RESULTS_JSON = "application/sparql-results+json"
TRIPLES = "application/n-triples, text/turtle;q=0.9"
UPDATE = "application/sparql-update"
NQUADS = "application/n-quads"


class RemoteStoreError(StoreError):
    """A SPARQL server that does not answer, or refuses a request."""

    def __init__(self, message_en: str, message_nl: str) -> None:
        super().__init__(message_en, message_nl=message_nl)


def _told(key: str, error: RegistryError, **values) -> RemoteStoreError:
    """``error`` with what became of the write (``WORDS[key]``), in both languages."""
    en = WORDS.both(key, error=error.message_en, **values)[0]
    return RemoteStoreError(en, WORDS.both(key, error=error.message_nl, **values)[1])


def uses_server(settings: Settings) -> bool:
    """Whether ``settings`` keep the current versions on a SPARQL server."""
    if settings.backend not in ("embedded", "sparql"):
        en, nl = WORDS.both("backend", value=settings.backend)
        raise RegistryError(en, message_nl=nl)
    return settings.backend == "sparql"


def server_config(settings: Settings) -> dict | None:
    """What a worker process needs to open the store itself (JSON), or None for the embedded one."""
    if not uses_server(settings):
        return None
    return {"query_url": settings.sparql_query_url, "update_url": settings.sparql_update_url,
            "graph_store_url": settings.sparql_graph_store_url, "user": settings.sparql_user, "password": settings.sparql_password, "auth": settings.sparql_auth}


def open_store(settings: Settings, *, read_only: bool = False) -> SparqlStore:
    return SparqlStore(**server_config(settings), read_only=read_only)


def history_on_server(settings: Settings) -> bool:
    """Whether ``settings`` keep the superseded versions on a server (PASSPORTS_SPARQL_HISTORY_*)."""
    if not settings.sparql_history_query_url:
        return False
    if not uses_server(settings):
        raise RemoteStoreError(*WORDS.both("history_settings"))
    if not settings.sparql_history_update_url:
        raise RemoteStoreError(*WORDS.both("history_update"))
    main = {settings.sparql_query_url, settings.sparql_update_url, settings.sparql_graph_store_url} - {""}
    history = {settings.sparql_history_query_url, settings.sparql_history_update_url,
               settings.sparql_history_graph_store_url} - {""}
    if main & history:
        raise RemoteStoreError(*WORDS.both("history_shared", url=min(main & history)))
    return True


def open_history_store(settings: Settings, *, read_only: bool = False) -> SparqlStore:
    """The history dataset on its server (``history_on_server``)."""
    return SparqlStore(settings.sparql_history_query_url, settings.sparql_history_update_url,
                       settings.sparql_user, settings.sparql_password, settings.sparql_auth,
                       graph_store_url=settings.sparql_history_graph_store_url, read_only=read_only,
                       setting="PASSPORTS_SPARQL_HISTORY_QUERY_URL")


def check_history_apart(history: SparqlStore, current_graph: ox.NamedNode) -> None:
    """Refuse a history dataset that shows ``current_graph`` (a graph only the current dataset has,
    e.g. the reference data's manifest): the same dataset under other URLs."""
    if history.contains_named_graph(current_graph):
        raise RemoteStoreError(*WORDS.both("history_shared", url=history.query_url))


_OWN_VALUES = "SELECT ?s ?p ?o WHERE { GRAPH ?s { ?s ?p ?o } }"  # values of nodes in their own graphs

class SparqlStore:
    """A dataset on a SPARQL 1.1 server, used like a ``pyoxigraph.Store``."""

    def __init__(self, query_url: str, update_url: str = "", user: str = "", password: str = "",
                 auth: str = "basic", *, graph_store_url: str = "", read_only: bool = False,
                 timeout: float = 600, setting: str = "PASSPORTS_SPARQL_QUERY_URL") -> None:
        if not query_url or not (update_url or read_only):
            raise RemoteStoreError(*WORDS.both("settings"))
        self.setting = setting  # the setting that names this server, in messages
        self.query_url, self.update_url, self.read_only = query_url, update_url or query_url, read_only
        credentials = None
        if user:
            credentials = httpx.DigestAuth(user, password) if auth == "digest" else httpx.BasicAuth(user, password)
        self.client = httpx.Client(auth=credentials, timeout=timeout)
        probe = self._post(self.query_url, {"query": "ASK {}"}, RESULTS_JSON)
        self.virtuoso = "virtuoso" in probe.headers.get("server", "").lower()
        # Virtuoso's /sparql-graph-crud takes one graph a request, slower than SPARQL Update there
        self.graph_store_url = "" if self.virtuoso else graph_store_url

    # -- the protocol -------------------------------------------------------------------------
    def _post(self, url: str, form: dict, accept: str = RESULTS_JSON, *, body: tuple[bytes, str] | None = None,
              ) -> httpx.Response:
        """A form (a query), or ``body``: (content, its type), posted to ``url``."""
        try:
            if body is None:
                response = self.client.post(url, data=form, headers={"Accept": accept})
            else:
                response = self.client.post(url, content=body[0], headers={"Accept": accept, "Content-Type": body[1]})
        except httpx.HTTPError as exc:
            raise RemoteStoreError(*WORDS.both("unreachable", url=url, error=exc, setting=self.setting)) from exc
        if response.status_code >= 400:
            text = response.text[:500]
            if response.status_code == 400 and "query" in form:
                raise SyntaxError(text)
            raise RemoteStoreError(*WORDS.both("refused", url=url, status=response.status_code, text=text))
        return response

    def _writable(self) -> None:
        if self.read_only:
            raise RemoteStoreError(*WORDS.both("read_only"))

    def send_update(self, text: str) -> None:
        """One SPARQL Update request (the text as the body, not a form: no URL-encoding)."""
        self._writable()
        self._post(self.update_url, {}, body=(text.encode(), UPDATE))

    def _update(self, operations: Iterable[str]) -> None:
        for text, _ in remote_writes.requests(operations, self.virtuoso):
            self.send_update(text)

    def write(self, drops: Iterable[ox.NamedNode], quads: Iterable[ox.Quad]) -> None:
        """Drop the graphs ``drops``, then insert ``quads``: whole or not at all (``remote_writes``)."""
        drops, quads = list(drops), list(quads)
        if not drops and not quads:
            return
        self._writable()
        if self.graph_store_url and not drops:  # one request: one transaction
            self._post(self.graph_store_url, {}, body=(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), NQUADS))
            return
        texts = remote_writes.requests(remote_writes.operations(self, drops, quads), self.virtuoso)
        first = next(texts)
        second = next(texts, None)
        if second is None and (first[1] == 1 or not self.virtuoso):
            self.send_update(first[0])  # one request (on Virtuoso: one operation): atomic on the server
            return
        undo = remote_writes.plan(self, drops, quads)
        try:
            for text, _ in (first, *([second] if second else []), *texts):
                self.send_update(text)
        except RemoteStoreError as exc:
            try:
                remote_writes.undo(self, undo)
            except RemoteStoreError as failed:
                raise _told("not_undone", exc, undo=failed.message_en) from exc
            raise _told("undone", exc) from exc

    def _select(self, query: str) -> ox.QuerySolutions:
        response = self._post(self.query_url, {"query": query}, RESULTS_JSON)
        return ox.parse_query_results(self._results(response.content), format=ox.QueryResultsFormat.JSON)

    def _results(self, body: bytes) -> bytes:
        if not self.virtuoso:
            return body
        return json.dumps(remote_terms.fix_virtuoso_bindings(json.loads(body))).encode()

    # -- reading ------------------------------------------------------------------------------
    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterator[ox.Quad]:
        """The quads matching the pattern (None: any), in named graphs only (the registry keeps
        nothing in the default graph)."""
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(())
        terms = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        if self.virtuoso and object is not None:
            terms["o"] = remote_terms.outgoing(object, True)
        pattern = " ".join(str(terms[k]) if terms[k] is not None else f"?{k}" for k in "spo")
        graph = str(graph_name) if graph_name is not None else "?g"
        projection = " ".join(f"?{k}" for k in "spog" if terms[k] is None) or "*"
        query = f"SELECT {projection} WHERE {{ GRAPH {graph} {{ {pattern} }} }}"
        if projection == "*":
            query = f"ASK {{ GRAPH {graph} {{ {pattern} }} }}"
            if self._post(self.query_url, {"query": query}, RESULTS_JSON).json().get("boolean"):
                return iter([ox.Quad(subject, predicate, object, graph_name)])
            return iter(())
        return self._quads(self._select(query), terms, object)

    def _quads(self, solutions, terms: Mapping, object) -> Iterator[ox.Quad]:
        for row in solutions:
            g = terms["g"] if terms["g"] is not None else row["g"]
            if terms["g"] is None and remote_terms.is_system_graph(g.value):
                continue
            yield ox.Quad(terms["s"] or row["s"], terms["p"] or row["p"],
                          object if object is not None else remote_terms.canonical(row["o"]), g)

    def own_values(self, nodes: list[ox.NamedNode], predicates: list[ox.NamedNode]) -> dict[tuple, ox.Term]:
        """``{(node, predicate): value}`` of ``predicates`` of ``nodes`` in each node's own graph
        (the first value of each), in one query per ``remote_writes.LOOKUP`` nodes."""
        found: dict[tuple, ox.Term] = {}
        for start in range(0, len(nodes), remote_writes.LOOKUP):
            query = remote_terms.bind_each(_OWN_VALUES, ox.Variable("s"), nodes[start:start + remote_writes.LOOKUP])
            for row in self._select(remote_terms.bind_each(query, ox.Variable("p"), predicates)):
                found.setdefault((row["s"], row["p"]), remote_terms.canonical(row["o"]))
        return found

    def graphs_quads(self, graphs: list[ox.NamedNode]) -> dict[ox.NamedNode, list[ox.Quad]]:
        """The quads of each of ``graphs`` (as ``quads_for_pattern`` gives them), in one query per
        ``remote_writes.LOOKUP`` graphs, not a round trip each."""
        found: dict[ox.NamedNode, list[ox.Quad]] = {g: [] for g in graphs}
        for quad in remote_writes.content(self, graphs, canonical=True):
            found[quad.graph_name].append(quad)
        return found

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        # Virtuoso answers an empty GRAPH pattern with an unbound ?g; Jena lists graphs faster so
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { %s } }" % ("?s ?p ?o" if self.virtuoso else ""))
        return iter([row["g"] for row in rows if not remote_terms.is_system_graph(row["g"].value)])

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        answer = self._post(self.query_url, {"query": f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"}, RESULTS_JSON)
        return bool(answer.json().get("boolean"))

    def __contains__(self, quad: ox.Quad) -> bool:
        return next(self.quads_for_pattern(quad.subject, quad.predicate, quad.object, quad.graph_name), None) \
            is not None

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern()

    def __bool__(self) -> bool:  # a handle, true even when the dataset is empty
        return True

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def query(self, query: str, *, use_default_graph_as_union: bool = False, substitutions=None,
              default_graph=None, named_graphs=None, base_iri: str | None = None, **_ignored):
        """The result of ``query`` as pyoxigraph gives it: ``QuerySolutions``, ``QueryBoolean``,
        or an iterator of triples. The server's default graph is the union of its graphs."""
        form = {"query": remote_terms.bind(query, substitutions)}
        if default_graph is not None:
            form["default-graph-uri"] = [g.value for g in (default_graph if isinstance(default_graph, list)
                                                           else [default_graph])]
        if named_graphs is not None:
            form["named-graph-uri"] = [g.value for g in named_graphs]
        triples = remote_terms.query_form(query) in ("CONSTRUCT", "DESCRIBE")
        response = self._post(self.query_url, form, TRIPLES if triples else RESULTS_JSON)
        kind = response.headers.get("content-type", "")
        if "sparql-results" in kind:
            return ox.parse_query_results(self._results(response.content), format=ox.QueryResultsFormat.JSON)
        fmt = ox.RdfFormat.N_TRIPLES if "n-triples" in kind else ox.RdfFormat.TURTLE
        triples = (q.triple for q in ox.parse(response.content, fmt))
        if self.virtuoso:
            return iter([ox.Triple(t.subject, t.predicate, self._back(t.object)) for t in triples])
        return triples

    @staticmethod
    def _back(term: ox.Term) -> ox.Term:
        if isinstance(term, ox.Literal) and term.datatype.value in (remote_terms.VIRTUOSO_WKT,
                                                                    remote_terms.VIRTUOSO_GEOMETRY):
            return ox.Literal(term.value, datatype=ox.NamedNode(remote_terms.WKT))
        return term

    def dump(self, output=None, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, *, from_graph=None, prefixes=None,
             **_ignored):
        quads = self.quads_for_pattern(None, None, None, from_graph)
        items = [q.triple for q in quads] if from_graph is not None else list(quads)
        options = {"prefixes": prefixes} if prefixes else {}
        return ox.serialize(items, output, format, **options)

    # -- writing ------------------------------------------------------------------------------
    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Insert ``quads``, whole or not at all (``write``)."""
        self.write([], quads)

    bulk_extend = extend

    def add(self, quad: ox.Quad) -> None:
        self.extend([quad])

    def bulk_load(self, input=None, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, *, path=None, base_iri=None,
                  to_graph=None, **_ignored) -> None:
        """Parse here, insert as one ``write`` (whole or not at all; the memory of the parsed
        quads is bounded by the registry's loads, ``PASSPORTS_ADD_LOAD``)."""
        options = {"base_iri": base_iri} if base_iri else {}
        if to_graph is not None:
            options["to_graph"] = to_graph
        self.write([], ox.parse(input, format, path=path, **options))

    load = bulk_load

    def update(self, update: str, **_ignored) -> None:
        self._update([update])

    def replace_graphs(self, graphs: Iterable[ox.NamedNode], quads: Iterable[ox.Quad]) -> None:
        """Drop ``graphs`` and insert ``quads``, whole or not at all (``write``)."""
        self.write(graphs, quads)

    def remove(self, quad: ox.Quad) -> None:
        obj = remote_terms.outgoing(quad.object, self.virtuoso)
        self._update([f"DELETE DATA {{ GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {obj} }} }}"])

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self._update([f"DROP SILENT GRAPH {graph}"])

    def clear(self) -> None:
        self._update([f"DROP SILENT GRAPH {g}" for g in self.named_graphs()])

    def flush(self) -> None:
        """Nothing to flush: the server keeps its own storage."""

    def optimize(self) -> None:
        """Nothing to compact here: the server keeps its own storage."""

    def close(self) -> None:
        self.client.close()
