"""External SPARQL 1.1 servers for the backend matrix and the benchmarks: Virtuoso open source
(Debian's ``virtuoso-opensource``) and Apache Jena Fuseki, each started on free loopback ports in
a work directory of its own, waited for, and stopped at exit.

    with virtuoso(tmp_path) as server:      # or fuseki(tmp_path)
        server.query_url, server.update_url, server.gsp_url

Fuseki is ``jena-fuseki-server`` 5.6.0 from Maven (``.ci/run`` copies it into ``~/.m2``; or
``FUSEKI_JAR``). Where that jar cannot be had (a machine that reaches no Maven registry), the
same engine, Jena ARQ over TDB2 from Debian's ``libapache-jena-java``, is served by the small
protocol server in ``tests/jena_server/``: ``server.engine`` says which one answered.

``require(name)``: the calling test skips when the server is not installed, except in CI (``CI``
set), where it fails (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
FUSEKI_VERSION = "5.6.0"
FUSEKI_JAR = Path(os.environ.get("FUSEKI_JAR") or Path.home() / ".m2/repository/org/apache/jena/jena-fuseki-server"
                  / FUSEKI_VERSION / f"jena-fuseki-server-{FUSEKI_VERSION}.jar")
JAVA = shutil.which("java") or "/usr/bin/java"
DEBIAN_JARS = Path("/usr/share/java")
JENA_JARS = ["jena-arq", "jena-base", "jena-core", "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage",
             "jena-dboe-trans-data", "jena-dboe-transaction", "jena-iri", "jena-tdb2", "jena-rdfconnection",
             "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
             "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-annotations", "jackson-core",
             "jackson-databind", "jakarta.json-api", "jsonld-java", "slf4j-api", "slf4j-nop", "protobuf", "thrift",
             "titanium-json-ld"]
JENA_SERVER = Path(__file__).parent / "jena_server" / "JenaSparqlServer.java"
STARTUP_SECONDS = 120


@dataclass
class Endpoint:
    """A running SPARQL server: its protocol URLs and what it is."""

    name: str  # "virtuoso" or "fuseki"
    engine: str  # the software that answers, with its version
    query_url: str
    update_url: str
    gsp_url: str
    user: str | None = None
    password: str | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    own_graphs: frozenset[str] = frozenset()  # the server's own graphs (Virtuoso's system graphs)
    sql_port: int | None = None  # Virtuoso's SQL port (isql-vt)
    workdir: Path | None = None

    def sql(self, statements: str, timeout: float = 120) -> str:
        """Run SQL statements on Virtuoso through ``isql-vt`` as dba; their output."""
        if self.sql_port is None:
            raise RuntimeError(f"{self.engine} has no SQL port")
        return isql(self.sql_port, statements, self.workdir or Path.cwd(), timeout=timeout)

    def graphs(self) -> set[str]:
        answer = httpx.post(self.query_url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60)
        answer.raise_for_status()
        return {row["g"]["value"] for row in answer.json()["results"]["bindings"]}

    def clear(self) -> None:
        """Drop every graph but the server's own: a fresh dataset for the next test."""
        mine = sorted(self.graphs() - self.own_graphs)
        for start in range(0, len(mine), 200):
            update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in mine[start:start + 200])
            httpx.post(self.update_url, data={"update": update}, timeout=300).raise_for_status()


def missing(name: str) -> str | None:
    """Why server ``name`` cannot be started here, or None."""
    if name == "virtuoso":
        if not (Path(VIRTUOSO).exists() and Path(ISQL).exists()):
            return "Virtuoso is not installed (apt-get install -y virtuoso-opensource)"
        return None
    if not Path(JAVA).exists():
        return "java is not installed (apt-get install -y default-jre-headless)"
    if FUSEKI_JAR.exists():
        return None
    if all((DEBIAN_JARS / f"{j}.jar").exists() for j in JENA_JARS) and shutil.which("javac"):
        return None  # the stand-in runs from source: java needs the JDK's compiler for that
    return (f"neither the Fuseki jar ({FUSEKI_JAR}) nor Debian's libapache-jena-java and a JDK are "
            "installed (.ci/run installs them)")


def require(name: str) -> None:
    """Skip the calling test when server ``name`` is missing; in CI, fail."""
    reason = missing(name)
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)


def _wait(process: subprocess.Popen, url: str, log: Path, **request) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=5, **request).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS} s:\n{_tail(log)}")
        time.sleep(0.3)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


VIRTUOSO_INI = """\
[Database]
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
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
CheckpointInterval = {checkpoint_minutes}
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = {query_memory}
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
EnabledGzipContent = 0
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryExecutionTime = {query_seconds}
MaxQueryCostEstimationTime = 0
"""


