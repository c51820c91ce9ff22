"""A full disk, a read-only data directory and a store held by another process: one clear line and
exit 2 in the CLI, 503 with the reason in the API, and the store opens afterwards with what it held
(issue 11). The disk is a real 20 MB tmpfs, mounted by the test (it runs as root; without the right
to mount, the tests are skipped)."""

from __future__ import annotations

import errno
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import BASE, docs_from, dump, passport_ttl, run_cli

from registry.core.settings import Settings
from registry.model.uris import passport_ref
from registry.store.failures import StoreError
from registry.store.registry import Registry


@pytest.fixture
def small_disk(tmp_path):
    """A 20 MB tmpfs at ``tmp_path / "disk"``, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def fill(disk: Path) -> Path:
    """Fill the disk up to the last byte; the file that did it (remove it to free the space)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        for size in (2**20, 4096, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def batch(prefix: str, n: int = 150) -> str:
    return "".join(passport_ttl(f"{prefix}-{i}") for i in range(n))


def test_a_full_disk_refuses_the_write_and_the_store_keeps_what_it_held(small_disk):
    settings = Settings(data_dir=small_disk / "data", base_iri=BASE)
    registry = Registry.open(settings)
    try:
        registry.add(docs_from(passport_ttl("brug-1") + passport_ttl("brug-2")))
        before = dump(registry)
        filler = fill(small_disk)
        with pytest.raises(StoreError) as info:
            registry.add(docs_from(batch("vol")))
        error = info.value
        assert error.status == 503 and error.exit_code == 2
        assert str(settings.data_dir) in str(error) and "full" in str(error)
        assert "is vol" in error.message("nl")
        assert dump(registry) == before  # reads go on, and nothing of the batch is there
        filler.unlink()
        report = registry.add(docs_from(passport_ttl("brug-3")))  # reopened: writes work again
        assert report.created == [passport_ref(BASE, "GM0153", "brug-3").iri]
    finally:
        registry.close()
    with Registry.open(settings) as again:
        assert again.count_passports() == 3
        assert again.current_version(passport_ref(BASE, "GM0153", "brug-1")) == 1


def test_the_cli_names_the_data_directory_on_a_full_disk(small_disk, tmp_path):
    data = small_disk / "data"
    with Registry.open(Settings(data_dir=data, base_iri=BASE)) as registry:
        registry.add(docs_from(passport_ttl("brug-1")))
        before = dump(registry)
    source = tmp_path / "batch.ttl"
    source.write_text(batch("vol", 60), encoding="utf-8")
    filler = fill(small_disk)
    added = run_cli("add", str(source), "--data", str(data))
    assert added.returncode == 2, added.stderr
    assert "Traceback" not in added.stderr
    assert str(data) in added.stderr and "full" in added.stderr
    filler.unlink()
    with Registry.open(Settings(data_dir=data, base_iri=BASE)) as registry:
        assert dump(registry) == before


def test_the_api_answers_503_on_a_full_disk_and_writes_again_when_there_is_space(small_disk):
    from fastapi.testclient import TestClient

    from registry.store.tokens import TokenStore
    from registry.web.app import create_app

    settings = Settings(data_dir=small_disk / "data", base_iri=BASE, query_workers=1, page_workers=0)
    token = TokenStore(settings.tokens_path).create("GM0153", "test")[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    with TestClient(create_app(settings)) as client:
        assert client.put("/api/v1/passports/GM0153/brug-1", content=passport_ttl("brug-1"),
                          headers=headers).status_code == 201
        registry = client.app.state.registry
        before = dump(registry)
        filler = fill(small_disk)
        answer = client.post("/api/v1/passports", content=batch("vol", 60), headers=headers)
        assert answer.status_code == 503, answer.text
        assert "full" in answer.json()["detail"] and str(settings.data_dir) in answer.json()["detail"]
        assert dump(registry) == before
        page = client.get("/id/passport/GM0153/brug-1", headers={"Accept": "text/turtle"})
        assert page.status_code == 200  # the server still answers
        filler.unlink()
        again = client.put("/api/v1/passports/GM0153/brug-2", content=passport_ttl("brug-2"),
                           headers=headers)
        assert again.status_code == 201, again.text
    with Registry.open(settings) as registry:
        assert registry.count_passports() == 2


def test_a_read_only_data_directory_is_named_in_the_cli(small_disk, tmp_path):
    data = small_disk / "data"
    with Registry.open(Settings(data_dir=data, base_iri=BASE)) as registry:
        registry.add(docs_from(passport_ttl("brug-1")))
        before = dump(registry)
    source = tmp_path / "one.ttl"
    source.write_text(passport_ttl("brug-2"), encoding="utf-8")
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True,
                             check=False)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
    try:
        added = run_cli("add", str(source), "--data", str(data))
        assert added.returncode == 2, added.stderr
        assert "Traceback" not in added.stderr
        assert str(data) in added.stderr and "cannot be written" in added.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=False)
    with Registry.open(Settings(data_dir=data, base_iri=BASE)) as registry:
        assert dump(registry) == before


def test_a_store_held_by_another_process_is_named_in_the_cli(settings, tmp_path):
    source = tmp_path / "one.ttl"
    source.write_text(passport_ttl("brug-2"), encoding="utf-8")
    with Registry.open(settings) as registry:  # this process holds the store, as `passports serve` would
        registry.add(docs_from(passport_ttl("brug-1")))
        before = dump(registry)
        for args in (("add", str(source)), ("serve", "--port", "1")):
            refused = run_cli(*args, "--data", str(settings.data_dir))
            assert refused.returncode == 2, refused.stderr
            assert "Traceback" not in refused.stderr
            assert str(settings.data_dir) in refused.stderr and "in use by another process" in refused.stderr
        assert dump(registry) == before
    with Registry.open(replace(settings)) as registry:
        assert dump(registry) == before
