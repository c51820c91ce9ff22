"""HTML pages rendered in worker processes, so page requests use every core.

One Python process runs one page at a time (the GIL), and a passport page costs a few
milliseconds of CPU: under concurrent load a single server process queues page requests behind
each other on one core. A :class:`PagePool` keeps ``settings.page_workers`` processes (default:
the number of cores, at most 8, and none on a single core; ``PASSPORTS_PAGE_WORKERS=0`` renders in
the server process), each
with the registry opened read-only (:class:`registry.worker_pool.FreshStore`: opened again after
every committed write, so a page never shows data from before a write that has finished).

The server process keeps the HTTP work and the writes. For a page it sends the request's ASGI
scope (method, path, query string, headers; no body: pages are GET) and the name of the renderer
(:data:`registry.pages.RENDERERS`) to an idle worker, which builds a Starlette ``Request`` from it,
runs the same renderer the server process would, and sends back status, headers and body. Until
the first worker is ready, and when a worker fails, the server renders the page itself.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

from starlette.requests import Request
from starlette.responses import Response

from registry.core.settings import Settings
from registry.core.workers import (
    GENERATION_FILE,
    FreshStore,
    PoolBusy,
    WorkerDied,
    WorkerPool,
    WorkerTimeout,
    serve_tasks,
    worker_entry,
)

log = logging.getLogger(__name__)

# A page that takes longer than this in a worker is stopped (the worker is killed and replaced).
RENDER_LIMIT = 60.0
SLOW_RENDER = 3.0  # seconds: a render that takes longer is logged with the worker's memory
_SCOPE_KEYS = ("type", "http_version", "method", "scheme", "path", "raw_path", "root_path",
               "query_string", "headers", "server", "client")


def settings_fields(settings: Settings) -> dict:
    fields = dataclasses.asdict(settings)
    fields["data_dir"] = str(fields["data_dir"])
    fields["service_allowlist"] = list(fields["service_allowlist"])
    return fields


class PagePool(WorkerPool):
    name = "page worker"

    def __init__(self, settings: Settings, *, size: int | None = None) -> None:
        size = settings.page_workers if size is None else size
        super().__init__("registry.web.page_pool", (settings_fields(settings),), size)
        self.fallbacks = 0  # pages rendered in the server process after a worker failed

    def render(self, request: Request, name: str, args: tuple) -> tuple[Response, bool] | None:
        """The page from a worker and whether it showed only current values
        (:func:`registry.views.pages.cache.settled`), or None when the server process should
        render it itself."""
        if not self.started.is_set() or self._closed:
            return None
        scope = {key: request.scope[key] for key in _SCOPE_KEYS if key in request.scope}
        try:
            reply = self.call((name, args, scope), wait=RENDER_LIMIT, limit=RENDER_LIMIT)
        except (PoolBusy, WorkerDied, WorkerTimeout) as exc:
            log.warning("page worker: %s for %s; rendering in the server process",
                        type(exc).__name__, request.url.path)
            self.fallbacks += 1
            return None
        if reply[0] != "ok":
            log.error("page worker failed on %s; rendering in the server process:\n%s",
                      request.url.path, reply[1])
            self.fallbacks += 1
            return None
        _, status, raw_headers, body, current = reply
        response = Response(body, status)
        response.raw_headers = raw_headers
        return response, current


def _worker_main(conn, fields: dict) -> None:
    from registry.core.heap import give_back, keep_heap_small, resident_mib
    from registry.model.terms import get_terms
    from registry.store.registry import Registry
    from registry.views.pages.cache import settled
    from registry.web.routers import pages

    fields["service_allowlist"] = tuple(fields["service_allowlist"])
    settings = Settings(**fields)
    state = SimpleNamespace(settings=settings, registry=None)
    app = SimpleNamespace(state=state)
    kept: list[Registry] = []

    def open_registry() -> Registry:
        fresh = Registry.open(settings, read_only=True)
        if not kept:
            kept.append(fresh)
        else:  # the same object, so its caches (keyed on it, checked per generation) live on
            kept[0].store, kept[0].history_store = fresh.store, fresh.history_store
        return kept[0]

    keep_heap_small()  # as the query workers (``registry.query.worker``)
    registry = FreshStore(open_registry, Path(settings.data_dir) / GENERATION_FILE, on_open=give_back)

    def answer(task: tuple) -> tuple:
        name, args, scope = task
        def render(opened: Registry):
            state.registry = opened
            return pages.RENDERERS[name](Request({**scope, "app": app}), *args)

        started = time.monotonic()
        try:
            response, current = registry.run(lambda opened: settled(lambda: render(opened)))
            return ("ok", response.status_code, response.raw_headers, response.body, current)
        except Exception:  # noqa: BLE001 - the server logs it and renders the page itself
            return ("error", traceback.format_exc())
        finally:
            took = time.monotonic() - started
            if took > SLOW_RENDER:  # in the server's log: which page, and what it cost the worker
                log.warning("page worker %d: %s %s took %.1f s (%.0f MiB resident)", os.getpid(), name,
                            scope.get("path", ""), took, resident_mib())

    get_terms()
    conn.send(("ready", os.getpid(), time.time()))
    serve_tasks(conn, answer, recycle_mib=settings.worker_recycle_mib)


if __name__ == "__main__":
    from registry.web.page_pool import _worker_main

    worker_entry(sys.argv[1:], _worker_main)