def isql(endpoint_port: int, statements: str, workdir: Path, *, timeout: float = 120) -> str:
    """Run SQL statements through ``isql-vt`` as dba (Virtuoso's default password on a fresh
    database); their output, or RuntimeError."""
    result = subprocess.run([ISQL, str(endpoint_port), "dba", "dba", f"exec={statements}"], cwd=workdir,
                            capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
        raise RuntimeError(f"isql: {result.stdout}{result.stderr}")
    return result.stdout


@contextmanager
def virtuoso(workdir: Path, port: int | None = None, *, memory_mb: int = 1500, checkpoint_minutes: int = 60,
             query_seconds: int = 600, query_memory: str = "1G") -> Iterator[Endpoint]:
    """Virtuoso open source on 127.0.0.1:``port`` (HTTP) with its database in ``workdir``; the
    anonymous SPARQL user may update (``GRANT SPARQL_UPDATE``), ``/sparql-auth`` takes dba/dba.
    ``checkpoint_minutes`` and ``query_seconds`` 0: no automatic checkpoint, no query time limit
    (the benchmarks: bench/virtuoso.py)."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    isql_port = free_port()
    buffers = memory_mb * 1024 * 1024 // 8192 * 2 // 3  # two thirds of the memory as 8 kB pages
    (workdir / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        dir=workdir, port=port, isql_port=isql_port, buffers=buffers, dirty=buffers * 3 // 4,
        checkpoint_minutes=checkpoint_minutes, query_seconds=query_seconds, query_memory=query_memory))
    log = workdir / "virtuoso.out"
    with open(log, "wb") as out:
        process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(workdir / "virtuoso.ini")],
                                   cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(process, f"{base}/sparql?query=ASK%7B%7D", log)
        isql(isql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";', workdir)
        server = Endpoint("virtuoso", "Virtuoso open source " + _virtuoso_version(), f"{base}/sparql",
                          f"{base}/sparql", f"{base}/sparql-graph-crud", process=process, sql_port=isql_port,
                          workdir=workdir)
        server.own_graphs = frozenset(server.graphs())
        yield server
    finally:
        try:
            if process.poll() is None:
                isql(isql_port, "checkpoint; shutdown;", workdir)
                process.wait(60)
        except (RuntimeError, subprocess.TimeoutExpired, OSError):
            pass
        _stop(process)


def bulk_load(server: Endpoint, nquads: Path, timeout: float = 3600) -> float:
    """Load an N-Quads file into Virtuoso with its bulk loader (its graphs as they are) and
    checkpoint; the seconds it took. RuntimeError when the loader refused any of it."""
    target = server.workdir / "load"
    target.mkdir(exist_ok=True)
    shutil.copy(nquads, target / "data.nq")
    started = time.perf_counter()
    server.sql(f"ld_dir('{target}', 'data.nq', 'urn:bench:default'); rdf_loader_run(); checkpoint;", timeout)
    seconds = round(time.perf_counter() - started, 1)
    errors = server.sql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
    if "\n0 Rows." not in errors:
        raise RuntimeError(f"the Virtuoso bulk loader refused the data: {errors[-2000:]}")
    return seconds


def _virtuoso_version() -> str:
    result = subprocess.run([VIRTUOSO, "-?"], capture_output=True, text=True, timeout=30, check=False)
    words = (result.stdout + result.stderr).split()
    return next((w for w in words if w[:1].isdigit() and "." in w), "7")


def _jena_classpath(workdir: Path) -> str:
    """Debian's Jena jars, and the Xerces messages that Debian's jena-core keeps under the old
    package name (without them Jena fails at start: "internal error" in XSSimpleTypeDecl)."""
    resources = workdir / "resources"
    if not resources.exists():
        with zipfile.ZipFile(DEBIAN_JARS / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                    target = resources / name.removeprefix("org/apache/jena/ext/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    return os.pathsep.join([*(str(DEBIAN_JARS / f"{j}.jar") for j in JENA_JARS), str(resources)])


@contextmanager
def fuseki(workdir: Path, port: int | None = None, *, memory_mb: int = 1500,
           query_seconds: int = 0) -> Iterator[Endpoint]:
    """Fuseki (TDB2 in ``workdir``, dataset ``/ds`` with update, union default graph) on
    127.0.0.1:``port``; or, without the Fuseki jar, Jena ARQ/TDB2 behind the same paths.
    ``query_seconds``: a query running longer is cancelled (Fuseki's ``--timeout``; 0: none)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    heap = f"-Xmx{memory_mb}m"
    if FUSEKI_JAR.exists():
        engine = f"Apache Jena Fuseki {FUSEKI_VERSION}"
        command = [JAVA, heap, "-jar", str(FUSEKI_JAR), "--localhost", "--port", str(port), "--tdb2",
                   "--loc", str(workdir / "tdb2"), "--set", "tdb:unionDefaultGraph=true", "--update",
                   *([f"--timeout={query_seconds * 1000}"] if query_seconds else []), "/ds"]
        ready = f"http://127.0.0.1:{port}/$/ping"
    else:
        engine = "Apache Jena ARQ/TDB2 4.5.0 (Debian), tests/jena_server stand-in for Fuseki"
        command = [JAVA, heap, "-cp", _jena_classpath(workdir), str(JENA_SERVER), str(port),
                   str(workdir / "tdb2"), str(query_seconds * 1000)]
        ready = f"http://127.0.0.1:{port}/$/ping"
    log = workdir / "fuseki.out"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(process, ready, log)
        base = f"http://127.0.0.1:{port}/ds"
        yield Endpoint("fuseki", engine, f"{base}/query", f"{base}/update", f"{base}/data", process=process)
    finally:
        _stop(process)
