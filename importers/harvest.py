"""``passports harvest URL``: take in another registry's change feed (docs/feed.md).

From the root (``{peer}/feed/passports``) the harvester follows the pages' ``tree:relation`` one page
at a time. A page is read and checked whole (``harvest_pages``: RDF, limits, time order, loops)
before anything of it is stored; then its members are taken in, in order: each version with the
same validation as ``passports add`` (refused members are reported and not stored), each
retirement as a retirement. Passports keep the peer's IRIs (their base is the peer's: the rules of
``model.integrity`` are checked against it) and their provenance: each write is an activity that
``prov:used`` the page it came from, with its time.

Where the harvest is: ``DATA/harvest/{digest of the root URL}.json`` (the page and the number of its
members taken in, written after each page, atomically). A second run starts from there and stores
nothing new; a run killed in the middle of a page takes that page in again: versions already
stored (by number, then by content) and retirements already made are skipped, so the end result
is the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox

from importers.harvest_dump import remove_leftovers, start_from_dump
from importers.harvest_pages import HarvestError, Member, Page, client, first_page, read_page
from registry.core.settings import Settings
from registry.model.documents import DocumentError, PassportDoc, make_doc
from registry.model.managed import is_managed
from registry.model.uris import PassportRef, owning_passport
from registry.store.registry import AddReport, Registry
from registry.store.staging import staged
from registry.validation.validator import Issue, Verdict


@dataclass
class HarvestReport:
    pages: int = 0
    members: int = 0  # members read (taken in or skipped as already there)
    retired: list[str] = field(default_factory=list)
    added: AddReport = field(default_factory=AddReport)
    from_dump: int = 0  # passports taken in from the peer's dumps (``--from-dump``)


@dataclass
class HarvestState:
    """Where the harvest of one feed is: the page to read next and how many of its members were
    taken in, and the time no member of that page may be before (the last one of the page before,
    or the value of the relation that led here)."""

    path: Path
    root: str
    stream: str = ""
    page: str = ""
    members: int = 0
    last: str = ""
    seen: list[str] = field(default_factory=list)  # the pages taken in, full ones (loop check)
    dump_check: str = ""  # a passport of the dump the harvest started from (``harvest_dump``)

    @classmethod
    def load(cls, data_dir: Path, root: str) -> HarvestState:
        path = Path(data_dir) / "harvest" / (hashlib.sha256(root.encode()).hexdigest()[:24] + ".json")
        if path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, root, saved.get("stream", ""), saved.get("page", ""), int(saved.get("members", 0)),
                       saved.get("last", ""), list(saved.get("seen", [])), saved.get("dump_check", ""))
        return cls(path, root)

    def save(self) -> None:
        """Written to a new file, synced, then renamed over the old one: never half written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump({"root": self.root, "stream": self.stream, "page": self.page, "members": self.members,
                       "last": self.last, "seen": self.seen, "dump_check": self.dump_check}, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)

    @property
    def last_time(self) -> datetime | None:
        return datetime.fromisoformat(self.last) if self.last else None


def harvest(registry: Registry, root: str, settings: Settings,
            progress: Callable[[Page], None] | None = None, *, from_dump: bool = False,
            manifest: str = "") -> HarvestReport:
    """Take in the feed whose root is ``root`` from where the last run stopped; ``from_dump``: a
    new harvest starts from the peer's dumps (``harvest_dump``; ``manifest``: their manifest's URL
    when not ``{peer}/dumps/manifest.json``)."""
    remove_leftovers(settings.data_dir)  # a killed ``--from-dump`` start's temporary files
    state = HarvestState.load(settings.data_dir, root)
    if state.dump_check and not registry.store.contains_named_graph(ox.NamedNode(state.dump_check)):
        state = HarvestState(state.path, root)  # the opening removed a dump load killed before its end
    report = HarvestReport()
    with client(settings) as http:
        if from_dump:
            report.from_dump = start_from_dump(registry, http, root, settings, state, manifest)
        if not state.page:
            state.stream, state.page = first_page(http, root, settings)
        while True:
            page = read_page(http, state.page, settings, state.last_time, state.stream)
            if page.next_url is not None and (page.next_url == page.url or page.next_url in state.seen):
                raise HarvestError(page.url, "loop", target=page.next_url)
            take_in(registry, page, page.members[state.members:], report)
            report.pages += 1
            if progress:
                progress(page)
            if page.next_url is None:  # the open last page: start here next time
                state.members = len(page.members)
                state.save()
                return report
            # the lower bound of the next page's times: its relation's value, the last time here
            bounds = [t for t in (state.last_time, page.next_value) if t is not None]
            bounds += [page.members[-1].time] if page.members else []
            state.last = max(bounds).isoformat() if bounds else ""
            state.seen.append(page.url)
            state.page, state.members = page.next_url, 0
            state.save()


def take_in(registry: Registry, page: Page, members: list[Member], report: HarvestReport) -> None:
    """The members of a checked page, in order, as one transaction (``staging``): runs of versions
    (one version of a passport per run) as one ``add``, each retirement on its own."""
    with staged(registry, {m.passport for m in members}):  # the page is stored whole or not at all
        _take_in(registry, page, members, report)


def _take_in(registry: Registry, page: Page, members: list[Member], report: HarvestReport) -> None:
    run: list[PassportDoc] = []
    in_run: set[str] = set()
    for member in members:
        report.members += 1
        ref = owning_passport(member.base, member.passport)
        if ref is None:
            report.added.rejected.append(_refused(member, "not a passport IRI", "geen paspoort-IRI"))
            continue
        if member.retired or member.passport in in_run:
            _add(registry, run, page, report)
            run, in_run = [], set()
        if member.retired:
            _retire(registry, ref, member, page, report)
            continue
        if registry.current_version(ref) >= member.version:
            continue  # taken in before (a run that was stopped in this page)
        try:
            run.append(_document(member, page.url))
            in_run.add(member.passport)
        except DocumentError as exc:
            report.added.rejected.append(_refused(member, exc.message("en"), exc.message("nl")))
    _add(registry, run, page, report)


def _document(member: Member, url: str) -> PassportDoc:
    """The version's own triples: without what the peer's registry wrote itself (version number,
    dates, content hash, masses; this registry writes its own)."""
    passport = ox.NamedNode(member.passport)
    triples = [q.triple for q in member.quads if not is_managed(q.triple, passport)]
    return make_doc(member.passport, member.base, url, triples=triples)


def _add(registry: Registry, run: list[PassportDoc], page: Page, report: HarvestReport) -> None:
    if run:
        report.added.merge(registry.add(run, source=page.url, comment=f"passports harvest {page.url}"))


def _retire(registry: Registry, ref: PassportRef, member: Member, page: Page, report: HarvestReport) -> None:
    if registry.status(ref) != "current" or registry.current_version(ref) > member.version:
        return  # retired before, or written again after this retirement (a page read again)
    registry.retire(ref, f"retired at the source ({member.iri})", source=page.url)
    report.retired.append(member.passport)


def _refused(member: Member, en: str, nl: str) -> Verdict:
    return Verdict(member.passport, [Issue("Violation", {"en": en, "nl": nl}, focus=member.iri,
                                           constraint="harvest")])


__all__ = ["HarvestError", "HarvestReport", "HarvestState", "harvest", "take_in"]
