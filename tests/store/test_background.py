"""``registry.store.background.Worker``: items run in order on its thread; a failure is raised in the
caller's thread and stops the items after it; an abandoned worker drops what waits."""

from __future__ import annotations

import threading

import pytest

from registry.store.background import Worker


def test_items_run_in_order_on_another_thread():
    done, threads = [], set()

    def task(item):
        done.append(item)
        threads.add(threading.current_thread().name)

    worker = Worker(task, "test-worker", waiting=0)
    for i in range(50):
        worker.put(i)
    worker.close()
    assert done == list(range(50)) and threads == {"test-worker"}


def test_a_failure_is_raised_to_the_caller_and_stops_what_follows():
    done = []
    started = threading.Event()

    def task(item):
        if item == 2:
            started.set()
            raise OSError("disk full")
        done.append(item)

    worker = Worker(task, "test-worker", waiting=0)
    for i in range(5):
        worker.put(i)
    started.wait(5)
    with pytest.raises(OSError, match="disk full"):
        worker.close()
    assert done == [0, 1]  # 3 and 4 were handed over but not run
    worker.close()  # once raised, closing again is quiet


def test_put_after_a_failure_raises_it():
    failed = threading.Event()

    def task(item):
        failed.set()
        raise ValueError(item)

    worker = Worker(task, "test-worker")
    worker.put("first")
    failed.wait(5)
    while worker.thread.is_alive() and worker.error is None:
        pass
    with pytest.raises(ValueError, match="first"):
        worker.put("second")


def test_abandon_drops_the_waiting_items_and_keeps_quiet():
    release, running, done = threading.Event(), threading.Event(), []

    def task(item):
        running.set()
        release.wait(5)
        done.append(item)
        raise RuntimeError("not raised when abandoned")

    worker = Worker(task, "test-worker", waiting=2)
    worker.put(0)
    running.wait(5)
    worker.put(1)
    worker.put(2)
    threading.Timer(0.2, release.set).start()  # item 0 ends after the waiting ones were dropped
    worker.close(abandon=True)
    assert done == [0] and not worker.thread.is_alive()
