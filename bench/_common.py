"""What every benchmark shares: tables, JSON results, peak memory, timing, the moto server.

Peak memory is the process's peak resident set size (``VmHWM``), reset before the measured
section through ``/proc/self/clear_refs`` (Linux), so each section reports its own true
peak and not the high-water mark of whatever ran before it.

A command (``run_command``) is started by a small launcher process, which times it and
reads its peak RSS with ``os.wait4``: a child forked straight from a benchmark would
inherit the benchmark's RSS as its own high-water mark (Linux keeps the pre-``exec``
peak), so ``python -c pass`` forked from a 200 MB process would report 200 MB. From the
launcher, the floor is the launcher's own RSS (about 10 MB: a bare Python).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: One emulator certificate for the whole run: gRPC trusts the roots it reads at the
#: process's first TLS connection, so every benchmark's emulator must present this one.
CERT_DIR = Path(tempfile.mkdtemp(prefix="mcclink-bench-cert-"))
atexit.register(shutil.rmtree, CERT_DIR, ignore_errors=True)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[1]

_HWM = re.compile(r"^VmHWM:\s+(\d+) kB$", re.MULTILINE)
_MOTO_STARTUP_S = 30.0


def print_table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    """Print ``rows`` under ``headers`` as an aligned text table (numbers right-aligned)."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    print(f"\n{title}")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "-" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def write_json(name: str, data: object) -> Path:
    """Write ``data`` to ``bench/results/<name>.json`` (git-ignored); return the path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def peak_rss_mb() -> float:
    """This process's peak resident set size since start (or since ``reset_peak_rss``), MB."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        status = ""
    match = _HWM.search(status)
    if match:
        return int(match[1]) / 1024
    import resource  # not on Windows; /proc is missing on macOS, where ru_maxrss is bytes

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def reset_peak_rss() -> bool:
    """Reset the process's peak RSS to its current RSS; False where the OS cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


@dataclass
class Measurement:
    """Wall time and peak RSS of one measured section (filled in when it ends)."""

    wall_s: float = 0.0
    #: CPU seconds of this process (all its threads) during the section.
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    #: The RSS when the section began (the peak's floor).
    rss_before_mb: float = 0.0
    #: False where the peak could not be reset: ``peak_rss_mb`` is then the process's peak.
    peak_is_section_only: bool = True


@contextmanager
def measured() -> Iterator[Measurement]:
    """Time the ``with`` block (wall and CPU) and record the process's peak RSS during it."""
    result = Measurement(peak_is_section_only=reset_peak_rss())
    result.rss_before_mb = peak_rss_mb() if result.peak_is_section_only else 0.0
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        yield result
    finally:
        result.wall_s = time.perf_counter() - started
        result.cpu_s = time.process_time() - cpu_started
        result.peak_rss_mb = peak_rss_mb()


@dataclass
class CommandRun:
    """One finished subprocess: its exit code, output, wall time and its own peak RSS."""

    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    peak_rss_mb: float
    argv: list[str] = field(default_factory=list)
    #: CPU seconds (user + system) the command used, whatever else the machine ran.
    cpu_s: float = 0.0


def run_command(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> CommandRun:
    """Run ``argv`` to completion: its exit code, output, wall time and own peak RSS.

    The wall time is measured by the launcher around spawning and reaping the command, so
    it excludes the launcher's own start.

    Raises:
        OSError: the launcher cannot be started.
        RuntimeError: the launcher could not spawn the command or report on it.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        report = Path(tmp) / "report.json"
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(report), *argv]
        finished = subprocess.run(launcher, stdout=out, stderr=err, env=env, cwd=cwd, check=False)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (f.read().decode("utf-8", "replace") for f in (out, err))
        if not report.exists():
            raise RuntimeError(f"could not run {list(argv)[:3]} ({finished.returncode}): {stderr}")
        measured = json.loads(report.read_text(encoding="utf-8"))
    return CommandRun(
        returncode=measured["returncode"],
        stdout=stdout,
        stderr=stderr,
        wall_s=measured["wall_s"],
        peak_rss_mb=measured["maxrss_kb"] / 1024,
        argv=list(argv),
        cpu_s=measured["cpu_s"],
    )


#: Spawns argv[2:] (inheriting stdio, environment and directory), waits for it, and writes
#: its wall time, exit code, peak RSS and CPU time to the file argv[1].
_LAUNCHER = """
import json, os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(report, "w") as out:
    json.dump({"wall_s": wall, "returncode": os.waitstatus_to_exitcode(status),
               "maxrss_kb": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime}, out)
"""


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto DynamoDB server (``tests.fixtures.moto_server``) for the ``with`` block.

    Yields its URL; meanwhile ``os.environ`` carries fake AWS credentials, a region and
    ``AWS_ENDPOINT_URL_DYNAMODB``, so any boto3 client (and ``open_store("dynamodb://")``)
    talks to it. The environment is restored and the server stopped afterwards.

    Raises:
        RuntimeError: the server did not start (the message carries its output).
    """
    from tests.fixtures.moto_server import FAKE_AWS

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {**FAKE_AWS, "AWS_ENDPOINT_URL_DYNAMODB": url, "no_proxy": "localhost,127.0.0.1"}
    saved = {name: os.environ.get(name) for name in [*settings, "AWS_PROFILE"]}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.fixtures.moto_server", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        try:
            if not _came_up(url, server):
                log.seek(0)
                output = log.read().decode("utf-8", "replace")
                raise RuntimeError(f"moto server did not answer on {url}:\n{output}")
            os.environ.update(settings)
            os.environ.pop("AWS_PROFILE", None)
            yield url
        finally:
            _restore(saved)
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _restore(saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _came_up(url: str, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + _MOTO_STARTUP_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def store_arguments(
    prog: str, doc: str | None, clients: int, stores: Sequence[str], argv: list[str]
) -> argparse.Namespace:
    """The arguments of a bench over the stores: ``--clients N`` and ``--stores a,b`` (a
    list), with ``argv`` kept as given."""
    parser = argparse.ArgumentParser(prog=prog, description=doc)
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--stores", default=",".join(stores))
    args = parser.parse_args(argv)
    args.stores = args.stores.split(",")
    args.argv = argv
    return args
