"""A private PostgreSQL cluster, of this test's own, that may be stopped, restarted and killed.

The shared server at 127.0.0.1:5432 serves everyone's tests and is never touched: faults are
made on a cluster made here (initdb into a temporary directory owned by `postgres`, as initdb
refuses to run as root), listening on a free loopback port, its socket in that directory.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from server_support import free_port


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class PrivateCluster:
    bin: Path
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, dbname: str = "postgres") -> str:
        user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def _ctl(self, *arguments: str, timeout: float = 30) -> None:
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *arguments]),
                       check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        # listen on loopback only; fsync off: a test's durability is the OS page cache (a
        # SIGKILL of postgres keeps the cache; only a machine crash loses it).
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=on -c full_page_writes=off -c max_connections=100")
        self._ctl("-o", options, "-l", str(self.directory / "postgres.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: connections are ended, in-flight transactions rolled back; `immediate`: a crash."""
        self._ctl("-m", mode, "-w", "stop")

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend: what an OOM killer or a power cut leaves."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        subprocess.run(["pkill", "-KILL", "-P", str(pid)], check=False)  # its children, by parent id
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["pgrep", "-P", str(pid)],
                                                             capture_output=True).returncode == 0:
            time.sleep(0.05)

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        return subprocess.run([str(self.bin / "psql"), self.url(dbname), "-Atq", "-c", sql],
                              check=True, capture_output=True, text=True, timeout=30).stdout

    def is_running(self) -> bool:
        return subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]),
                              capture_output=True).returncode == 0

    def destroy(self) -> None:
        if self.is_running():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def make_cluster() -> PrivateCluster:
    """A new cluster, started, with a database `credentials`; the caller destroys it."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    directory = Path(tempfile.mkdtemp(prefix="credentials-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PrivateCluster(bin_dir, directory, free_port())
    try:
        subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(cluster.data), "--auth=trust",
                                     "--no-sync", "-U", "postgres" if os.geteuid() == 0 else os.environ["USER"]]),
                       check=True, capture_output=True, timeout=120)
        cluster.start()
        cluster.psql("CREATE DATABASE credentials")
    except BaseException:
        cluster.destroy()
        raise
    return cluster
