"""Aggregates for the pages (counts per municipality, kind, material, ...), cached per store generation.

The writer writes a new token to ``DATA/generation`` on every commit. An aggregate is computed
once per generation; when the generation has moved on, the old value is served while one
background thread recomputes it (stale-while-revalidate), at most once per ``min_interval``
seconds per key (``Settings.stats_refresh``: ``PASSPORTS_STATS_REFRESH``, default 60), so a busy
writer never makes page requests wait for a whole-store aggregate. Only the first request for a
key (nothing cached yet) waits, and only up to the caller's ``wait``; after that the page says the
counts are being computed. Used for aggregates the saved queries compute over the store (the
catalog's and VoID's counts; the pages' counts only where the sidecar indexes are missing:
``stats``): about 0.25 s CPU per 1,000 passports for the pages' counts that way (so minutes at a
million passports, in the background).

Shared between processes: the page workers (``registry.web.page_pool``) and the server each hold a
cache, but an aggregate is computed by one of them per generation. The computing process holds a
lock on ``DATA/cache/pages/KEY.lock`` and leaves the value with its generation in
``KEY.pickle``; another process that wants the same value waits for the lock (in its background
thread) and reads the file instead of scanning the store again.

``memo_for(registry)`` is the strict kind: a value (a page of a list, the cards of a list) is
served only while the generation it was computed in is the current one, read from the file on
every call, so a page never shows a list from before a write that has finished.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_rendering = threading.local()


def note_provisional() -> None:
    """The page being rendered in this thread shows a value from before the latest write, or none
    yet ("being computed"): it is not kept (``registry.web.page_cache``)."""
    _rendering.provisional = True


def settled(render: Callable[[], Any]) -> tuple[Any, bool]:
    """``render()`` and whether everything it showed was of the store's current generation."""
    _rendering.provisional = False
    try:
        return render(), not _rendering.provisional
    finally:
        _rendering.provisional = False


@dataclass
class _Entry:
    generation: str
    value: Any
    computed_at: float
    refreshing: bool = False


