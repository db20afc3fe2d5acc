"""What the benchmark runners share (Benchmarks/*/run.py): the release
build, the server process (Tests/support/wenzheng_process.py), the
machine-load bookkeeping that tells a reader whether anything else was
using the CPU while a figure was measured, the SQLite commit anchor
(`wenzheng-benchmarks sqlite-insert`) and perf's summary of a profile.
Standard library only."""

from __future__ import annotations

import json
import os
import re
import shutil
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS.parent
SCRATCH = REPO_ROOT / ".build-release"
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

import wenzheng_process  # noqa: E402
from wenzheng_process import HarnessError  # noqa: E402
from wenzheng_process import Api, create_user  # noqa: E402, F401 - for the runners


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# MARK: Build


def build_release(product: str, skip_build: bool = False) -> Path:
    """`swift build -c release --product PRODUCT` in its own scratch path
    (.build-release), so it never touches .build; waits for another build
    holding the lock, at most twice."""
    binary = SCRATCH / "release" / product
    if skip_build:
        if not binary.exists():
            sys.exit(f"error: {binary} is missing; run without --skip-build")
        return binary
    command = ["swift", "build", "-c", "release", "--product", product, "--scratch-path", str(SCRATCH)]
    log("building: " + " ".join(command))
    for attempt in range(1, 4):
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600)
        if result.returncode == 0:
            return binary
        output = result.stdout + result.stderr
        if "lock" in output.lower() and attempt < 3:
            log("the scratch path is locked by another build; retrying in 30 s")
            time.sleep(30)
            continue
        sys.exit(f"error: the release build of {product} failed:\n{output[-4000:]}")
    sys.exit(f"error: the release build of {product} failed")


def raise_fd_limit(wanted: int = 65536) -> None:
    """For the server and load generators: many sockets at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(wanted, soft), max(wanted, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# MARK: The server


def limits_and_affinity(cpus: set[int] | None = None):
    """A preexec_fn for a benchmark's child process: many open files and,
    with `cpus`, pinned to those cores (as `taskset -c` would; threads it
    starts inherit the affinity)."""

    def prepare() -> None:
        raise_fd_limit()
        if cpus:
            os.sched_setaffinity(0, cpus)

    return prepare


class Server(wenzheng_process.Server):
    """`wenzheng serve` for a benchmark: exits the runner with the server's
    output when it does not start; many open files allowed; with `cpus`,
    pinned to those cores from its start."""

    def __init__(self, binary: Path, database: Path, cpus: set[int] | None = None, **options) -> None:
        try:
            super().__init__(binary, database, preexec_fn=limits_and_affinity(cpus), **options)
        except HarnessError as error:
            sys.exit(f"error: {error}")

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))


# MARK: Machine load (the benchmark shares the machine; others must be quiet)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    total = sum(fields)
    idle = fields[3] + fields[4]
    return (total - idle) / ticks, total / ticks


def wait_for_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Waits (bounded) until the machine is mostly idle; returns busy cores seen last."""
    deadline = time.monotonic() + max_wait
    while True:
        busy0, total0 = machine_cpu()
        time.sleep(2)
        busy1, total1 = machine_cpu()
        cores = os.cpu_count() or 1
        busy_cores = (busy1 - busy0) / ((total1 - total0) / cores)
        if busy_cores < threshold * cores or time.monotonic() > deadline:
            if busy_cores >= threshold * cores:
                log(f"warning: the machine is still busy ({busy_cores:.2f} cores in use by others); measuring anyway")
            return busy_cores
        log(f"the machine is busy ({busy_cores:.2f} cores in use by other processes); waiting")
        time.sleep(10)


def read_proc_stat(path: str) -> tuple[str, list[str]] | None:
    """A /proc/.../stat file as (command name, the fields after it: state
    first, so utime is [11] and nice [16]); None when the process or
    thread has gone."""
    try:
        with open(path) as stat:
            text = stat.read()
    except OSError:
        return None
    return text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()


