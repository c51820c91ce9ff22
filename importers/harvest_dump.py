"""``passports harvest URL --from-dump``: a new replica starts from the peer's dumps, then follows
the feed from the position the dumps hold (docs/feed.md, "Starting from a dump").

The peer's ``dumps/manifest.json`` (or ``--manifest URL``, e.g. a static site's) lists
``registry.nq.gz`` and ``history.nq.gz`` with their size and SHA-256, and ``feed``: the position
of the change feed when the dumps were made (stream, epoch, sequence number, the page and how many
of its members the dumps hold). Before anything is stored:

- the position must be of this feed (its stream), of its current epoch (the root's
  ``owl:versionInfo``: a rebuilt feed voids the position), and within it (the page exists and has
  that many members);
- each file is downloaded into ``DATA/harvest/`` within ``PASSPORTS_HARVEST_MAX_DUMP_BYTES``, no
  larger than its declared size, of that size and SHA-256;
- both are parsed into a scratch store (in memory), and every current passport is validated as ``add``
  validates (integrity rules and SHACL). The dump is taken in whole or not at all: one refused
  passport refuses the dump (a part of a snapshot would not match the feed that follows it).

Then the passports' graphs (current, and every superseded version into the history store) are
bulk-loaded as the peer stored them, with the peer's provenance records of them moved into this
registry's provenance graph: the same versions, numbers, times and activities as at the peer (what
a full harvest reproduces version by version). A journal (``DATA/journal``, as for a bulk ``add``)
lets the next opening remove a half-loaded dump. The sidecar indexes are rebuilt, the position is
recorded, and the harvest follows the feed from that page on, skipping what the dump held already.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

import httpx
import pyoxigraph as ox

from importers.harvest_pages import VERSION_IRI, HarvestError, fetch, read_page, stream_root
from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.core.settings import Settings
from registry.model.documents import DocumentError, make_doc
from registry.model.managed import is_managed
from registry.model.vocab import RDF_TYPE, RETIRED_PASSPORT
from registry.store.provenance import activity_quads, now
from registry.store.registry import Registry

FEED_PATH = "feed/passports"
PASSPORT_IRI = re.compile(r"^(?P<base>.+/)id/passport/[^/]+/[^/]+$")
POSITION_KEYS = {"stream": str, "epoch": str, "sequence": int, "page": str, "members": int}

WORDS = Wording({
    "error": ("{url}: {problem}", "{url}: {problem}"),
    "not_root": ("--from-dump needs the root of a feed (…/feed/passports) or --manifest URL",
                 "--from-dump heeft het begin van een feed nodig (…/feed/passports) of --manifest URL"),
    "started": ("this feed is harvested already (next page {page}): a dump only starts a new harvest",
                "deze feed wordt al overgenomen (volgende pagina {page}): een dump begint alleen een nieuwe"),
    "manifest": ("not a dumps manifest (JSON with files): {detail}", "geen dumpmanifest (JSON met files): {detail}"),
    "no_position": (("the manifest records no feed position (made by an older version?): harvest without "
                     "--from-dump"),
                    ("het manifest noemt geen positie in de feed (van een oudere versie?): neem over zonder "
                     "--from-dump")),
    "no_file": ("the manifest lists no {kind} dump", "het manifest noemt geen {kind}-dump"),
    "other_feed": ("the dumps' position is in the feed {found}, not in {expected}",
                   "de positie van de dumps ligt in de feed {found}, niet in {expected}"),
    "epoch": (("the feed was rebuilt after the dumps were made (epoch {found}, theirs {expected}): their "
               "position is void; harvest without --from-dump or wait for new dumps"),
              ("de feed is opnieuw opgebouwd na het maken van de dumps (tijdperk {found}, het hunne {expected}): "
               "hun positie geldt niet meer; neem over zonder --from-dump of wacht op nieuwe dumps")),
    "beyond": ("the dumps' position (member {sequence}, page {page}) is beyond the end of the feed",
               "de positie van de dumps (lid {sequence}, pagina {page}) ligt voorbij het einde van de feed"),
    "too_big": ("the dump is {size} bytes, more than {limit} (PASSPORTS_HARVEST_MAX_DUMP_BYTES)",
                "de dump is {size} bytes, meer dan {limit} (PASSPORTS_HARVEST_MAX_DUMP_BYTES)"),
    "larger": ("the file is larger than the {size} bytes the manifest declares",
               "het bestand is groter dan de {size} bytes die het manifest opgeeft"),
    "size": ("the file has {found} bytes, not the {size} the manifest declares",
             "het bestand heeft {found} bytes, niet de {size} die het manifest opgeeft"),
    "checksum": ("its SHA-256 is {found}, not {expected} as the manifest says",
                 "de SHA-256 is {found}, niet {expected} zoals het manifest zegt"),
    "rdf": ("invalid RDF in the dump: {detail}", "ongeldige RDF in de dump: {detail}"),
    "refused": ("{count} passports of the dump do not conform (first {iri}: {issue}); nothing was taken in",
                "{count} paspoorten in de dump voldoen niet (eerste {iri}: {issue}); er is niets overgenomen"),
    "present": (("this registry holds {count} of the dump's passports already (first {iri}): a dump only "
                 "starts a new replica"),
                ("dit register heeft al {count} paspoorten uit de dump (eerste {iri}): een dump begint alleen "
                 "een nieuwe kopie")),
})


class DumpError(HarvestError):
    """Dumps that cannot be taken in; nothing of them is stored (exit code 2)."""

    def __init__(self, url: str, key: str, **values) -> None:
        en, nl = WORDS.both(key, **values)
        RegistryError.__init__(self, WORDS.say("error", "en", url=url, problem=en),
                               message_nl=WORDS.say("error", "nl", url=url, problem=nl), status=502)
        self.url, self.key, self.values = url, key, values


def start_from_dump(registry: Registry, http: httpx.Client, root: str, settings: Settings, state,
                    manifest_url: str = "") -> int:
    """Take in the peer's dumps and record their position in ``state``; the number of passports."""
    if state.page:
        raise DumpError(root, "started", page=state.page)
    if not manifest_url and not root.endswith(FEED_PATH):
        raise DumpError(root, "not_root")
    manifest_url = manifest_url or root.removesuffix(FEED_PATH) + "dumps/manifest.json"
    position, files = _manifest(manifest_url, *fetch(http, manifest_url, settings))
    stream, _, epoch = stream_root(http, root, settings)
    if position["stream"] != stream or not position["page"].startswith(stream + "/"):
        raise DumpError(manifest_url, "other_feed", found=position["stream"], expected=stream)
    if epoch != position["epoch"]:
        raise DumpError(root, "epoch", found=epoch or "-", expected=position["epoch"])
    try:
        page = read_page(http, position["page"], settings, None, stream)
    except HarvestError as exc:
        if exc.key == "status" and exc.values.get("status") == 404:
            raise DumpError(position["page"], "beyond", **position) from None
        raise
    if len(page.members) < position["members"]:
        raise DumpError(position["page"], "beyond", **position)
    folder = settings.data_dir / "harvest" / f"dump-{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    try:
        scratch = ox.Store()  # in memory: five times faster to load than on disk, and the dump is read once
        for kind, entry in files.items():
            url = str(httpx.URL(manifest_url).join("../" + entry["path"]))  # paths are from the site's root
            if not url.startswith(str(httpx.URL(manifest_url).join("../"))):  # not a file of another site
                raise DumpError(manifest_url, "manifest", detail=f"{entry['path']} is not a path in this site")
            target = folder / f"{kind}.nq.gz"
            _download(http, url, target, entry, settings)
            try:
                with gzip.open(target, "rb") as stream_in:
                    scratch.bulk_load(stream_in, ox.RdfFormat.N_QUADS)
            except (OSError, EOFError, SyntaxError, ValueError) as exc:
                raise DumpError(url, "rdf", detail=str(exc) or type(exc).__name__) from None
        loaded = _take_in(registry, scratch, stream.removesuffix(FEED_PATH), manifest_url)
        del scratch
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # the position first, then the journal goes: a kill between the two leaves the journal, the next
    # opening removes the load, and the harvest sees ``dump_check`` gone and starts again
    state.stream, state.page, state.members, state.last = stream, position["page"], position["members"], ""
    state.dump_check = loaded[0] if loaded else ""
    state.save()
    registry._journal.unlink(missing_ok=True)
    for index in registry.sidecars():
        index.rebuild(registry.store)
    return len(loaded)


