"""``build_site``: the whole site as static files, from the same templates as the server.

What is written (links are relative, so the site works from disk or from any folder of any web
server; Dutch at the root, other languages under ``en/``):

- HTML for every page: home, municipalities, materials, concepts, R-ladder and the other
  schemes, ontology, every municipality (all its passports, paged), material, object kind and
  concept (the first ``list_pages`` pages of passports), every passport, every version
  (``doc/passport/GM0153/brug-0042/v/3.html``) and a 410 page for each retired passport;
- RDF per resource next to its page: ``.ttl``, ``.jsonld`` (compacted, ``context.jsonld``) and
  ``.nt`` for passports, versions and vocabulary;
- ``dumps/registry.nq.gz`` (current passports and provenance) and ``dumps/history.nq.gz``
  (:mod:`registry.static_site.dumps`), ``dumps/GMxxxx.ttl.gz`` per municipality,
  ``dumps/reference.nq.gz`` and ``dumps/manifest.json`` (:mod:`registry.static_site.opendata_dumps`);
- the DCAT catalog (``catalog.html`` and ``catalog.ttl``, ``.jsonld``, ``.rdf``, ``.nt``) and the
  VoID description (``.well-known/void``) (:mod:`registry.views.opendata`);
- ``sitemap.xml`` (:mod:`registry.static_site.sitemap`);
- ``_headers`` and ``nginx.conf.example``: the security headers for the web server that serves the
  site (:mod:`registry.static_site.server_config`).

Incremental: ``OUT/.build/manifest.sqlite`` (:mod:`registry.static_site.manifest`) keeps each
passport's fingerprint (status, version, ``mp:contentHash``, modified) and a hash of every other
file. A second run re-renders only the passports whose fingerprint changed (and the predecessors
they name); when the store generation moved it re-renders the aggregate pages but writes only
those whose bytes changed, and re-dumps. A change of templates, UI strings, static files,
ontology, named queries, the code of the packages the pages are made by, or options rebuilds
everything.

Work: passports (in tasks of ``CHUNK``) and overview pages (a task per municipality, material,
object kind or concept list) go to ``workers`` processes, each with a read-only store and a
:class:`registry.static_site.writer.Writer`. Meanwhile this process writes the dumps: the
workers send the N-Quads of the graphs they read (see :class:`registry.static_site.dumps.Dumps`),
so a full build reads the store once. How far the build is goes to a ``progress`` callback (the
command line draws it as progress bars).
"""

from __future__ import annotations

import hashlib
import os
import resource
import time
from collections.abc import Callable, Iterator
from itertools import chain, islice
from pathlib import Path

import pyoxigraph as ox

from registry.core.resources import SPARQL_DIR
from registry.core.settings import Settings
from registry.model.terms import Terms, get_terms
from registry.model.uris import owning_passport
from registry.model.vocab import MPV, RDF_TYPE, RETIRED_PASSPORT
from registry.static_site.downloads import downloads_page
from registry.static_site.dumps import Dumps
from registry.static_site.manifest import Manifest, code_fingerprint, passport_fingerprint
from registry.static_site.opendata_dumps import open_data_documents
from registry.static_site.report import BuildReport, TaskResult
from registry.static_site.server_config import headers_file, nginx_example
from registry.static_site.sitemap import write_sitemap
from registry.static_site.workers import SiteWorkers
from registry.static_site.writer import STATIC_LIST_PAGES, Writer
from registry.store.registry import Registry
from registry.store.versions import iter_passport_iris
from registry.views.feed import static_files
from registry.views.pages import contexts as pages
from registry.views.pages.contexts import Page
from registry.views.pages.render import STATIC_DIR, templates_fingerprint
from registry.views.serialization import CONTEXT_PATH, context_bytes

CHUNK = 100  # passports per task

# ``progress(part, done, total)``: how far one part of the build is; ``total`` None: not known
# (yet), or the same as the last call said
ProgressCallback = Callable[[str, int, int | None], None]
PASSPORTS, OVERVIEW_PAGES = "passports", "overview pages"  # the parts


