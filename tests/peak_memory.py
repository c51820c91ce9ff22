"""The peak resident memory of a command-line run in its own process: ``VmHWM``, read by the process
itself as it exits (``/proc/self/status``; Linux). Used by tests and benchmarks of memory bounds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PEAK = ("import atexit, runpy, sys\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    print('peak-rss-kb', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
        "atexit.register(peak)\n"
        "sys.argv = ['passports', *sys.argv[1:]]\n"
        "runpy.run_module('registry.cli', run_name='__main__')\n")


def run_cli_peak(*args: str, cwd: Path, timeout: float = 600) -> tuple[subprocess.CompletedProcess, int]:
    """``passports ARGS`` run by this interpreter in ``cwd``; its result and peak resident memory
    in bytes (0 when it did not say, e.g. killed)."""
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, check=False)
    said = done.stderr.rsplit("peak-rss-kb", 1)
    return done, int(said[1].split()[0]) * 1024 if len(said) == 2 else 0


__all__ = ["run_cli_peak"]
