"""Packaging beyond pyproject.toml: a wheel carries the project's data folders (``ontology/``,
``shapes/``, ``sparql/``, ``site/``) as package data under ``registry/_data/``, where
``registry.core.resources`` finds them through importlib.resources. The folders stay at the top
of the source tree (the project's layout); an editable install reads them there."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_FOLDERS = ("ontology", "shapes", "sparql", "site", "pricelists")  # as registry.core.resources.SHIPPED_FOLDERS


class BuildWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "registry" / "_data"
        for name in SHIPPED_FOLDERS:
            shutil.copytree(here / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