def _manifest(url: str, body: bytes, _media_type: str) -> tuple[dict, dict[str, dict]]:
    try:
        manifest = json.loads(body)
        entries = {f["kind"]: f for f in manifest["files"] if f.get("kind") in ("registry", "history")}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DumpError(url, "manifest", detail=str(exc) or type(exc).__name__) from None
    position = manifest.get("feed") if isinstance(manifest, dict) else None
    if not isinstance(position, dict) or any(not isinstance(position.get(k), t) for k, t in POSITION_KEYS.items()):
        raise DumpError(url, "no_position")
    for kind in ("registry", "history"):
        entry = entries.get(kind)
        if entry is None or not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
            raise DumpError(url, "no_file", kind=kind)
    return position, entries


def _download(http: httpx.Client, url: str, target: Path, entry: dict, settings: Settings) -> None:
    """``url`` into ``target``: at most the declared size, then that size and SHA-256."""
    size, limit = entry["size"], settings.harvest_max_dump_bytes
    if size > limit:
        raise DumpError(url, "too_big", size=size, limit=limit)
    digest, count = hashlib.sha256(), 0
    try:
        with http.stream("GET", url) as answer, open(target, "wb") as out:
            if answer.status_code != 200:
                raise HarvestError(url, "status", status=answer.status_code)
            for chunk in answer.iter_bytes():
                count += len(chunk)
                if count > size:
                    raise DumpError(url, "larger", size=size)
                digest.update(chunk)
                out.write(chunk)
    except httpx.TimeoutException:
        raise HarvestError(url, "timeout", seconds=settings.harvest_timeout) from None
    except httpx.HTTPError as exc:
        raise HarvestError(url, "transport", detail=str(exc) or type(exc).__name__) from None
    if count != size:
        raise DumpError(url, "size", found=count, size=size)
    if digest.hexdigest() != entry["sha256"].lower():
        raise DumpError(url, "checksum", found=digest.hexdigest(), expected=entry["sha256"])


