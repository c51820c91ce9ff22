"""Virtuoso (Debian ``virtuoso-opensource``) for the benchmarks: started on free loopback ports in
a folder of its own, loaded with its bulk loader, stopped at the end.

    with Virtuoso(folder) as server:
        seconds = server.load(Path("dump.nq"))
        httpx.post(server.sparql_url, data={"query": "ASK {}"})

The settings are those of a dedicated bench machine's Virtuoso, sized for this one: 1 GiB of
buffers (``NumberOfBuffers`` 120,000 pages of 8 KiB), no result row cap, no query time cap, a
checkpoint after the load only.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Self

import httpx

BINARY = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
VSP = "/var/lib/virtuoso-opensource-7/vsp"

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {dir}
NumberOfBuffers = 120000
MaxDirtyBuffers = 90000
MaxQueryMem = 2G
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {vsp}
ServerThreads = 10
MaxClientConnections = 10
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DefaultQuery = ASK {{}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def available() -> bool:
    return Path(BINARY).is_file() and Path(ISQL).is_file()


class Virtuoso:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self.sql, self.http = _free_port(), _free_port()
        self.sparql_url = f"http://127.0.0.1:{self.http}/sparql"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "virtuoso.ini").write_text(INI.format(dir=self.folder, sql=self.sql, http=self.http,
                                                             vsp=VSP))
        self.proc = subprocess.Popen([BINARY, "-f", "-c", str(self.folder / "virtuoso.ini")], cwd=self.folder,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.folder / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: {log}")
            try:
                if httpx.post(self.sparql_url, data={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError("virtuoso did not answer")

    def isql(self, statements: str, timeout: float = 3600) -> str:
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql}", "dba", "dba", f"exec={statements}"],
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return done.stdout

    def load(self, nquads: Path) -> float:
        """Bulk-load an N-Quads file (its graphs as they are); the seconds it took."""
        target = self.folder / "load"
        target.mkdir(exist_ok=True)
        shutil.copy(nquads, target / "data.nq")
        started = time.perf_counter()
        self.isql(f"ld_dir('{target}', 'data.nq', 'urn:bench:default'); rdf_loader_run(); checkpoint;")
        seconds = round(time.perf_counter() - started, 1)
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
        if "\n0 Rows." not in errors:
            raise RuntimeError(f"the Virtuoso bulk loader refused the data: {errors[-2000:]}")
        return seconds

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
