"""Writing the files of a site build: :class:`Writer` runs one task (a chunk of passports or one
overview list) in a worker process, or in the builder's own process.

A passport's files are its page in every language, its RDF documents (as the linked-data URIs
serve them), and a page and RDF documents per version; its current-version page is rendered from
the view, graph and RDF documents of its passport page. Overview pages and vocabulary documents
are written only when their bytes (or statements) changed since the last build.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pyoxigraph as ox

from registry.model.terms import get_terms
from registry.model.uris import PassportRef, owning_passport
from registry.model.vocab import MP, MPV
from registry.static_site.manifest import file_digest, passport_fingerprint
from registry.static_site.pages import render_static, shared_parts, without_part
from registry.static_site.report import TaskResult
from registry.store.registry import Registry
from registry.views.linked_data import passport_document
from registry.views.negotiation import JSON_LD, N_TRIPLES, TURTLE
from registry.views.pages import contexts as pages
from registry.views.pages import paging
from registry.views.pages.contexts import Page
from registry.views.pages.history import history_rows
from registry.views.pages.links import static_file
from registry.views.pages.lists import iter_concept, iter_kind, iter_material, iter_municipality
from registry.views.pages.search import SearchForm
from registry.views.pages.tables import table_csvs
from registry.views.serialization import CONTEXT_URL, serialize
from registry.views.vocabulary import ontology_triples, vocabulary_triples

RDF_FORMATS = (TURTLE, JSON_LD, N_TRIPLES)
STATIC_LIST_PAGES = 20  # pages of passports on material, object kind and concept pages


class Output:
    """Writes files under the output folder with plain ``os`` calls (the innermost loop of a
    build): a folder is made only when opening a file in it fails."""

    _FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC

    def __init__(self, root: Path):
        self.root = str(root) + "/"

    def write(self, rel: str, body: bytes) -> None:
        target = self.root + rel
        try:
            fd = os.open(target, self._FLAGS, 0o644)
        except FileNotFoundError:
            os.makedirs(target.rpartition("/")[0], exist_ok=True)
            fd = os.open(target, self._FLAGS, 0o644)
        try:
            written = os.write(fd, body)
            if written < len(body):
                view = memoryview(body)[written:]
                while view:
                    view = view[os.write(fd, view):]
        finally:
            os.close(fd)


_BNODE = ox.BlankNode("b")


def _no_bnode(term):
    return _BNODE if isinstance(term, ox.BlankNode) else term


class Writer:
    """Writes the files of passports (page, version pages, their RDF documents) and of overview
    pages (written only when their bytes changed since the last build, per ``old_files``)."""

    def __init__(self, registry: Registry, out: Path, site_url: str, languages: tuple[str, ...],
                 list_pages: int = STATIC_LIST_PAGES, old_files: dict[str, str] | None = None):
        self.registry = registry
        self.base = registry.base
        self.tile_url = registry.settings.tile_url
        self.out = out
        self.output = Output(out)
        self.terms = get_terms()
        self.object_kinds = frozenset(self.terms.object_kinds)
        self.languages = languages
        self.list_pages = list_pages
        self.old_files = old_files or {}
        self.context_url = CONTEXT_URL  # the stable URL; the site serves the same context at context.jsonld
        self.current: dict[str, bool] = {}  # graph name -> a current passport (the store is a snapshot)

    def run(self, task: tuple) -> TaskResult:
        kind, arg = task[0], task[1]
        if kind == "passports":
            return self.passports(arg, collect_dump=task[2])
        result = TaskResult(overview=1)
        self.overview(kind, arg, result)
        return result

    # -- passports -------------------------------------------------------------------------
    def passports(self, items: list[tuple[str, str, str | None]], collect_dump: bool = False) -> TaskResult:
        """Every file of these passports; ``collect_dump``: also their stored graphs as N-Quads."""
        result = TaskResult()
        dump: list[bytes] | None = [] if collect_dump else None
        for iri, status, fingerprint in items:
            built = self.passport(iri, status, result, dump)
            if built:
                result.rows.append((iri, built[1] if fingerprint is None else fingerprint, built[0]))
        if dump:
            data = b"".join(dump)
            result.dump_quads = data.count(b"\n")
            result.dump = gzip.compress(data, compresslevel=5, mtime=0)
        return result

    def passport(self, iri: str, status: str, result: TaskResult,
                 dump: list[bytes] | None = None) -> tuple[str, str] | None:
        """Write one passport's files; (page file, fingerprint), or None when it is gone."""
        ref = owning_passport(self.base, iri)
        current = PassportRef(self.base, ref.municipality, ref.key)
        node = ox.NamedNode(current.iri)
        doc = passport_document(self.registry, current)
        if doc is None:
            return None
        history = history_rows(self.registry, current)
        triples = doc.materialize()
        page = pages.passport(self.registry, self.terms, current, triples=triples, status=status,
                              history=history)
        path = f"/doc/passport/{ref.municipality}/{ref.key}"
        shared = shared_parts(page, self.base, self.terms, self.object_kinds, self.languages, self.tile_url)
        current_rdf = self._files(page, path, doc, result, shared=shared)
        if dump is not None:
            if doc.source == (self.registry.store, node):  # the document is the stored graph
                dump.append(current_rdf[N_TRIPLES.suffix].replace(b" .\n", f" <{iri}> .\n".encode()))
            else:  # a tombstone document adds what the store does not hold
                dump.append(ox.serialize(self.registry.store.quads_for_pattern(None, None, None, node),
                                         format=ox.RdfFormat.N_QUADS))
        view = page.context.get("view", {})
        number = view.get("version_number") if status == "current" else None
        # a version page names no successors (it never changes): their facts differ then
        vshared = without_part(shared, "facts_html") if view.get("successors") else shared
        for row in history:
            version = current.at(row["number"])
            if row["number"] == number:
                # the current version: the same graph, view and RDF documents, built once
                vpage = pages.passport(self.registry, self.terms, version, status="version",
                                       history=history, view=view)
                self._files(vpage, f"{path}/v/{row['number']}", doc, result, rdf=current_rdf, shared=vshared)
            else:
                vdoc = passport_document(self.registry, version)
                if vdoc is None:
                    continue
                vpage = pages.passport(self.registry, self.terms, version, triples=vdoc.materialize(),
                                       status="version", history=history)
                self._files(vpage, f"{path}/v/{row['number']}", vdoc, result)
            result.versions += 1
        result.predecessors += view.get("predecessors", [])
        return static_file(path), passport_fingerprint(status, node, triples)

    def _files(self, page: Page, path: str, doc, result: TaskResult, rdf: dict | None = None,
               shared: dict[str, dict[str, str]] | None = None) -> dict:
        """The page in every language, and the RDF documents as the linked-data URIs serve them
        (``rdf``: bodies already serialised for the same graph; ``shared``: parts already
        rendered for the same view). Returns the RDF bodies."""
        write = self.output.write
        for lang in self.languages:
            rel, body = render_static(page, lang, self.base, self.terms, self.object_kinds,
                                      self.languages, shared, self.tile_url)
            write(rel, body)
        result.pages += len(self.languages)
        if rdf is None:
            rdf = {fmt.suffix: doc.serialize(fmt, context_url=self.context_url) for fmt in RDF_FORMATS}
        stem = path[1:]
        for suffix, body in rdf.items():
            write(stem + suffix, body)
        result.rdf_files += len(rdf)
        return rdf

    # -- overview pages and vocabulary documents -------------------------------------------
    def file(self, result: TaskResult, rel: str, body: bytes, *, html: bool, digest: str | None = None) -> None:
        """An overview file: written only when its bytes (or ``digest``) changed since the last build."""
        result.seen.append(rel)
        digest = digest or file_digest(body)
        if self.old_files.get(rel) == digest and os.path.exists(self.output.root + rel):
            if html:
                result.pages_unchanged += 1
            return
        self.output.write(rel, body)
        result.files.append((rel, digest, 1 if html else 0))
        if html:
            result.pages += 1
        else:
            result.rdf_files += 1

    def page(self, result: TaskResult, page: Page) -> None:
        """The page in every language, then the tables it links that this task has not written
        yet (the pages of one list link the same table), each made once for all languages."""
        wanted: dict[tuple, tuple[str, dict, dict[str, str]]] = {}  # table -> name, params, {lang: file}
        for lang in self.languages:
            tables: dict[str, tuple[str, dict]] = {}
            rel, body = render_static(page, lang, self.base, self.terms, self.object_kinds,
                                      self.languages, tile_url=self.tile_url, tables=tables)
            self.file(result, rel, body, html=True)
            for table_rel, (name, params) in tables.items():
                if table_rel not in result.seen:
                    key = (name, tuple(sorted(params.items())))
                    wanted.setdefault(key, (name, params, {}))[2][lang] = table_rel
        for name, params, files in wanted.values():
            for lang, body in table_csvs(self.registry, self.terms, name, params, files).items():
                self.file(result, files[lang], body, html=False)

    def rdf_aggregate(self, result: TaskResult, path: str, triples) -> None:
        """RDF documents of vocabulary: rewritten only when the statements changed (blank node
        labels differ from run to run, so the bytes are not compared)."""
        triples = list(triples)
        digest = file_digest("\n".join(sorted(
            str(ox.Triple(_no_bnode(t.subject), t.predicate, _no_bnode(t.object)))
            for t in triples)).encode())
        for fmt in RDF_FORMATS:
            rel = path.lstrip("/") + fmt.suffix
            if self.old_files.get(rel) == digest and os.path.exists(self.output.root + rel):
                result.seen.append(rel)
                continue
            self.file(result, rel, serialize(triples, fmt, context_url=self.context_url),
                      html=False, digest=digest)

    def listing(self, result: TaskResult, make, iris, limit: int | None = -1) -> None:
        """All pages of one list from a single pass over its index (no OFFSET per page)."""
        limit = self.list_pages if limit == -1 else limit
        seen: set[str] = set()
        chunk: list[str] = []
        page = 1
        for iri in iris:
            if iri in seen:
                continue
            seen.add(iri)
            chunk.append(iri)
            if len(chunk) > paging.PAGE_SIZE:
                last = limit is not None and page >= limit
                self.page(result, make(page, (chunk[:paging.PAGE_SIZE], not last)))
                if last:
                    return
                chunk = chunk[paging.PAGE_SIZE:]
                page += 1
        self.page(result, make(page, (chunk, False)))

    def overview(self, kind: str, arg, result: TaskResult) -> None:
        """One overview task (see ``SiteBuilder._overview_tasks``)."""
        registry, terms, store = self.registry, self.terms, self.registry.store
        if kind == "fixed":
            fixed = [pages.home(registry, terms, wait=None), pages.municipalities(registry, terms, wait=None),
                     pages.materials(registry, terms, wait=None), pages.concepts(terms), pages.ontology(terms),
                     pages.search(registry, terms, SearchForm()),
                     Page("not_found.html", {"path": "", "suggestion": ""}, 404, "/404")]
            for name, _ in pages.concept_schemes(terms):
                found = pages.scheme(registry, terms, name[len(MPV):], wait=None)
                if found is not None:
                    fixed.append(found)
            for page in fixed:
                self.page(result, page)
        elif kind == "municipality":
            self.listing(result, lambda page, listing: pages.municipality(
                registry, terms, arg, page, wait=None, listing=listing),
                iter_municipality(store, arg), limit=None)
        elif kind == "material":
            self.listing(result, lambda page, listing: pages.material(
                registry, terms, arg, page, wait=None, listing=listing), iter_material(store, arg, self.current))
        elif kind == "objectkind":
            self.listing(result, lambda page, listing: pages.objectkind(
                registry, terms, arg, page, wait=None, listing=listing), iter_kind(store, arg, self.current))
        elif kind == "concept":
            self.listing(result, lambda page, listing: pages.concept(
                registry, terms, arg, page, wait=None, listing=listing), iter_concept(store, arg, self.current))
        elif kind == "concepts":  # concepts that list no passports: one page each
            for iri in arg:
                self.page(result, pages.concept(registry, terms, iri, 1, wait=None, listing=([], False)))
        elif kind == "vocabulary":
            self.rdf_aggregate(result, "/def", ontology_triples())
            for iri in terms.vocabulary_iris():
                triples = vocabulary_triples(iri)
                if triples:
                    self.rdf_aggregate(result, "/doc/" + iri[len(MPV):], triples)
            for iri in terms.object_kinds:
                triples = vocabulary_triples(iri)
                if triples:
                    self.rdf_aggregate(result, f"/doc/objectkind/{iri[len(MP):]}", triples)
        else:
            raise ValueError(f"unknown site build task {kind!r}")