def _no_progress(part: str, done: int, total: int | None) -> None:
    pass


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class SiteBuilder:
    """One build of the site in ``out``: what is out of date, the tasks that bring it up to date,
    and the files of the build as a whole (static files, downloads page, stale files, sitemap)."""

    def __init__(self, registry: Registry, out: Path, *, site_url: str | None = None,
                 languages: tuple[str, ...] = ("nl", "en"), force: bool = False,
                 list_pages: int = STATIC_LIST_PAGES, progress: ProgressCallback | None = None,
                 workers: int = 1):
        self.registry = registry
        self.base = registry.base
        self.out = out
        self.site_url = (site_url or self.base).rstrip("/") + "/"
        self.languages = languages
        self.list_pages = list_pages
        self.progress = progress or _no_progress
        self.overview_done = 0
        self.workers = max(1, workers)
        self.terms: Terms = get_terms()
        self.manifest = Manifest(out / ".build" / "manifest.sqlite")
        self.report = BuildReport()
        fingerprint = self._build_fingerprint()
        if force or self.manifest.meta("build") != fingerprint:
            self.manifest.reset()
        self.manifest.set_meta("build", fingerprint)
        self.old_files = self.manifest.file_hashes()
        self.writer = Writer(registry, out, self.site_url, languages, list_pages, self.old_files)
        self.output = self.writer.output
        self.new_files: list[tuple[str, str, int]] = []
        self.seen_files: set[str] = set()
        self.predecessors: set[str] = set()
        self.built: set[str] = set()
        self.dump_quads = 0
        self.dump_graphs: set[str] = set()

    def _build_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(templates_fingerprint().encode())
        digest.update(code_fingerprint().encode())
        for path in sorted(SPARQL_DIR.glob("*.rq")):  # the named queries the views run
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        digest.update(self.terms.fingerprint.encode())
        digest.update(repr((self.base, self.site_url, self.languages, self.list_pages,
                            self.registry.settings.tile_url)).encode())
        return digest.hexdigest()

    # -- the build -------------------------------------------------------------------------
    def build(self) -> BuildReport:
        """Passports and overview pages in one stream of tasks over the worker processes, while
        this process writes the dumps; then the downloads page, stale files and the sitemap."""
        started, cpu = time.perf_counter(), _cpu_seconds()
        self.report.workers = self.workers
        self.generation = _generation(self.registry.settings)  # read once: what this build shows
        self.progress(PASSPORTS, 0, None)
        overview = [] if self._overview_done() else self._overview_tasks()
        self.progress(OVERVIEW_PAGES, 0, len(overview))
        self._local(self._copy_static)
        first_build = not self.manifest.has_passports()
        dumps = Dumps(self, first_build)
        tasks = chain(overview, (("passports", chunk, dumps.collecting)
                                 for chunk in _chunks(self._dirty(first_build), CHUNK)))
        t0 = time.perf_counter()
        try:
            self._run(tasks, dumps)
        except BaseException:
            dumps.close()
            raise
        self.manifest.set_meta("overview", self.generation)
        self._refresh_predecessors()
        self.report.passport_seconds = time.perf_counter() - t0
        dumps.finish()
        self._local(lambda result: self.writer.page(result, self._downloads_page()))
        self._local(self._open_data)
        self._local(self._feed)
        self._retire_stale_files()
        write_sitemap(self.output, self.manifest.html_pages(), self.site_url, self.languages)
        self.manifest.commit()
        self.report.seconds = time.perf_counter() - started
        self.report.cpu_seconds = _cpu_seconds() - cpu
        return self.report

    def _local(self, work) -> None:
        """Run ``work(result)`` in this process and record what it wrote."""
        result = TaskResult()
        work(result)
        self._record(result)

    def _copy_static(self, result: TaskResult) -> None:
        for path in sorted(STATIC_DIR.rglob("*")):
            if path.is_file():
                rel = "static/" + path.relative_to(STATIC_DIR).as_posix()
                self.writer.file(result, rel, path.read_bytes(), html=False)
        self.writer.file(result, CONTEXT_PATH, context_bytes(), html=False)
        # the security headers for whoever serves the site (the same as the registry's server)
        tile_url = self.registry.settings.tile_url
        self.writer.file(result, "_headers", headers_file(tile_url).encode(), html=False)
        self.writer.file(result, "nginx.conf.example", nginx_example(tile_url).encode(), html=False)

    def _overview_tasks(self) -> list[tuple]:
        """Overview pages in tasks of about equal size; the vocabulary documents in one."""
        terms = self.terms
        tasks: list[tuple] = [("fixed", None), ("vocabulary", None)]
        tasks += [("municipality", iri) for iri in terms.municipalities]
        tasks += [("material", iri) for iri in terms.members(MPV + "material")]
        tasks += [("objectkind", iri) for iri in terms.object_kinds]
        plain = []
        for iri in terms.vocabulary_iris():
            if iri.startswith(MPV + "material/") or iri in terms.municipalities:
                continue
            if pages.concept_lists_passports(iri):
                tasks.append(("concept", iri))
            else:
                plain.append(iri)
        tasks += [("concepts", tuple(plain[i:i + 20])) for i in range(0, len(plain), 20)]
        return tasks

    def _overview_done(self) -> bool:
        """Whether the last build's overview pages and vocabulary documents still hold: written
        for this store generation (a change of templates, code or options resets the manifest)
        and all still there. Then none is rendered again."""
        if self.generation == "0" or self.manifest.meta("overview") != self.generation:
            return False  # "0": no generation file, so changes cannot be told
        root = self.output.root
        if not all(os.path.exists(root + rel) for rel in self.old_files):
            return False
        self.seen_files.update(self.old_files)
        return True

    def _run(self, tasks, dumps: Dumps) -> None:
        """The tasks in the worker processes; in this process when there is only one (starting
        workers costs more than a small rebuild)."""
        tasks = iter(tasks)
        head = list(islice(tasks, 2))
        tasks = chain(head, tasks)
        if self.workers > 1 and len(head) > 1:
            with SiteWorkers(self.workers, self.registry.settings, str(self.out), self.site_url,
                             self.languages, self.list_pages, self.old_files) as pool:
                for result in pool.imap_unordered(tasks):
                    self._record(result, dumps)
        else:
            for task in tasks:
                self._record(self.writer.run(task), dumps)

    def _record(self, result: TaskResult, dumps: Dumps | None = None) -> None:
        report = self.report
        report.pages_written += result.pages
        report.pages_unchanged += result.pages_unchanged
        report.rdf_files += result.rdf_files
        report.versions_built += result.versions
        report.passports_built += len(result.rows)
        self.seen_files.update(result.seen)
        self.new_files += result.files
        self.predecessors.update(result.predecessors)
        if result.rows:
            self.built.update(row[0] for row in result.rows)
            self.manifest.set_passports(result.rows)
            self.manifest.commit()
            self.progress(PASSPORTS, report.passports_built + report.passports_unchanged, None)
        if result.overview:
            self.overview_done += result.overview
            self.progress(OVERVIEW_PAGES, self.overview_done, None)
        if result.dump and dumps is not None:
            dumps.add(result)

    # -- passports -------------------------------------------------------------------------
    def _all_passports(self) -> Iterator[tuple[str, str]]:
        """This registry's passports, current and retired. Those harvested from other registries
        keep their IRIs, so their pages are their own registry's: counted, and linked from the
        lists to those IRIs (``links.doc_path``)."""
        retired = (q.subject.value for q in self.registry.store.quads_for_pattern(None, RDF_TYPE, RETIRED_PASSPORT, None)
                   if isinstance(q.subject, ox.NamedNode) and q.subject == q.graph_name)
        for status, iris in (("current", iter_passport_iris(self.registry)), ("retired", retired)):
            for iri in iris:
                ref = owning_passport(self.base, iri)
                if ref is not None and ref.iri == iri:
                    yield iri, status
                elif status == "current":
                    self.report.passports_elsewhere += 1

    def _fingerprint(self, iri: str, status: str) -> str:
        node = ox.NamedNode(iri)
        return passport_fingerprint(status, node, self.registry.store.quads_for_pattern(node, None, None, node))

    def _dirty(self, first_build: bool) -> Iterator[tuple[str, str, str | None]]:
        """(iri, status, fingerprint) of every passport whose files are out of date; on a first
        build every passport, with the fingerprint left to the worker that reads the graph."""
        for iri, status in self._all_passports():
            if first_build:
                yield iri, status, None
                continue
            fingerprint = self._fingerprint(iri, status)
            if self.manifest.fingerprint(iri) == fingerprint:
                self.report.passports_unchanged += 1
                continue
            yield iri, status, fingerprint

    def _refresh_predecessors(self) -> None:
        """A passport's page lists the passports that name it as predecessor: refresh those."""
        extra = []
        for iri in sorted(self.predecessors - self.built):
            ref = owning_passport(self.base, iri)
            if ref is not None and ref.iri == iri:
                status = self.registry.status(ref)
                if status in ("current", "retired"):
                    extra.append((iri, status, self._fingerprint(iri, status)))
        if extra:
            self._record(self.writer.passports(extra))
        done = self.report.passports_built + self.report.passports_unchanged
        self.progress(PASSPORTS, done, done)

    def _open_data(self, result: TaskResult) -> None:
        """The DCAT catalog (RDF and its page) and the VoID description, from the dumps' manifest."""
        documents, page = open_data_documents(self.registry, self.out, self.site_url)
        for rel, body in documents:
            self.writer.file(result, rel, body, html=False)
        self.writer.page(result, page)

    def _feed(self, result: TaskResult) -> None:
        """The change feed as files (``views.feed.static_files``; full pages unchanged since the
        last build are not written again)."""
        for rel, body in static_files(self.registry):
            self.writer.file(result, rel, body, html=False)

    def _downloads_page(self) -> Page:
        return downloads_page(self.out, self.manifest.meta("dumped_at") or "–")

    # -- stale files -----------------------------------------------------------------------
    def _retire_stale_files(self) -> None:
        """Aggregate pages the last build wrote but this one did not (a shorter list)."""
        self.manifest.set_files(self.new_files)
        stale = [rel for rel in self.old_files if rel not in self.seen_files]
        for rel in stale:
            try:
                (self.out / rel).unlink()
            except FileNotFoundError:
                pass
        self.manifest.drop_files(stale)

    def close(self) -> None:
        self.manifest.close()


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (the worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _generation(settings: Settings) -> str:
    try:
        return (settings.data_dir / "generation").read_text().strip() or "0"
    except OSError:
        return "0"


def build_site(settings: Settings, out: Path, **options) -> BuildReport:
    """Build (or bring up to date) the static site in ``out`` from the registry in ``settings``."""
    registry = Registry.open(settings, read_only=True)
    builder = None
    try:
        builder = SiteBuilder(registry, Path(out), **options)
        return builder.build()
    finally:
        if builder is not None:
            builder.close()
        try:
            registry.close()
        except RuntimeError:  # read-only stores cannot flush (Registry.close expects OSError)
            pass
