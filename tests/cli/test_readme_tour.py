"""The README's "short tour", run literally, line by line, against a fresh data directory (file
outputs go to a temporary folder; the demo is smaller)."""

from __future__ import annotations

import re
import shlex

import pytest
from conftest import ROOT, run_cli


def tour_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## A short tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [shlex.split(line.split("#", 1)[0])[1:] for line in block.splitlines()
            if line.startswith("passports ")]


@pytest.mark.slow
def test_the_readme_tour_works_literally(tmp_path):
    env = {"PASSPORTS_DATA": str(tmp_path / "data"), "PASSPORTS_BASE": "", "PASSPORTS_LANG": ""}
    commands = tour_commands()
    assert ["query", "docs/examples/my-query.rq", "--format", "csv"] in commands
    for args in commands:
        if args[:2] == ["ontology", "check"]:
            continue  # the reasoner: tests/validation/test_consistency.py
        args = [str(tmp_path / a) if i and args[i - 1] in ("--output", "--out", "--dumps") else a for i, a in enumerate(args)]
        args = ["30" if i and args[i - 1] == "--size" else a for i, a in enumerate(args)]
        done = run_cli(*args, env=env)
        expected = 1 if re.search(r"examples/invalid/", " ".join(args)) else 0
        assert done.returncode == expected, (args, done.stdout[-2000:], done.stderr[-2000:])
        if args[0] == "query" and args[1].endswith(".rq"):
            assert done.stdout.startswith("passport,material,value,unit"), done.stdout
        if args[0] == "export" and "--output" in args:
            assert "from the history" in done.stderr
        if args[0] == "export" and "--dumps" in args:
            assert (tmp_path / "open-data" / "dumps" / "manifest.json").is_file()
