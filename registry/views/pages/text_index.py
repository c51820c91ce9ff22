"""The text index of the search page: the search text of every current passport in one UTF-8 text,
built once per store generation in the background and shared between processes as a mapped file."""

from __future__ import annotations

import itertools
import mmap
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from registry.model.vocab import DCTERMS, MP, PASSPORT, RDF_TYPE, RDFS
from registry.views.pages.cache import cache_for


class TextIndex:
    """Search text of every current passport, one line each: ``GM0153/key<TAB>lowercase text``.

    Title, identifier, object name and asset-system ID, in every language; one UTF-8 text for the
    whole registry (about 200 bytes per passport), searched with ``find`` in C. Built from six
    index ranges of the store, once per store generation (``cache``), in the background.

    With a ``folder`` the text goes to a file there and is memory-mapped: the server and every page
    worker that loads the index (``cache`` shares it as a pickle) map the same file, so there
    is one copy in memory however many processes search (about 200 MB at a million passports).
    """

    PREDICATES = (DCTERMS + "title", DCTERMS + "identifier")
    OBJECT_PREDICATES = (RDFS + "label", MP + "sourceIdentifier")
    _serials = itertools.count(1)

    def __init__(self, store: ox.Store, base: str, folder: Path | None = None):
        self.base = base
        # tells search results of different builds apart, also of builds in other processes
        self.serial = f"{os.getpid()}-{next(self._serials)}-{time.time_ns()}"
        prefix = f"{base}id/passport/"
        current = {q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None)
                   if q.subject == q.graph_name and isinstance(q.subject, ox.NamedNode)}
        texts: dict[str, list[str]] = {iri: [] for iri in current}
        for predicate in self.PREDICATES:
            for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                found = texts.get(q.graph_name.value) if q.subject == q.graph_name else None
                if found is not None:
                    found.append(q.object.value)
        object_prefix = f"{base}id/object/"
        for predicate in self.OBJECT_PREDICATES:
            for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                if isinstance(q.graph_name, ox.NamedNode) and q.subject.value.startswith(object_prefix):
                    found = texts.get(q.graph_name.value)
                    if found is not None:
                        found.append(q.object.value)
        lines = []
        for iri, parts in texts.items():
            if iri.startswith(prefix):
                text = " ".join(parts).lower().replace("\n", " ").replace("\t", " ")
                lines.append(f"{iri[len(prefix):]}\t{text}")
        self.size = len(lines)
        self.path: str | None = None
        self.data: bytes | mmap.mmap = ("\n" + "\n".join(lines) + "\n").encode("utf-8")
        if folder is not None:
            self._publish(folder)

    def _publish(self, folder: Path) -> None:
        """Write the text to ``folder`` and map it (the only index file there: older ones go; a
        process still using one keeps its mapping). Without a writable folder it stays in memory."""
        path = folder / f"text-index-{self.serial}.txt"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name("." + path.name)
            tmp.write_bytes(self.data)
            os.replace(tmp, path)
            for old in folder.glob("text-index-*.txt"):
                if old != path:
                    old.unlink(missing_ok=True)
            self.data, self.path = _mapped(path), str(path)
        except OSError:
            pass

    def __getstate__(self) -> dict:
        if self.path is None:
            return dict(self.__dict__)
        return {k: v for k, v in self.__dict__.items() if k != "data"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "data" not in state:
            self.data = _mapped(Path(state["path"]))  # gone: OSError, and the index is built again

    def find(self, text: str) -> Iterator[str]:
        """Passport IRIs whose search text contains ``text`` (case-insensitive), in index order."""
        needle = text.lower().encode("utf-8")
        data = self.data
        prefix = f"{self.base}id/passport/"
        pos = data.find(needle)
        while pos != -1:
            start = data.rfind(b"\n", 0, pos) + 1
            end = data.find(b"\n", pos)
            tab = data.find(b"\t", start, end)
            if tab != -1 and pos > tab and pos + len(needle) <= end:
                yield prefix + data[start:tab].decode("utf-8")
                pos = data.find(needle, end)
            else:
                pos = data.find(needle, pos + 1)


def _mapped(path: Path) -> mmap.mmap:
    with open(path, "rb") as source:
        return mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)


def text_index(registry, *, wait: float | None = 2.0) -> TextIndex | None:
    """The registry's text index; None while it is first being built and not ready within ``wait``."""
    folder = registry.settings.data_dir / "cache" / "pages"
    return cache_for(registry).get("text-index", lambda: TextIndex(registry.store, registry.base, folder),
                                   wait=wait)


__all__ = ["TextIndex", "text_index"]
