"""``Worker``: a thread that runs one task on each item handed to it, in order (``valuate`` bulk-loads
its batches on one while it reads and values the next passports).

Python code holds the GIL, pyoxigraph's bulk load does not: the caller's thread goes on while the
worker waits for the storage. (A task of many short calls that each release the GIL, such as SQLite
statements, gains nothing beside a busy Python thread: each call waits for the GIL again.) A
failure of the task is kept and raised in the caller's thread (``put``, ``close``); the items after
it are not run.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any


class Worker:
    def __init__(self, task: Callable[[Any], None], name: str, waiting: int = 1) -> None:
        """``waiting``: how many items may wait while one runs before ``put`` blocks (0: any)."""
        self.task = task
        self.queue: queue.Queue = queue.Queue(maxsize=waiting)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.task(item)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                    self.error = exc

    def put(self, item: Any) -> None:
        """Hand ``item`` over (blocks while ``waiting`` items wait); raises an earlier failure."""
        if self.error is not None:
            self.close()
        self.queue.put(item)

    def close(self, abandon: bool = False) -> None:
        """Wait for the items handed over and end the thread; raise the failure of one.
        ``abandon`` (the caller failed): items still waiting are dropped, the one running ends, and
        a failure is not raised (the caller's own is)."""
        if self.thread.is_alive():
            if abandon:
                with contextlib.suppress(queue.Empty):
                    while True:
                        self.queue.get_nowait()
            self.queue.put(None)
            self.thread.join()
        error, self.error = self.error, None
        if error is not None and not abandon:
            raise error


__all__ = ["Worker"]
