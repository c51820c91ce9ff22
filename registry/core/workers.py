"""A pool of worker processes beside the server, each on a read-only handle of the store.

Every worker process of the registry is one of these: the query workers (:mod:`registry.query.pool`:
public SPARQL queries, killed at their time limit), the page workers (:mod:`registry.web.page_pool`:
page requests use every core, not the server's one), the parse workers
(:mod:`registry.model.parse_pool`), the validation worker of a long ``add``
(:mod:`registry.validation.worker`) and the site build's workers (:mod:`registry.static_site.workers`).

A worker is a plain subprocess (``python -m MODULE FD ARGS``) talking over a socket pair, not
multiprocessing's spawn: spawn re-runs the server's main script in every child, which breaks for
scripts without a ``__main__`` guard and for code read from stdin. The worker module's
``__main__`` calls :func:`worker_entry` with its loop function; the loop first sends
``("ready", pid, extra)``, then answers one task after another and returns on ``None`` or when
the server goes away.

Fresh data (:class:`FreshStore`): a read-only store sees a snapshot as of its opening. A worker
reopens it before a task when the content of the file ``DATA/generation`` changed since it
opened the store (every writer writes a new value there after each commit, see
:func:`bump_generation`, so a write is visible to the next request), and only then: no timer.
Reopening costs tens of milliseconds at 20,000 passports and starts with a cold cache, so a
current handle is kept while nothing is written. pyoxigraph 0.5 has only ``Store.read_only`` (no
secondary instance that catches up), so a reopen is a new read-only handle on a hard-linked copy
of the store's files (``registry.store.snapshots``), made before the next task, not in the
background, so that a write is visible to the very next request.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

from registry.core.allocator import preloaded
from registry.core.errors import RegistryError
from registry.core.generation import (  # noqa: F401 (also from here)
    GENERATION_FILE,
    WRITE_LOCK_FILE,
    bump_generation,
    read_generation,
    write_lock,
)
from registry.core.heap import give_back, resident_mib
from registry.core.resources import PACKAGES_DIR

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 60.0
OPEN_ATTEMPTS = 6


def limit_memory(mib: int) -> None:
    """Cap this worker process's data segment (heap and anonymous mappings) at ``mib`` MiB (0: no
    cap): work that needs more fails here (MemoryError, or the worker ends and is replaced) instead
    of taking the machine. Used by the query and parse workers."""
    if mib > 0:
        limit = mib * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


class FreshStore:
    """Something opened read-only (``opener()``), opened again when the store has changed."""

    def __init__(self, opener: Callable[[], object], generation_path: Path | str,
                 on_open: Callable[[], None] | None = None) -> None:
        """``on_open``: called after each opening, once the value opened before is let go (the
        workers give the freed memory back to the operating system there: ``core.heap``)."""
        self.opener, self.on_open, self.generation_path = opener, on_open, str(generation_path)  # str: faster
        self.value = None
        self._generation: bytes | None = None
        self.opened = 0  # how many times the value was opened (for tests and monitoring)
        self._lock = threading.Lock()  # threads sharing it (the server's inline queries) open it once

    def run(self, work: Callable):
        """``work(value)``, once more on a freshly opened value when the first try found a file
        of the store gone: a read-only handle opens the store's files lazily, and the writer may
        have compacted away a file since the handle was opened."""
        try:
            return work(self.get())
        except (OSError, RuntimeError) as exc:
            if not vanished(exc):
                raise
            with self._lock:
                self.value = None
            return work(self.get())

    def current(self) -> bool:
        """Whether the value is open and the store has not changed since (no reopen needed)."""
        return self.value is not None and read_generation(self.generation_path) == self._generation

    def get(self):
        generation = read_generation(self.generation_path)
        with self._lock:
            if self.value is None or generation != self._generation:
                self.value = None
                self.value = self._open()
                self._generation = generation
                self.opened += 1
                if self.on_open is not None:
                    self.on_open()
            return self.value

    def _open(self):
        """The writer may delete a file the store's manifest names while we open it (a
        compaction after a write): then the open is tried again, a few times."""
        for attempt in range(1, OPEN_ATTEMPTS):
            try:
                return self.opener()
            except (OSError, RuntimeError) as exc:
                if not vanished(exc):
                    raise
                time.sleep(0.01 * attempt)
        return self.opener()  # the last try: its error goes to the caller


def vanished(exc: BaseException) -> bool:
    text = str(exc)
    return "No such file or directory" in text or "Corruption" in text


# ---------------------------------------------------------------------------------------------
# In the server process.

class PoolBusy(RegistryError):
    """No worker became free in time (query and page workers alike)."""

    status = 503


class WorkerTimeout(RegistryError):
    """The worker did not answer in time; it was killed and replaced."""

    status = 503


class WorkerDied(RegistryError):
    """The worker went away while working on the task; it was replaced. ``signal`` names the
    signal that ended its process, if one did (``SIGABRT``: an allocation failed, as at its memory
    limit; ``SIGKILL``: killed, as by the kernel when the machine ran out of memory)."""

    status = 500

    def __init__(self, message: str = "", *, signal: str | None = None) -> None:
        super().__init__(message)
        self.signal = signal


def _ended(worker: _Worker) -> WorkerDied:
    """What to raise for a worker whose connection closed: how its process ended, if it has."""
    try:
        code = worker.process.wait(0.5)
    except subprocess.TimeoutExpired:
        return WorkerDied("its connection closed")
    if code >= 0:
        return WorkerDied(f"exit code {code}")
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return WorkerDied(f"stopped by {name}", signal=name)


class Retiring(NamedTuple):
    """A worker's last reply (``serve_tasks``): it leaves after it, holding ``mib`` MiB."""

    reply: object
    mib: int