def process_cpu() -> dict[int, tuple[str, float]]:
    """pid -> (name, user + system CPU seconds, children waited for
    included, so a build's compilers count) of every process now."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or (stat := read_proc_stat(f"/proc/{entry}/stat")) is None:
            continue
        name, fields = stat
        table[int(entry)] = (name, sum(int(x) for x in fields[11:15]) / ticks)
    return table


def top_others(before: dict, after: dict, exclude: set[int], count: int = 4) -> list[str]:
    """The processes outside `exclude` that used the most CPU in between."""
    deltas = []
    for pid, (name, seconds) in after.items():
        if pid in exclude:
            continue
        spent = seconds - before.get(pid, (name, 0.0))[1]
        if spent >= 0.2:
            deltas.append((spent, f"{name}:{spent:.1f}s"))
    return [text for _, text in sorted(deltas, reverse=True)[:count]]


def self_cpu() -> float:
    """CPU of this runner plus its children reaped so far."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (the smallest value with at least q of the samples at or below it)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))  # ceil(q * n) without float error
    return ordered[min(len(ordered), rank) - 1]


class CpuWindow:
    """CPU bookkeeping of a timed window: the server's, the runner's with
    its children reaped meanwhile (a load generator), and everybody
    else's, with the busiest of the others by name."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.server_cpu = server.cpu_seconds()
        self.machine = machine_cpu()[0]
        self.runner = self_cpu()
        self.processes = process_cpu()

    def close(self, exclude: set[int]) -> dict:
        server_cpu = self.server.cpu_seconds() - self.server_cpu
        runner_cpu = self_cpu() - self.runner
        machine = machine_cpu()[0] - self.machine
        others = max(0.0, machine - server_cpu - runner_cpu)
        busiest = top_others(self.processes, process_cpu(), exclude | {self.server.pid, os.getpid()})
        return {"serverCpuSeconds": server_cpu, "clientCpuSeconds": runner_cpu, "otherCpuSeconds": others,
                "otherProcesses": busiest}


# MARK: The SQLite commit anchor


ANCHOR_PATTERNS = {
    "inserts": re.compile(r"inserts\s+(\d+) in ([\d.]+) s: (\d+) inserts/s"),
    "transaction": re.compile(r"transaction\s+p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms"),
    "commit": re.compile(r"COMMIT\s+p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms"),
}


def run_anchor(benchmarks: Path, seconds: float, directory: Path, label: str, quiet_wait: float) -> dict:
    """`wenzheng-benchmarks sqlite-insert` in `directory` (after waiting, at
    most `quiet_wait` seconds, for a quiet machine): single-row commits per
    second with synchronous=FULL, the baseline of the submission benchmarks."""
    wait_for_quiet(quiet_wait)
    log(f"anchor ({label}): wenzheng-benchmarks sqlite-insert --seconds {seconds:g}")
    busy_before = machine_cpu()[0]
    result = subprocess.run([str(benchmarks), "sqlite-insert", "--seconds", str(seconds), "--directory", str(directory)],
                            capture_output=True, text=True, timeout=seconds + 120)
    busy = machine_cpu()[0] - busy_before
    if result.returncode != 0:
        sys.exit(f"error: sqlite-insert failed:\n{result.stdout}{result.stderr}")
    text = result.stdout
    figures: dict = {"label": label, "output": text.strip(), "machineBusyCpuSeconds": busy}
    match = ANCHOR_PATTERNS["inserts"].search(text)
    if match:
        figures.update(transactions=int(match.group(1)), seconds=float(match.group(2)), perSecond=int(match.group(3)))
    for key in ("transaction", "commit"):
        match = ANCHOR_PATTERNS[key].search(text)
        if match:
            figures[key] = [float(match.group(i)) for i in (1, 2, 3)]
    if "perSecond" not in figures:
        sys.exit(f"error: could not read the sqlite-insert output:\n{text}")
    log(f"anchor ({label}): {figures['perSecond']} commits/s, transaction p50/p99/max "
        + " / ".join(f"{v:.3f}" for v in figures["transaction"]) + " ms")
    return figures


def print_anchor_table(anchors: list[dict]) -> None:
    """The anchors as a Markdown table."""
    print("| SQLite anchor (`sqlite-insert`) | commits/s | transaction p50 / p99 / max ms | COMMIT p50 / p99 / max ms |")
    print("| --- | ---: | ---: | ---: |")
    for a in anchors:
        print(f"| {a['label']} | {a['perSecond']:,} ({a['transactions']:,} in {a['seconds']:.2f} s) "
              f"| {' / '.join(f'{x:.3f}' for x in a['transaction'])} | {' / '.join(f'{x:.3f}' for x in a['commit'])} |")


# MARK: Profiles


def perf_record(pid: int, seconds: float, output: Path) -> subprocess.Popen:
    """`perf record -g` of one process for `seconds` (needs perf; as root)."""
    return subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o", str(output), "--", "sleep",
                             str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_report(data: Path) -> list[str] | None:
    """Top shared objects and symbols by self time (perf report), or None without perf data."""
    if not data.exists():
        return None
    lines = []
    for sort in ("dso", "sym"):
        result = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio",
                                 "--percent-limit", "2", "-g", "none"], capture_output=True, text=True, timeout=300)
        lines += [line.rstrip() for line in result.stdout.splitlines() if line.strip() and not line.startswith("#")][:12]
    return lines


# MARK: wrk, the compiled HTTP load client (survey and question benchmarks)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing; installing it: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], stdout=subprocess.DEVNULL, timeout=600)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("error: this benchmark needs wrk, the HTTP load generator: apt-get install wrk (Debian 12 has 4.1.0)")


class WrkScript:
    """A runner's Lua script for wrk: it reads its request bodies (and the
    file to write created ids to) from `<TAG>_BODIES` / `<TAG>_IDS`, and
    its done() prints one line `<TAG> {json}` with the status counts."""

    def __init__(self, script: Path, tag: str) -> None:
        self.script = script
        self.tag = tag
        self.variable = tag.replace("-", "_")

    def start(self, url: str, seconds: float, args, bodies: Path, ids: Path | None) -> subprocess.Popen:
        environment = dict(os.environ, **{f"{self.variable}_BODIES": str(bodies), f"{self.variable}_IDS": str(ids or "")})
        command = [args.wrk, f"-t{args.threads}", f"-c{args.clients}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                   "--latency", "-s", str(self.script), url]
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)

    def finish(self, process: subprocess.Popen, timeout: float) -> dict:
        """The script's summary line, with 201s counted per second."""
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            sys.exit(f"error: wrk did not finish in time:\n{out}\n{err}")
        prefix = self.tag + " "
        for line in out.splitlines():
            if line.startswith(prefix):
                result = json.loads(line[len(prefix):])
                result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
                result["created"] = result["statuses"].get(201, 0)
                result["seconds"] = result["durationMicroseconds"] / 1e6
                result["perSecond"] = result["created"] / result["seconds"] if result["seconds"] else 0.0
                return result
        sys.exit(f"error: wrk printed no {self.tag} line (exit {process.returncode}):\n{out}\n{err}")


def check_stored(stored: dict, created: int, slack: int) -> bool:
    """Every 201 is stored once; at most `slack` more rows (requests in flight when wrk stopped)."""
    return stored["consistent"] and created <= stored["rows"] <= created + slack


def measured(function, *arguments, args) -> dict:
    """Runs a scenario again (at most --retries times) when other processes
    used more than 5 % of the CPU meanwhile; keeps the least disturbed run."""
    attempts = []
    for attempt in range(1 + args.retries):
        result = function(*arguments, args)
        attempts.append(result)
        if result["otherCpuSeconds"] <= 0.05 * result["seconds"] * (os.cpu_count() or 1):
            break
        log(f"other processes disturbed the measurement ({result['otherCpuSeconds']:.1f} CPU s); "
            + ("running it again" if attempt < args.retries else "keeping the least disturbed run"))
    best = min(attempts, key=lambda r: r["otherCpuSeconds"])
    best["attempts"] = len(attempts)
    return best
