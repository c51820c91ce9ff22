"""The build fingerprint: the code of the packages a site is made by, found by walking them."""

from __future__ import annotations

import importlib
import sys

import pytest

from registry.static_site.manifest import CODE_PACKAGES, code_fingerprint


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package ``fp_pkg`` (a module and a subpackage) on ``sys.path`` for this test."""
    root = tmp_path / "fp_pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text('"""fp_pkg"""\n')
    (root / "a.py").write_text("A = 1\n")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "b.py").write_text("B = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [n for n in sys.modules if n == "fp_pkg" or n.startswith("fp_pkg.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def test_changing_adding_moving_or_removing_a_module_changes_the_fingerprint(package):
    first = code_fingerprint(["fp_pkg"])
    assert code_fingerprint(["fp_pkg"]) == first  # the same code, the same fingerprint
    (package / "a.py").write_text("A = 10\n")  # a module changed
    changed = code_fingerprint(["fp_pkg"])
    (package / "sub" / "c.py").write_text("C = 3\n")  # a module added, in a subpackage
    added = code_fingerprint(["fp_pkg"])
    (package / "sub" / "c.py").rename(package / "c.py")  # the same module moved
    moved = code_fingerprint(["fp_pkg"])
    assert len({first, changed, added, moved}) == 4
    (package / "c.py").unlink()  # removed: the code of before
    assert code_fingerprint(["fp_pkg"]) == changed
    (package / "notes.txt").write_text("not a module")
    assert code_fingerprint(["fp_pkg"]) == changed


def test_the_default_fingerprint_covers_the_packages_the_site_is_made_by():
    fingerprint = code_fingerprint()
    assert fingerprint == code_fingerprint(CODE_PACKAGES)
    for package in ("registry.model", "registry.views", "registry.static_site"):
        assert package in CODE_PACKAGES
        assert code_fingerprint([p for p in CODE_PACKAGES if p != package]) != fingerprint
