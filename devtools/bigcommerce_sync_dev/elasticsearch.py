"""A real Elasticsearch 9 for the tests, the demo, the local Airflow and the benchmark.

``$ELASTICSEARCH_URL`` names an existing cluster (a Docker container, say). Otherwise
one single-node cluster is run from Elastic's minimal distribution on Maven Central
(``org.elasticsearch.distribution.integ-test-zip:elasticsearch``), fetched once with
Maven into ``.cache/elasticsearch/``, on a free loopback port, with a small heap and
a JDK 21+ from ``/usr/lib/jvm``, and stopped when the block ends.

That distribution carries only the server's core, the HTTP transport and x-pack
core and security (disabled here). It lacks the ``analysis-common`` module (no
``asciifolding``, no ``synonym_graph``) and the ``reindex`` module (no ``_reindex``,
no ``_delete_by_query``, and so no Synonyms API, which replaces a set by query).
:class:`SearchCluster` reads which modules the cluster has, and the connection it
builds tells the product (extra ``text_analysis: core``).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import requests

from bigcommerce_sync_dev.connections import free_port, search_connection
from bigcommerce_sync_dev.system import (
    StackError,
    as_user,
    install_debian_packages,
    private_dir,
    service_user,
)

# The newest 9.x integ-test-zip Maven Central serves; the Python client is pinned to 9.5 to match.
VERSION = "9.5.0"
ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{VERSION}:zip"
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "elasticsearch"
UNPACKED_DIR = Path(tempfile.gettempdir()) / f"bigcommerce-sync-elasticsearch-{VERSION}"
MIN_JAVA = 21
FULL_ANALYSIS_MODULE = "analysis-common"
STARTUP_TIMEOUT = 180.0


@dataclass(frozen=True)
class SearchCluster:
    """A running cluster: where it is, its version, and the modules its nodes load."""

    url: str
    version: str
    modules: frozenset[str]

    @classmethod
    def at(cls, url: str) -> SearchCluster:
        """Describe the cluster at ``url`` (``GET _nodes/plugins``)."""
        response = requests.get(f"{url}/_nodes/plugins", timeout=30)
        response.raise_for_status()
        nodes = list(response.json()["nodes"].values())
        modules = frozenset(m["name"] for node in nodes for m in node.get("modules", []))
        return cls(url=url.rstrip("/"), version=nodes[0]["version"], modules=modules)

    @property
    def has_full_analysis(self) -> bool:
        """Whether synonyms and accent folding are there (every stock distribution has them)."""
        return FULL_ANALYSIS_MODULE in self.modules

    def connection(self) -> str:
        """The ``elasticsearch_default`` connection JSON for this cluster (no replicas: one node)."""
        extra: dict[str, object] = {"number_of_replicas": 0}
        if not self.has_full_analysis:
            extra["text_analysis"] = "core"
        return search_connection(self.url, extra)


@contextmanager
def search_cluster(settings: Mapping[str, str] | None = None) -> Iterator[SearchCluster]:
    """Yield ``$ELASTICSEARCH_URL``'s cluster, or a node of our own, stopped on exit.

    :param settings: extra node settings (``elasticsearch.yml`` keys); these need a node of
        our own, so they start one even when ``$ELASTICSEARCH_URL`` is set.
    """
    url = os.environ.get("ELASTICSEARCH_URL")
    if url and not settings:
        yield SearchCluster.at(url)
        return
    with ElasticsearchNode(settings or {}) as node:
        yield SearchCluster.at(node.url)


class ElasticsearchNode:
    """One single-node cluster on a free loopback port, in a folder of its own.

    :param settings: extra ``elasticsearch.yml`` settings.
    :param heap_mb: the JVM heap.
    """

    def __init__(self, settings: Mapping[str, str], heap_mb: int = 512) -> None:
        self.settings = dict(settings)
        self.heap_mb = heap_mb
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def cluster(self) -> SearchCluster:
        """The cluster this node serves, known before it is up (the distribution's modules)."""
        modules = frozenset(path.name for path in (distribution() / "modules").iterdir())
        return SearchCluster(url=self.url, version=VERSION, modules=modules)

    def __enter__(self) -> ElasticsearchNode:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the node, laying out its folder the first time; return once the cluster is green.

        After :meth:`stop` with ``keep_data``, the node comes back on the same port with the same
        data (its indexes and aliases), as after an outage.
        """
        home, java = distribution(), java_home()
        user = service_user("elasticsearch")
        if self._workdir is None:
            self._workdir = self._lay_out(home, user)
        workdir = self._workdir
        environment = {
            **os.environ,
            "ES_JAVA_HOME": str(java),
            "ES_PATH_CONF": str(workdir / "config"),
            "ES_JAVA_OPTS": f"-Xms{self.heap_mb}m -Xmx{self.heap_mb}m",
            "ES_TMPDIR": str(workdir / "tmp"),
        }
        with (workdir / "console.log").open("ab") as log:
            self._process = subprocess.Popen(
                as_user([home / "bin" / "elasticsearch"], user),
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # stopped as a group: the launcher and the server JVM
            )
        self._wait_green()

    def _lay_out(self, home: Path, user: pwd.struct_passwd | None) -> Path:
        """A new folder of the node's own: its configuration, data, logs and temporary files."""
        workdir = private_dir("bigcommerce-sync-es-", user)
        config = workdir / "config"
        shutil.copytree(home / "config", config)
        (config / "elasticsearch.yml").write_text(self._settings_yaml(workdir), encoding="utf-8")
        (workdir / "tmp").mkdir()
        if user is not None:
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
        return workdir

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the node (SIGTERM, then SIGKILL after 30 s); remove its folder unless ``keep_data``."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        if self._workdir is not None and not keep_data:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _settings_yaml(self, workdir: Path) -> str:
        settings = {
            "cluster.name": "bigcommerce-sync-dev",
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(self.port),
            "transport.port": str(free_port()),
            "path.data": str(workdir / "data"),
            "path.logs": str(workdir / "logs"),
            "xpack.security.enabled": "false",
            # A small machine's disk is often over the 90% watermark; do not block writes for it here.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            **self.settings,
        }
        return "".join(f"{key}: {value}\n" for key, value in settings.items())

    def _wait_green(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise StackError(f"Elasticsearch exited with {self._process.returncode}:\n{self._log_tail()}")
            try:
                health = requests.get(f"{self.url}/_cluster/health", timeout=2).json()
                if health.get("status") == "green":
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise StackError(
            f"Elasticsearch did not turn green within {STARTUP_TIMEOUT:.0f} s:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 30) -> str:
        assert self._workdir is not None
        log = self._workdir / "console.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def distribution() -> Path:
    """The unpacked distribution, fetched and unpacked on first use (readable by the service user)."""
    home = UNPACKED_DIR / f"elasticsearch-{VERSION}"
    # Test sessions starting side by side must not unpack over each other.
    with open(f"{UNPACKED_DIR}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (UNPACKED_DIR / ".complete").exists():
            _unpack(fetch())
    return home


def _unpack(archive: Path) -> None:
    shutil.rmtree(UNPACKED_DIR, ignore_errors=True)
    UNPACKED_DIR.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            path = Path(zipped.extract(member, UNPACKED_DIR))
            mode = member.external_attr >> 16  # zipfile keeps no permissions: bin/ must stay executable
            if mode:
                path.chmod(mode & 0o777)
    UNPACKED_DIR.chmod(0o755)
    (UNPACKED_DIR / ".complete").touch()


def fetch() -> Path:
    """The distribution's zip in the cache, fetched with Maven the first time (about 130 MB)."""
    archive = CACHE_DIR / f"elasticsearch-{VERSION}.zip"
    if archive.exists():
        return archive
    mvn = shutil.which("mvn")
    if mvn is None:
        install_debian_packages(["maven"], f"fetching Elasticsearch {VERSION} from Maven Central")
        mvn = shutil.which("mvn") or "mvn"
    print(f"Fetching Elasticsearch {VERSION} ({ARTIFACT}) with Maven, once ...", flush=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT}", f"-DoutputDirectory={CACHE_DIR}"],
        capture_output=True,
        text=True,
        env={**os.environ, "JAVA_HOME": str(java_home())},
        check=False,
    )
    if done.returncode != 0 or not archive.exists():
        output = (done.stdout + done.stderr).strip()[-2000:]
        raise StackError(
            f"could not fetch {ARTIFACT} with Maven ({done.returncode}); "
            f"set ELASTICSEARCH_URL to a running Elasticsearch 9 instead.\n{output}"
        )
    return archive


def java_home() -> Path:
    """A JDK that Elasticsearch 9 supports (21 or newer): ``$ES_JAVA_HOME``, else the newest under
    ``/usr/lib/jvm``, else ``$JAVA_HOME``."""
    candidates = [os.environ.get("ES_JAVA_HOME"), *_jvm_dirs(), os.environ.get("JAVA_HOME")]
    for candidate in candidates:
        if candidate and _java_major(Path(candidate)) >= MIN_JAVA:
            return Path(candidate)
    raise StackError(
        f"Elasticsearch {VERSION} needs Java {MIN_JAVA} or newer, and none was found in $ES_JAVA_HOME, "
        "/usr/lib/jvm or $JAVA_HOME: install one (e.g. a Temurin JDK), or set ELASTICSEARCH_URL "
        "to a running Elasticsearch 9"
    )


def _jvm_dirs() -> list[str]:
    found = [
        p for p in Path("/usr/lib/jvm").glob("*") if (p / "bin" / "java").exists() and not p.is_symlink()
    ]
    return [str(p) for p in sorted(found, key=_java_major, reverse=True)]


def _java_major(home: Path) -> int:
    """The major version in a JDK's ``release`` file (0 when unknown)."""
    try:
        release = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    match = re.search(r'^JAVA_VERSION="(\d+)', release, re.MULTILINE)
    return int(match.group(1)) if match else 0
