"""Values of the current store generation computed in a background thread, for pages whose
figures take long on a big store (the monitor): a request waits for them up to a deadline and
otherwise shows "being computed"; a value is never served in a later generation than the one
it was computed in (unlike ``cache.GenerationCache``, which serves the old value while it
recomputes), so a figure on a page always equals the query run now, or is not shown yet.

One thread per open registry computes the values one at a time (the machine's cores are for
the requests); a value asked for again while it is being computed is not computed twice, and the page
worker processes share what one of them computed (``cache.shared_value``). A computation still
waiting when the store has moved on to a newer generation is dropped, so writes coming faster than
the figures are computed cannot pile work up.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from registry.views.pages.cache import memo_for, note_provisional, per_registry, shared_value

_MISSING = object()


class BackgroundMemo:
    def __init__(self, generation: Callable[[], str], *, max_entries: int = 512, shared_dir: Path | None = None):
        self.generation = generation
        self.shared_dir = shared_dir
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, tuple[str, Any]] = OrderedDict()
        self._running: dict[Any, tuple[str, Future]] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-figures")

    def get(self, key: Any, compute: Callable[[], Any], deadline: float | None = None) -> Any:
        """The value of ``key`` in the current generation, or ``_MISSING`` when it is not ready by
        ``deadline`` (a ``time.monotonic()`` value; None: wait for it). An error of ``compute``
        is raised here."""
        generation = self.generation()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == generation:
                self._entries.move_to_end(key)
                return found[1]
            running = self._running.get(key)
            if running is None or running[0] != generation:
                running = self._running[key] = (generation, self._executor.submit(
                    self._compute, key, compute, generation))
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        try:
            value = running[1].result(timeout=timeout)
        except FutureTimeout:
            value = _MISSING
        if value is _MISSING:
            note_provisional()  # the page says "being computed": not kept (web.page_cache)
        return value

    def _compute(self, key: Any, compute: Callable[[], Any], generation: str) -> Any:
        if self.generation() != generation:  # written meanwhile: a newer request computes it
            with self._lock:
                self._forget(key, generation)
            return _MISSING
        try:
            value = shared_value(self.shared_dir, key, compute, generation)
        except BaseException:
            with self._lock:
                self._forget(key, generation)
            raise
        with self._lock:  # kept before it stops running: a caller in between finds one or the other
            self._entries[key] = (generation, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            self._forget(key, generation)
        return value

    def _forget(self, key: Any, generation: str) -> None:
        if self._running.get(key, (None,))[0] == generation:
            del self._running[key]


_memos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def background_for(registry) -> BackgroundMemo:
    """The background memo of one open registry (generation as ``memo_for`` reads it)."""
    return per_registry(_memos, registry, lambda: BackgroundMemo(
        memo_for(registry).generation, shared_dir=registry.settings.data_dir / "cache" / "monitor"))


def ready(value: Any) -> bool:
    return value is not _MISSING


__all__ = ["BackgroundMemo", "background_for", "ready"]
