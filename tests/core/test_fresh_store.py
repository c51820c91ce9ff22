"""FreshStore (registry/core/workers.py): what a query worker and the server's inline runner hold
open is opened again when, and only when, the generation file says the store changed."""

from __future__ import annotations

from registry.core.workers import GENERATION_FILE, FreshStore, bump_generation, read_generation


def test_reopened_only_when_the_generation_changes(tmp_path):
    opened = []
    fresh = FreshStore(lambda: opened.append(len(opened)) or f"handle {len(opened)}", tmp_path / GENERATION_FILE)
    assert read_generation(tmp_path / GENERATION_FILE) is None  # no writer yet: no file
    assert fresh.get() == "handle 1" and fresh.get() == "handle 1" and fresh.current()
    bump_generation(tmp_path)  # the file appears
    assert not fresh.current()
    assert fresh.get() == "handle 2" and fresh.run(lambda value: value) == "handle 2"
    bump_generation(tmp_path)
    bump_generation(tmp_path)  # two writes between two queries: one reopen
    assert fresh.get() == "handle 3" and fresh.opened == 3
    assert read_generation(str(tmp_path / GENERATION_FILE)) == (tmp_path / GENERATION_FILE).read_bytes()
