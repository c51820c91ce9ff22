"""Hostile benchmark: four large bodies posted to ``/api/v1/validate`` (no token) at once.

Demo passports (``registry.demo``) are written as one Turtle file of about ``--mb`` megabytes;
``passports serve`` runs in a subprocess on an empty data directory (no page workers); four
clients, each from its own loopback address (so per-client limits do not refuse them), post the
file at the same moment. The server's resident memory is sampled every 50 ms; reported are its
memory before, its peak (``VmHWM``), the wall time and each answer's status.

    python3 bench/bench_validate_memory.py                     # this tree, 7 MB bodies
    python3 bench/bench_validate_memory.py --root /work/main   # another checkout's code ("before")
    python3 bench/bench_validate_memory.py --invalid           # every passport fails (pySHACL reports)

Results go to ``bench/results/validate_memory.json`` (one entry per code root and body kind); the
result is printed. Measured on 2026-12-04 (2 cores): main 556 MiB peak, this tree 267 MiB (valid
bodies); 637 and 361 MiB with every passport invalid; the same wall time (one body at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "validate_memory.json"
LOG = None  # the server's stderr (None: inherited)


def body_of(path: Path, megabytes: float, invalid: bool = False) -> bytes:
    from registry import demo

    size = max(1, int(megabytes * 1_000_000 / 3_300))  # a demo passport is about 3.3 KB of Turtle
    for _ in range(4):
        demo.write(path, size, seed=7, base="http://localhost:8000/", fmt="ttl")
        got = path.stat().st_size
        if abs(got - megabytes * 1e6) < 0.1 * megabytes * 1e6:
            break
        size = max(1, int(size * megabytes * 1e6 / got))
    if invalid:  # every passport without its project phase: each one fails validation
        return b"".join(line for line in path.read_bytes().splitlines(keepends=True)
                        if not (b"mp:projectPhase " in line and line.rstrip().endswith(b";")))
    return path.read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def serve(root: Path, data: Path, port: int) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "PYTHONPATH": str(root), "PASSPORTS_DATA": str(data),
           "PASSPORTS_BASE": "http://localhost:8000/", "PASSPORTS_MAX_BODY": str(16 * 2**20)}
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--port", str(port),
                             "--base", "http://localhost:8000/", "--page-workers", "0", "--no-access-log"],
                            cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=LOG)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def run(root: Path, megabytes: float, clients: int, invalid: bool = False) -> dict:
    import httpx

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        body = body_of(Path(tmp) / "body.ttl", megabytes, invalid)
        port = free_port()
        proc = serve(root, Path(tmp) / "data", port)
        try:
            time.sleep(1.0)
            before = memory_kib(proc.pid, "VmRSS")
            answers: list = [None] * clients
            stop = threading.Event()
            peak = [before]

            def sample():
                while not stop.is_set():
                    try:
                        peak[0] = max(peak[0], memory_kib(proc.pid, "VmRSS"))
                    except OSError:
                        return
                    time.sleep(0.05)

            def post(i: int):
                transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + i}")
                with httpx.Client(transport=transport, timeout=600) as c:
                    started = time.monotonic()
                    r = c.post(f"http://127.0.0.1:{port}/api/v1/validate", content=body,
                               headers={"Content-Type": "text/turtle"})
                    answers[i] = {"status": r.status_code, "seconds": round(time.monotonic() - started, 1),
                                  "detail": (r.json().get("detail", "") if r.headers.get("content-type", "")
                                             .startswith("application/json") else r.text)[:160]}

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.monotonic()
            threads = [threading.Thread(target=post, args=(i,)) for i in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - started
            stop.set()
            sampler.join()
            hwm = memory_kib(proc.pid, "VmHWM")
            alive = sparql_alive(port)
        finally:
            proc.terminate()
            proc.wait(30)
    return {"root": str(root), "body_bytes": len(body), "invalid": invalid, "clients": clients,
            "rss_before_mib": round(before / 1024), "rss_peak_mib": round(max(peak[0], hwm) / 1024),
            "wall_seconds": round(wall, 1), "answers": answers, "server_answers_after": alive}


def sparql_alive(port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"},
                         timeout=30).status_code in (200, 429)
    except httpx.HTTPError:
        return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code the server runs")
    ap.add_argument("--mb", type=float, default=7.0, help="size of each body in megabytes")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--label", help="the key of the result in the JSON file (default: the root's name)")
    ap.add_argument("--invalid", action="store_true", help="passports without their project phase (all fail)")
    args = ap.parse_args(argv)
    result = run(args.root.resolve(), args.mb, args.clients, args.invalid)
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous[f"{args.label or args.root.resolve().name}{' invalid' if args.invalid else ''}"] = result
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