def _take_in(registry: Registry, scratch: ox.Store, peer_base: str, source: str) -> list[str]:
    """Validate the dump's current passports, then load its passports, versions and provenance
    (behind the journal, which the caller removes); the passports loaded."""
    passports: dict[str, str] = {}  # passport IRI -> the base of its registry
    versions: list[ox.NamedNode] = []
    for graph in scratch.named_graphs():
        match = PASSPORT_IRI.match(graph.value)
        if match:
            passports[graph.value] = match["base"]
    for graph in scratch.named_graphs():
        match = VERSION_IRI.match(graph.value)
        if match and match["passport"] in passports:
            versions.append(graph)
    present = [iri for iri in passports if registry.store.contains_named_graph(ox.NamedNode(iri))]
    if present:
        raise DumpError(source, "present", count=len(present), iri=present[0])
    docs, refused = [], []
    for iri, base in passports.items():
        node = ox.NamedNode(iri)
        if ox.Quad(node, RDF_TYPE, RETIRED_PASSPORT, node) in scratch:
            continue  # a tombstone: no passport to validate
        triples = [q.triple for q in scratch.quads_for_pattern(None, None, None, node) if not is_managed(q.triple, node)]
        try:
            docs.append(make_doc(iri, base, source, triples=triples))
        except DocumentError as exc:
            refused.append((iri, exc.message("en")))
    refused += [(v.iri, next((i.text("en") for i in v.issues if i.severity == "Violation"), ""))
                for v in registry.validate(docs) if not v.conforms]
    if refused:
        raise DumpError(source, "refused", count=len(refused), iri=refused[0][0], issue=refused[0][1])
    _load(registry, scratch, list(passports), versions, ox.NamedNode(peer_base + "graph/provenance"), source)
    return list(passports)


def _load(registry: Registry, scratch: ox.Store, passports: list[str], versions: list[ox.NamedNode],
          peer_prov: ox.NamedNode, source: str) -> None:
    prov, started = registry.provenance_graph, now()
    journal = registry._journal  # the next opening removes a half-loaded dump (``BatchWriter._recover``)
    with open(journal, "w", encoding="utf-8") as out:
        out.write("\n".join(passports))
        out.flush()
        os.fsync(out.fileno())
    for index in registry.sidecars():  # rebuilt once the load is kept; at the next opening if killed first
        registry._sidecar_call(index, "mark_dirty")
    with registry._storage("write"):
        for graph in versions:  # copies a killed load left (``BatchWriter._recover`` removes the rest)
            if registry.history_store.contains_named_graph(graph):
                registry.history_store.remove_graph(graph)
        registry.history_store.bulk_load(_n_quads(scratch, versions), ox.RdfFormat.N_QUADS)
        activity = ox.NamedNode(f"{registry.base}id/activity/{uuid.uuid4()}")
        agent = ox.NamedNode(registry._cli_agent())
        records = ox.serialize(_records(scratch, set(passports), peer_prov, prov), format=ox.RdfFormat.N_QUADS)
        registry.store.bulk_load(_n_quads(scratch, [ox.NamedNode(iri) for iri in passports]) + records,
                                 ox.RdfFormat.N_QUADS)
        registry.store.extend(activity_quads(prov, activity, agent, source, f"passports harvest --from-dump {source}",
                                             started, now()) + registry._agent_labels(agent.value))
        registry.store.flush()
        registry.history_store.flush()
    registry._bulk_loads += 1
    registry._bump_generation()


def _n_quads(scratch: ox.Store, graphs: list[ox.NamedNode]) -> bytes:
    """N-Quads of the scratch store's ``graphs``, written by pyoxigraph graph by graph (N-Triples
    end every statement with " .\n" and escape the line ends in literals, so the graph name goes
    before it)."""
    return b"".join(scratch.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).replace(
        b" .\n", f" <{graph.value}> .\n".encode()) for graph in graphs)


def _records(scratch: ox.Store, passports: set[str], peer_prov: ox.NamedNode, prov: ox.NamedNode):
    """The peer's provenance records, moved into this registry's provenance graph: those of the
    versions of the dump's passports and those of the peer's own resources (its activities and
    agents, under its base IRI); nothing about any other resource (this registry's own passports)."""
    base = peer_prov.value.removesuffix("graph/provenance")
    for quad in scratch.quads_for_pattern(None, None, None, peer_prov):
        if not isinstance(quad.subject, ox.NamedNode):
            continue
        version = VERSION_IRI.match(quad.subject.value)
        if (version["passport"] in passports) if version else quad.subject.value.startswith(base):
            yield ox.Quad(quad.subject, quad.predicate, quad.object, prov)


__all__ = ["DumpError", "start_from_dump"]
