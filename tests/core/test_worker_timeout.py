"""A task past its time limit in ``WorkerPool.acall`` is a :class:`WorkerTimeout`, whatever
becomes of the killed worker's descriptor: the pool let go of it only after it stopped watching
it (once, the descriptor was put back to blocking after the worker was replaced, which closed it:
"Bad file descriptor", a 500 that blamed the query's memory instead of a 503)."""

from __future__ import annotations

import asyncio

import pytest
from test_worker_recycling import hoarding_pool

from registry.core.workers import WorkerTimeout


def test_a_task_past_its_limit_is_a_timeout_even_when_no_worker_takes_the_descriptor(monkeypatch):
    with hoarding_pool(monkeypatch, 0) as pool:
        monkeypatch.setattr(pool, "_spawn", lambda: None)  # no replacement reuses the closed number
        with pytest.raises(WorkerTimeout):
            asyncio.run(pool.acall(400, limit=0.01))  # 400 MiB written: far more than 10 ms
        assert pool.killed == 1 and not pool.workers()