class GenerationCache:
    def __init__(self, generation_file: Path, *, min_interval: float = 10.0, max_entries: int = 2048,
                 shared_dir: Path | None = None):
        self.generation_file = generation_file
        self.shared_dir = shared_dir
        self.min_interval = min_interval
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Any, threading.Event] = {}
        self._generation = ("", 0.0)

    def generation(self) -> str:
        """The store's generation token (read from disk at most every 0.2 s)."""
        token, read_at = self._generation
        now = time.monotonic()
        if now - read_at < 0.2 and read_at:
            return token
        try:
            token = self.generation_file.read_text().strip()
        except OSError:
            token = "0"
        self._generation = (token, now)
        return token

    def get(self, key: Any, compute: Callable[[], Any], *, wait: float | None = None) -> Any:
        """The value for ``key``; ``wait`` bounds the first computation (None: wait for it).

        When the first computation takes longer than ``wait`` seconds, None is returned and the
        computation goes on in the background; a later call gets the value.
        """
        generation = self.generation()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                if entry.generation != generation:
                    note_provisional()
                    if not entry.refreshing and time.monotonic() - entry.computed_at >= self.min_interval:
                        entry.refreshing = True
                        threading.Thread(target=self._refresh, args=(key, compute, generation),
                                         daemon=True, name=f"page-cache-{key}").start()
                return entry.value
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = threading.Event()
                threading.Thread(target=self._first, args=(key, compute, generation, pending),
                                 daemon=True, name=f"page-cache-{key}").start()
        if not pending.wait(wait):
            note_provisional()
            return None
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:  # the computation failed: try again, in this thread, to raise its error
            value = compute()
            self._store(key, generation, value)
            return value
        return entry.value

    def _first(self, key: Any, compute: Callable[[], Any], generation: str,
               done: threading.Event) -> None:
        try:
            self._store(key, generation, self._computed(key, compute, generation))
        except Exception:  # noqa: BLE001, S110 - the waiting caller recomputes and raises the error
            pass
        finally:
            with self._lock:
                self._pending.pop(key, None)
            done.set()

    def _refresh(self, key: Any, compute: Callable[[], Any], generation: str) -> None:
        try:
            value = self._computed(key, compute, generation)
        except Exception:  # noqa: BLE001 - keep serving the old value; retried after min_interval
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    entry.refreshing = False
                    entry.computed_at = time.monotonic()
            return
        self._store(key, generation, value)

    def _computed(self, key: Any, compute: Callable[[], Any], generation: str) -> Any:
        """``compute()``, or the value another process computed in ``generation`` (see above)."""
        return shared_value(self.shared_dir, key, compute, generation)

    def _store(self, key: Any, generation: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = _Entry(generation, value, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def shared_value(shared_dir: Path | None, key: Any, compute: Callable[[], Any], generation: str) -> Any:
    """``compute()``, or the value another process computed in ``generation``: one process computes
    it under a lock on ``shared_dir/KEY.lock`` and leaves it with its generation in ``KEY.pickle``
    (None: no sharing, computed here)."""
    if shared_dir is None:
        return compute()
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    path = shared_dir / f"{name}.pickle"
    try:
        shared_dir.mkdir(parents=True, exist_ok=True)
        lock = open(shared_dir / f"{name}.lock", "a+b")  # noqa: SIM115 - closed below
    except OSError:  # a data folder we may not write to: computed here, not shared
        return compute()
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process computing it: wait for its value
        try:
            with open(path, "rb") as stored:
                stored_generation, value = pickle.load(stored)
            if stored_generation == generation:
                return value
        except (OSError, EOFError, ValueError, pickle.UnpicklingError, AttributeError, ImportError):
            pass
        value = compute()
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            with open(tmp, "wb") as out:
                pickle.dump((generation, value), out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            tmp.unlink(missing_ok=True)  # not shared this time; the value is still served here
        return value


class FreshMemo:
    """Values computed from the store, each served only in the generation it was computed in."""

    def __init__(self, generation_file: Path, *, max_entries: int = 1024):
        self.generation_file = generation_file
        self._path = os.fspath(generation_file)
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def generation(self) -> str:
        """The store's generation token, read now (a few microseconds: no buffered file object)."""
        try:
            fd = os.open(self._path, os.O_RDONLY)
        except OSError:
            return "0"
        try:
            return os.read(fd, 256).decode("utf-8", "replace").strip()
        except OSError:
            return "0"
        finally:
            os.close(fd)

    def get(self, key: Any, compute: Callable[[], Any], generation: str | None = None) -> Any:
        """The value for ``key`` in the current generation, computed once per generation.

        The generation is read before computing: a write that finishes while the value is being
        computed bumps it, and the value is not served again after that."""
        generation = self.generation() if generation is None else generation
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == generation:
                self._entries.move_to_end(key)
                return found[1]
        value = compute()
        with self._lock:
            self._entries[key] = (generation, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_memos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_caches_lock = threading.RLock()  # re-entrant: a maker may ask for another per-registry object


def per_registry(table: weakref.WeakKeyDictionary, registry, make: Callable[[], Any]) -> Any:
    """The one object of ``table`` for an open registry, made by ``make`` the first time (kept as
    long as the registry lives)."""
    with _caches_lock:
        found = table.get(registry)
        if found is None:
            found = table[registry] = make()
        return found


def cache_for(registry) -> GenerationCache:
    """The aggregate cache of one open registry."""
    return per_registry(_caches, registry, lambda: GenerationCache(
        registry.settings.data_dir / "generation", min_interval=registry.settings.stats_refresh,
        shared_dir=registry.settings.data_dir / "cache" / "pages"))


def memo_for(registry) -> FreshMemo:
    """The strict per-generation memo of one open registry (lists and cards of the pages)."""
    return per_registry(_memos, registry, lambda: FreshMemo(registry.settings.data_dir / "generation"))