class _Worker:
    def __init__(self, module: str, args: tuple, preload: str | None = None) -> None:
        parent_sock, child_sock = socket.socketpair()
        env = preloaded(dict(os.environ), preload)  # the allocator (registry.core.allocator)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGES_DIR), env.get("PYTHONPATH")) if p)
        fd = child_sock.fileno()
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, str(fd), json.dumps(args)],
            pass_fds=(fd,), env=env, stdin=subprocess.DEVNULL, close_fds=True)
        child_sock.close()
        self.conn = Connection(parent_sock.detach())
        self.extra = None  # what the worker said about itself when ready

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class WorkerPool:
    """``size`` workers running ``python -m module``; :meth:`call` hands one a task."""

    name = "worker"

    def __init__(self, module: str, args: tuple, size: int, *, preload: str | None = None) -> None:
        """``preload``: a shared library the workers start with (their memory allocator)."""
        self.module, self._args, self.size, self.preload = module, args, max(1, size), preload
        # last in, first out: the worker that answered last takes the next task, so a quiet
        # server's queries meet the block cache they warmed (each process has its own)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.started = threading.Event()  # set when the first worker is ready
        self.killed = 0  # workers killed on a time limit, for tests and monitoring
        self.recycled = 0  # workers replaced because they held too much memory after a task
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        worker = _Worker(self.module, self._args, self.preload)
        with self._lock:
            self._workers.add(worker)
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True,
                         name=f"{self.name}-start").start()

    def _await_ready(self, worker: _Worker) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        try:
            while time.monotonic() < deadline and worker.alive():
                if worker.conn.poll(0.1):
                    msg = worker.conn.recv()
                    if msg[0] == "ready":
                        worker.extra = msg[2] if len(msg) > 2 else None
                        if self._closed:
                            self._retire(worker)
                        else:
                            self._idle.put(worker)
                            self.started.set()
                        return
        except (EOFError, OSError):
            pass
        log.error("a %s did not start (exit code %s)", self.name, worker.process.poll())
        self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)

    def _replace(self, worker: _Worker, *, killed: bool = False) -> None:
        self.killed += killed
        self._retire(worker)
        if not self._closed:
            self._spawn()

    def workers(self) -> list[_Worker]:
        with self._lock:
            return list(self._workers)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> bool:
        """Block until every worker is idle (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.qsize() >= self.size:
                return True
            time.sleep(0.02)
        return False

    def call(self, task, *, wait: float, limit: float):
        """Send ``task`` to an idle worker (waiting at most ``wait`` for one) and return its reply.

        Raises :class:`PoolBusy`, :class:`WorkerTimeout` (no reply within ``limit`` seconds: the
        worker is killed, which stops the work at once, and replaced) or :class:`WorkerDied`."""
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise PoolBusy() from None
        try:
            worker.conn.send(task)
            if not worker.conn.poll(limit):
                self._replace(worker, killed=True)
                raise WorkerTimeout()
            reply = worker.conn.recv()
        except (EOFError, OSError):
            died = _ended(worker)
            self._replace(worker)
            raise died from None
        return self._answered(worker, reply)

    def _answered(self, worker: _Worker, reply):
        """The reply; the worker is idle again, or replaced when it leaves (``Retiring``)."""
        if isinstance(reply, Retiring):
            log.warning("a %s held %d MiB after a task and was replaced", self.name, reply.mib)
            self.recycled += 1
            self._replace(worker)
            return reply.reply
        self._idle.put(worker)
        return reply

    async def acall(self, task, *, limit: float):
        """:meth:`call` for async code when a worker is idle now (else :class:`PoolBusy` at once):
        the event loop waits for the worker's reply on its socket, with no thread in between."""
        import asyncio

        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            raise PoolBusy() from None
        loop = asyncio.get_running_loop()
        fd = worker.conn.fileno()
        replied = loop.create_future()
        try:
            worker.conn.send(task)
            loop.add_reader(fd, lambda: replied.done() or replied.set_result(None))
            try:
                await asyncio.wait_for(replied, limit)
                timed_out = False
            except TimeoutError:
                timed_out = True
            finally:  # before the worker is replaced: its descriptor is closed then, its number reused
                loop.remove_reader(fd)
                os.set_blocking(fd, True)  # uvloop makes a watched descriptor non-blocking
            if timed_out:  # killed, which stops the work at once, and replaced
                self._replace(worker, killed=True)
                raise WorkerTimeout()
            reply = worker.conn.recv()
        except (EOFError, OSError):
            died = _ended(worker)
            self._replace(worker)
            raise died from None
        except asyncio.CancelledError:  # the caller went away: the worker is idle again once it answers
            threading.Thread(target=self._drain, args=(worker, limit), daemon=True,
                             name=f"{self.name}-drain").start()
            raise
        return self._answered(worker, reply)

    def _drain(self, worker: _Worker, limit: float) -> None:
        try:
            if worker.conn.poll(limit):
                self._answered(worker, worker.conn.recv())
                return
        except (EOFError, OSError):
            pass
        self._replace(worker)

    def close(self) -> None:
        self._closed = True
        workers = self.workers()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in workers:
            try:
                worker.process.wait(2)
            except subprocess.TimeoutExpired:
                pass
            self._retire(worker)


# ---------------------------------------------------------------------------------------------
# In the worker process.

def worker_entry(argv: list[str], main: Callable[..., None]) -> None:
    """``python -m MODULE FD ARGS``: run ``main(conn, *args)`` on the inherited socket."""
    fd, args = int(argv[0]), json.loads(argv[1])
    main(Connection(fd), *args)


def serve_tasks(conn: Connection, handle: Callable, *, recycle_mib: float = 0) -> None:
    """Answer tasks with ``handle(task)`` until ``None`` arrives or the server goes away. A worker
    that holds more than ``recycle_mib`` MiB after a task, even once its free memory is given back,
    sends that reply as :class:`Retiring` and leaves: the pool starts a fresh one (0: never)."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        reply = handle(task)
        retiring = recycle_mib > 0 and over(recycle_mib)
        try:
            conn.send(Retiring(reply, round(resident_mib())) if retiring else reply)
        except (BrokenPipeError, ConnectionResetError):
            return
        if retiring:
            return


def over(mib: float) -> bool:
    """Whether this process holds more than ``mib`` MiB, after giving its free memory back."""
    return resident_mib() > mib and (give_back() or resident_mib() > mib)
