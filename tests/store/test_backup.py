"""``passports backup`` / ``passports restore`` (registry.store.backup): a backup taken while a live
server takes writes restores to a state the server had; a backup killed half-way never looks
complete; a changed backup is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import ROOT, docs_from, passport_ttl, run_cli
from servers import serve

from registry.core.settings import Settings
from registry.store.backup import MANIFEST, BackupError, backup, read_manifest, restore
from registry.store.registry import Registry
from registry.store.tokens import TokenStore


def dumps(registry: Registry) -> tuple[bytes, bytes]:
    """The main store and the history store, each as sorted N-Quads."""
    return tuple("\n".join(sorted(str(q) for q in store)).encode()
                 for store in (registry.store, registry.history_store))


def restored_dumps(data) -> tuple[bytes, bytes]:
    with Registry.open(Settings(data_dir=data), read_only=True) as registry:
        return dumps(registry)


class Writer(threading.Thread):
    """Writes passports through the API one after the other (new ones and new versions of earlier
    ones) and keeps the dumps of the server's store after each acknowledged write."""

    def __init__(self, srv, token: str) -> None:
        super().__init__(daemon=True)
        self.srv, self.token = srv, token
        self.states = [dumps(srv.registry)]
        self.stop = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "text/turtle"}
        with self.srv.client(timeout=60) as client:
            for i in range(10_000):
                if self.stop.is_set():
                    return
                key = f"b-{i % 7}"  # after seven, every write is a new version of an earlier one
                body = passport_ttl(key, label=f"Brug {i}")
                answer = client.put(f"/api/v1/passports/GM0153/{key}", content=body, headers=headers)
                if answer.status_code // 100 != 2:
                    self.error = f"{answer.status_code} {answer.text}"
                    return
                self.states.append(dumps(self.srv.registry))


@pytest.mark.slow
def test_backup_while_the_server_writes_restores_a_state_the_server_had(tmp_path):
    data = tmp_path / "data"
    settings = Settings(data_dir=data, base_iri="http://localhost:8000/")
    with Registry.open(settings):
        pass
    token = TokenStore(settings.tokens_path).create("GM0153", "backup test")[1]
    with serve(settings) as srv:
        settings = srv.settings
        writer = Writer(srv, token)
        writer.start()
        while len(writer.states) < 4 and writer.is_alive():
            time.sleep(0.05)
        before = len(writer.states)
        done = run_cli("backup", str(tmp_path / "bk"), "--data", str(data))
        after = len(writer.states)
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, writer.error
    assert done.returncode == 0, done.stderr
    assert after > before, "no write landed while the backup ran"
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    assert manifest["method"] == "snapshot"  # the server held the store
    assert (tmp_path / "bk" / "tokens.json").is_file()

    done = run_cli("restore", str(tmp_path / "bk"), "--data", str(tmp_path / "restored"))
    assert done.returncode == 0, done.stderr
    main, history = restored_dumps(tmp_path / "restored")
    mains = [i for i, state in enumerate(writer.states) if state[0] == main]
    assert mains, "the restored main store is no state the server had"
    # the history store is read after the main store: at the same state or later
    assert any(state[1] == history for state in writer.states[mains[0]:])
    assert b"/id/passport/GM0153/b-" in main
    assert (tmp_path / "restored" / "search.sqlite").is_file()  # rebuilt at the first opening


def test_a_backup_without_a_server_is_a_checkpoint_with_the_same_content(tmp_path, settings):
    with Registry.open(settings) as registry:
        registry.add(docs_from(passport_ttl("a-1")))
        registry.add(docs_from(passport_ttl("a-1", label="Brug nieuw")))  # a history version too
        expected = dumps(registry)
    result = backup(settings, tmp_path / "bk")
    assert result.manifest["method"] == "checkpoint"
    assert result.manifest["quads"]["history"] > 0
    restore(tmp_path / "bk", tmp_path / "new")
    assert restored_dumps(tmp_path / "new") == expected
    with pytest.raises(BackupError, match="already exists"):
        backup(settings, tmp_path / "bk")


def _slow_backup(tmp_path, settings) -> subprocess.Popen:
    """``passports backup`` while this process holds the store (so it copies a snapshot: slower)."""
    return subprocess.Popen([sys.executable, "-m", "registry.cli", "backup", str(tmp_path / "bk"),
                             "--data", str(settings.data_dir)], cwd=ROOT, env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_a_killed_backup_never_looks_complete_and_the_next_one_works(tmp_path, settings):
    done = run_cli("demo", "--size", "300", "--data", str(settings.data_dir))
    assert done.returncode == 0, done.stderr
    partial = tmp_path / "bk.partial"
    with Registry.open(settings) as registry:
        expected = dumps(registry)
        proc = _slow_backup(tmp_path, settings)
        deadline = time.monotonic() + 60
        while not (partial / "main").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert partial.exists() and not (tmp_path / "bk").exists(), "the backup ended before the kill"
        with pytest.raises(BackupError, match="not a complete backup"):
            read_manifest(partial)
        proc = _slow_backup(tmp_path, settings)  # the next backup clears the partial one
        assert proc.wait(120) == 0, proc.stderr.read().decode()
    assert not partial.exists()
    assert read_manifest(tmp_path / "bk")["method"] == "snapshot"
    done = run_cli("restore", str(tmp_path / "bk"), "--data", str(tmp_path / "new"))
    assert done.returncode == 0, done.stderr
    assert restored_dumps(tmp_path / "new") == expected


def test_a_changed_backup_is_refused_in_both_languages(tmp_path, settings):
    with Registry.open(settings) as registry:
        registry.add(docs_from(passport_ttl("a-1")))
    backup(settings, tmp_path / "bk")
    sst = next((tmp_path / "bk" / "main").glob("*.sst"))
    content = bytearray(sst.read_bytes())
    content[len(content) // 2] ^= 0xFF
    os.chmod(sst, 0o644)
    sst.unlink()  # a hard link into the live store: change a copy of it, never the store
    sst.write_bytes(bytes(content))
    for lang, words in (("en", "is damaged or was changed"), ("nl", "is beschadigd of gewijzigd")):
        done = run_cli("restore", str(tmp_path / "bk"), "--data", str(tmp_path / "new"), "--lang", lang)
        assert done.returncode == 2
        assert words in done.stderr and f"main/{sst.name}" in done.stderr
    assert not (tmp_path / "new").exists()
    (tmp_path / "bk" / "extra").write_text("x")
    with pytest.raises(BackupError, match="extra is not in the manifest"):
        read_manifest(tmp_path / "bk")


def test_restore_refuses_a_data_directory_that_is_not_empty(tmp_path, settings):
    with Registry.open(settings):
        pass
    backup(settings, tmp_path / "bk")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    with pytest.raises(BackupError, match="not empty"):
        restore(tmp_path / "bk", tmp_path / "other")
    assert (tmp_path / "other" / "notes.txt").read_text() == "keep me"
    restore(tmp_path / "bk", tmp_path / "other", force=True)
    assert not (tmp_path / "other" / "notes.txt").exists()
