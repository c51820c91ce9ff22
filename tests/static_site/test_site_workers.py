"""The site build's worker processes (``registry.static_site.workers``): a script that builds a
site without a ``__main__`` guard runs once (multiprocessing's spawn ran it again in every worker,
which hung the build); a task that fails in a worker is raised in the building process, named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pages_support import BASE, build_registry

from registry.core.settings import Settings
from registry.static_site.workers import SiteWorkerFailed, SiteWorkers

TESTS = Path(__file__).resolve().parents[1]

SCRIPT = '''
import os, sys
from pathlib import Path
from registry.core.settings import Settings
from registry.static_site.builder import build_site

with open(sys.argv[1], "a") as runs:  # the script's own work, which must happen once
    runs.write(f"{os.getpid()}\\n")
report = build_site(Settings(data_dir=Path(sys.argv[2]), base_iri=sys.argv[3]), Path(sys.argv[4]), workers=2,
                    languages=("nl",))
print(report.passports_built)
'''


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return build_registry(tmp_path_factory.mktemp("site-workers") / "data", size=12, seed=3).data_dir


def test_a_script_without_a_main_guard_builds_the_site_once(data_dir, tmp_path):
    script, runs, out = tmp_path / "build.py", tmp_path / "runs.txt", tmp_path / "site"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    done = subprocess.run([sys.executable, str(script), str(runs), str(data_dir), BASE, str(out)], check=False,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) >= 12
    assert len(runs.read_text().splitlines()) == 1  # the script ran once
    assert len(list(out.rglob("*.html"))) > 12


def test_a_task_that_fails_in_a_worker_is_raised_here_with_its_name(data_dir, tmp_path):
    with SiteWorkers(2, Settings(data_dir=data_dir, base_iri=BASE), str(tmp_path / "site"), "", ("nl",), 50, {}) as pool:
        start_file = pool._start_file
        assert start_file.exists()
        with pytest.raises(SiteWorkerFailed) as failed:
            list(pool.imap_unordered([("no such task", ())]))
        assert "'no such task'" in str(failed.value) and "unknown site build task" in str(failed.value)
    assert not start_file.exists()  # the workers' start file is removed with the pool
