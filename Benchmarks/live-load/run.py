#!/usr/bin/env python3
"""Live-interview load benchmark: Wenzheng's live socket against
libwebsockets-test-server's mirror protocol, with the same load generator.

Builds the release server (scratch path .build-release), compiles lws_load.c
and alloc_count.c, and runs, each against fresh servers:

  saturation    1,000 viewers, the host posting as fast as the viewers
                take it; each server pinned to one core, the load
                generator to the other: deliveries/s and the ratio
                Wenzheng / libwebsockets (the headline figure)
  instrumented  the same with perf (or strace) counting the server's
                write syscalls and alloc_count.so counting its allocations:
                writes and allocations per delivery
  fixed         1,000 / 5,000 / 10,000 viewers, 5 entries/s: latency
  memory        RSS and live heap per idle viewer, live heap after they left
  storm         10,000 viewers following; the server restarts; all
                reconnect at once with since=: time until all resumed
  two-nodes     two Wenzheng nodes on one PostgreSQL database (--postgres),
                1,000 viewers on node B, entries posted on node A at
                --rate: post-to-delivery latency, beside the one-node
                (SQLite) figure measured in the same run

Usage: Benchmarks/live-load/run.py [--quick] [--skip-build] [--only a,b] ...
       (see --help; README.md describes every figure)

Standard library only; loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from benchmark_support import (  # noqa: E402
    Server,
    build_release,
    create_user,
    limits_and_affinity,
    log,
    machine_cpu,
    process_cpu,
    raise_fd_limit,
    self_cpu,
    top_others,
    wait_for_quiet,
)
import wenzheng_postgres  # noqa: E402 - Tests/support, on the path through benchmark_support

ADMIN = ("admin", "password-12345")
LWS = "lws"
WZ = "wenzheng"
NAMES = {LWS: "libwebsockets-test-server (mirror)", WZ: "Wenzheng"}
# Syscalls that can write to a socket (write also serves eventfd and pipe
# wake-ups); the positional ones write files (SQLite) and are counted apart.
WRITE_SYSCALLS = ("write", "writev", "sendmsg", "sendto", "sendmmsg")
FILE_WRITE_SYSCALLS = ("pwrite64", "pwritev")


# MARK: Build


def build_tools(args, workdir: Path) -> dict:
    binary = Path(args.bin) if args.bin else build_release("wenzheng", args.skip_build)
    load = workdir / "lws_load"
    compile_c(["cc", "-O2", "-Wall", "-I", str(REPO_ROOT / "Tests" / "support"), "-o", str(load),
               str(HERE / "lws_load.c"), "-lwebsockets", "-lev"], "lws_load (apt-get install libwebsockets-dev libev-dev?)")
    interposer = workdir / "alloc_count.so"
    compile_c(["cc", "-O2", "-Wall", "-shared", "-fPIC", "-o", str(interposer), str(HERE / "alloc_count.c")],
              "alloc_count.so")
    lws_server = Path(args.lws_server)
    if not lws_server.exists():
        sys.exit(f"error: {lws_server} is missing (apt-get install libwebsockets-test-server)")
    return {"wenzheng": binary, "load": load, "interposer": interposer, "lwsServer": lws_server}


def compile_c(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.exit(f"error: compiling {what} failed:\n{result.stderr}")


# MARK: Processes


def proc_cpu(pid: int) -> float:
    """user + system CPU seconds of a process (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def listen_overflows() -> int:
    """The kernel's TcpExt ListenOverflows (a connection that found a full
    accept queue; the client retransmits its SYN 1 s later), machine-wide."""
    try:
        with open("/proc/net/netstat") as netstat:
            lines = netstat.read().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            return int(table.get("ListenOverflows", 0))
    return 0


def read_heap(path: Path | None) -> dict | None:
    """alloc_count.so's counters (see alloc_count.c)."""
    if path is None:
        return None
    try:
        data = path.read_bytes()[:64]
    except OSError:
        return None
    if len(data) < 64:
        return None
    magic, _, calls, blocks_alloc, blocks_freed, bytes_alloc, bytes_freed, reallocs = struct.unpack("<8Q", data)
    if magic != 0x746E756F63636C61:
        return None
    return {"calls": calls, "liveBlocks": blocks_alloc - blocks_freed, "liveBytes": bytes_alloc - bytes_freed,
            "reallocs": reallocs}


def settled_heap(path: Path | None, seconds: float) -> dict | None:
    """The live heap once it stopped moving (at most `seconds`)."""
    deadline = time.monotonic() + seconds
    last = read_heap(path)
    while last is not None and time.monotonic() < deadline:
        time.sleep(0.5)
        now = read_heap(path)
        if now is not None and abs(now["liveBytes"] - last["liveBytes"]) <= 0.001 * max(1, last["liveBytes"]):
            return now
        last = now
    return last


# MARK: Servers under test


class Client:
    """One keep-alive HTTP connection with the staff session."""

    def __init__(self, port: int, cookie: str | None = None, csrf: str | None = None) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = cookie
        self.csrf = csrf

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # the server closed an idle keep-alive connection: reconnect once
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 1:
                    raise
        if response.status == 200 and method == "POST" and path == "/api/v1/session":
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("wz_session="):
                    self.cookie = value.split(";", 1)[0]
        return response.status, (json.loads(data) if data else {})

    def expect(self, method: str, path: str, body: dict | None, statuses: tuple) -> dict:
        status, payload = self.request(method, path, body)
        if status not in statuses:
            raise RuntimeError(f"{method} {path} -> {status}: {payload}")
        return payload

    def post_remark(self, interview_id: int, body: str) -> int:
        return int(self.expect("POST", f"/api/v1/interviews/{interview_id}/entries",
                               {"kind": "remark", "body": body}, (201,))["seq"])

    def close(self) -> None:
        self.connection.close()


class Target:
    """A server under test: Wenzheng (`wenzheng serve` on a throw-away
    database, an admin, a live interview) or libwebsockets-test-server.
    `cpus` pins it from its start; `alloc` preloads alloc_count.so."""

    def __init__(self, kind: str, tools: dict, args, cpus: set[int] | None, alloc: bool,
                 workdir: Path | None = None, port: int | None = None) -> None:
        self.kind, self.tools, self.args, self.cpus = kind, tools, args, cpus
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="wz-live-"))
        self.owns_workdir = workdir is None
        self.heap_file = self.workdir / "alloc-count.bin" if alloc else None
        self.interview_id = 0
        self.seq0 = 0
        self.client: Client | None = None
        self.output: list[str] = []
        env = {}
        if alloc:
            env = {"LD_PRELOAD": str(tools["interposer"]), "ALLOC_COUNT_FILE": str(self.heap_file)}
        started = time.monotonic()
        if kind == WZ:
            database = self.workdir / "db.sqlite"
            if not database.exists():
                create_user(tools["wenzheng"], database, *ADMIN)
            extra = ["--max-viewer-sockets-per-address", "1000000"]
            if port:
                extra += ["--port", str(port)]
            self.server = Server(tools["wenzheng"], database, cpus=cpus, extra=extra, env=env)
            self.process = self.server.process
            self.port = self.server.port
        else:
            self.port = port or free_port()
            command = [str(tools["lwsServer"]), "--port", str(self.port), "-d", "1"]
            if args.lws_loop == "ev":
                command.append("-e")
            environment = dict(os.environ)
            environment.update(env)
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, text=True, errors="replace", cwd=self.workdir,
                                            env=environment, preexec_fn=limits_and_affinity(cpus))
            threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()
            wait_listening(self.port, self.process)
        self.start_seconds = time.monotonic() - started

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu_seconds(self) -> float:
        return proc_cpu(self.pid)

    def rss_kib(self) -> int:
        return proc_rss_kib(self.pid)

    def heap(self) -> dict | None:
        return read_heap(self.heap_file)

    def setup(self, history: int = 0) -> None:
        """Wenzheng: sign in, create a live interview, post `history`
        remarks and one warm-up remark (its seq is every viewer's since)."""
        if self.kind != WZ:
            return
        self.client = Client(self.port)
        session = self.client.expect("POST", "/api/v1/session", {"username": ADMIN[0], "password": ADMIN[1]}, (200,))
        self.client.csrf = session["csrfToken"]
        interview = self.client.expect("POST", "/api/v1/interviews", {
            "title": "负载测试", "summary": "lws_load", "scheduledStart": "2026-12-03T02:00:00Z",
            "plannedMinutes": 90, "guests": [{"name": "张三", "title": "副厅长", "department": "司法厅"}],
        }, (201,))
        self.interview_id = int(interview["id"])
        for status in ("open", "live"):
            self.client.expect("POST", f"/api/v1/interviews/{self.interview_id}/status", {"status": status},
                               (200, 201))
        for index in range(history):
            self.client.post_remark(self.interview_id, f"history {index}: 第{index}条发言。")
        self.seq0 = self.client.post_remark(self.interview_id, "warm-up")

    def generator_args(self) -> list[str]:
        if self.kind == LWS:
            return ["--mirror", "--port", str(self.port)]
        return ["--port", str(self.port), "--interview", str(self.interview_id), "--since", str(self.seq0)]

    def poster_args(self) -> list[str]:
        if self.kind == LWS:
            return []
        return ["--cookie", self.client.cookie, "--csrf", self.client.csrf, "--posters", str(self.args.posters)]

    def stop(self, timeout: float = 15) -> float | None:
        """SIGTERM (the storm's restart) and wait; returns the seconds it took."""
        started = time.monotonic()
        if self.client:
            self.client.close()
        if self.kind == WZ:
            code = self.server.stop(timeout)
            return None if code is None else time.monotonic() - started
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None
        return time.monotonic() - started

    def close(self) -> None:
        try:
            if self.alive():
                if self.kind == WZ:
                    self.server.stop()
                else:
                    # SIGTERM: with -e (libev) the test server does not stop on SIGINT
                    self.process.send_signal(signal.SIGTERM)
                    try:
                        self.process.wait(10)
                    except subprocess.TimeoutExpired:
                        self.process.kill()
                        self.process.wait()
        finally:
            if self.owns_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)


# MARK: The load generator


class Generator:
    """One lws_load process; its stdout lines go through a queue."""

    def __init__(self, binary: Path, arguments: list[str], cpus: set[int] | None) -> None:
        self.process = subprocess.Popen([str(binary), *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, preexec_fn=limits_and_affinity(cpus))
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.errors.extend(self.process.stderr), daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, line: str) -> None:
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except OSError:
            pass

    def expect(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"lws_load printed no {prefix.strip()} within {timeout:.0f} s; stderr: "
                                   + "".join(self.errors[-10:]))
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"lws_load exited before {prefix.strip()}; stderr: " + "".join(self.errors[-10:]))
            if line.startswith(prefix):
                return line

    def expect_json(self, prefix: str, timeout: float) -> dict:
        return json.loads(self.expect(prefix + " ", timeout)[len(prefix) + 1:])

    def cpu_seconds(self) -> float:
        return proc_cpu(self.pid)

    def close(self) -> None:
        if self.process.poll() is None:
            self.send("QUIT")
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def processes_for(viewers: int, args, pinned: bool) -> int:
    if args.processes != "auto":
        return int(args.processes)
    return 2 if viewers >= 5000 and not pinned else 1


def start_generators(target: Target, viewers: int, count: int, args, cpus: set[int] | None,
                     post: list[str] | None = None, extra: list[str] | None = None) -> list[Generator]:
    """`count` lws_load processes, each with a share of the viewers; the
    first one posts (`post`: its posting options). Waits for READY."""
    generators = []
    shares = [viewers // count + (1 if index < viewers % count else 0) for index in range(count)]
    for index, share in enumerate(shares):
        arguments = target.generator_args() + ["--connections", str(share), "--inflight", str(args.inflight),
                                               "--connect-timeout", str(args.connect_timeout),
                                               "--drain-timeout", str(args.drain_timeout)] + (extra or [])
        if index == 0 and post:
            arguments += target.poster_args() + post
        generators.append(Generator(tools_load(args), arguments, cpus))
    started = time.monotonic()
    for generator in generators:
        line = generator.expect("READY", args.connect_timeout + 30)
        if "failed=0" not in line or "timeout" in line or "aborted" in line:
            raise RuntimeError(f"not every viewer connected: {line}; stderr: {''.join(generator.errors[-5:])}")
    log(f"{viewers} viewers ready in {time.monotonic() - started:.1f} s ({count} lws_load process"
        f"{'es' if count > 1 else ''})")
    return generators


def tools_load(args) -> Path:
    return args.tools["load"]


def close_generators(generators: list[Generator]) -> None:
    for generator in generators:
        generator.close()


# MARK: A posting round and its figures


class Window:
    """CPU of the server, of each generator and of everybody else over a
    measured window."""

    def __init__(self, target: Target, generators: list[Generator]) -> None:
        self.target, self.generators = target, generators
        self.start = time.monotonic()
        self.server = target.cpu_seconds()
        self.loads = [generator.cpu_seconds() for generator in generators]
        self.machine = machine_cpu()[0]
        self.runner = self_cpu()
        self.processes = process_cpu()

    def close(self) -> dict:
        seconds = time.monotonic() - self.start
        server = self.target.cpu_seconds() - self.server
        loads = [generator.cpu_seconds() - before for generator, before in zip(self.generators, self.loads)]
        runner = self_cpu() - self.runner
        others = max(0.0, machine_cpu()[0] - self.machine - server - sum(loads) - runner)
        busiest = top_others(self.processes, process_cpu(),
                             {self.target.pid, os.getpid(), *(generator.pid for generator in self.generators)})
        return {"windowSeconds": seconds, "serverCpuSeconds": server, "loadCpuSeconds": loads,
                "otherCpuSeconds": others, "otherProcesses": busiest}


def merge_results(results: list[dict]) -> dict:
    """One figure set from the RESULT of every lws_load process."""
    histogram: dict[int, int] = {}
    for result in results:
        for bucket, count in result.pop("histogram"):
            histogram[bucket] = histogram.get(bucket, 0) + count
    merged = {key: sum(r[key] for r in results) for key in (
        "connections", "ready", "failed", "expectedDeliveries", "delivered", "viewersComplete", "viewersIncomplete",
        "seqErrors", "entryBytes", "malformedFrames", "fragmentedFrames", "closed", "closedWithoutFrame",
        "overflowSamples", "untimedEntries")}
    codes: dict[str, int] = {}
    for result in results:
        for code, count in result["closeCodes"].items():
            codes[code] = codes.get(code, 0) + count
    merged["closeCodes"] = codes
    firsts = [r["tFirst"] for r in results if r["tFirst"] > 0]
    lasts = [r["tLast"] for r in results if r["tLast"] > 0]
    window = (max(lasts) - min(firsts)) if firsts and lasts else 0.0
    merged["deliveryWindowSeconds"] = window
    merged["deliveriesPerSecond"] = merged["delivered"] / window if window > 0 else 0.0
    merged["maxms"] = max(r["maxms"] for r in results)
    bucket_ms = results[0]["bucketMicroseconds"] / 1000
    total = sum(histogram.values())
    ordered = sorted(histogram.items())
    for name, q in (("p50ms", 0.50), ("p90ms", 0.90), ("p99ms", 0.99), ("p999ms", 0.999)):
        target = min(total - 1, int(q * total)) if total else 0
        seen, value = 0, 0.0
        for bucket, count in ordered:
            seen += count
            if seen > target:
                value = (bucket + 1) * bucket_ms
                break
        merged[name] = value
    merged["bytesPerDelivery"] = merged["entryBytes"] / merged["delivered"] if merged["delivered"] else 0.0
    merged["connectSeconds"] = max(r["connectSeconds"] for r in results)
    return merged


def post_round(target: Target, generators: list[Generator], args, seconds: float,
               instruments: "Instruments | None" = None) -> dict:
    """GO to the posting process, then ROUND to all; the merged figures
    with the CPU of everybody over the window (GO .. every viewer caught up)."""
    window = Window(target, generators)
    if instruments:
        instruments.start()
    generators[0].send("GO")
    posted = generators[0].expect_json("POSTED", seconds + 90)
    for generator in generators:
        generator.send(f"ROUND {posted['lastSeq']} {posted['posted']}")
    results = [generator.expect_json("RESULT", args.drain_timeout + 60) for generator in generators]
    measured = instruments.stop() if instruments else {}
    cpu = window.close()
    figures = merge_results(results)
    figures.update(cpu)
    figures.update(measured)
    figures["posting"] = posted
    figures["postRate"] = posted["posted"] / posted["seconds"] if posted["seconds"] else 0.0
    delivered = figures["delivered"]
    figures["serverUsPerDelivery"] = cpu["serverCpuSeconds"] / delivered * 1e6 if delivered else 0.0
    figures["serverCoreShare"] = cpu["serverCpuSeconds"] / cpu["windowSeconds"]
    figures["loadCoreShares"] = [load / cpu["windowSeconds"] for load in cpu["loadCpuSeconds"]]
    figures["loadUsPerDelivery"] = sum(cpu["loadCpuSeconds"]) / delivered * 1e6 if delivered else 0.0
    figures["serverAlive"] = target.alive()
    if posted["errors"]:
        log(f"posting errors: {posted['errors']} (first: {posted['firstError']})")
    return figures


# MARK: Syscall and allocation counting


class Instruments:
    """Counts the server's write syscalls (perf stat on the syscall
    tracepoints, or strace -c -f when perf cannot) and its allocations
    (alloc_count.so) over a window."""

    def __init__(self, target: Target, tool: str, workdir: Path) -> None:
        self.target, self.tool, self.workdir = target, tool, workdir
        self.process: subprocess.Popen | None = None
        self.output = workdir / f"syscalls-{target.kind}.txt"

    def threads(self) -> int:
        try:
            return len(os.listdir(f"/proc/{self.target.pid}/task"))
        except OSError:
            return 0

    def start(self) -> None:
        self.heap = self.target.heap()
        self.threads_at_start = self.threads()
        if self.tool == "perf":
            events = ([f"syscalls:sys_enter_{name}" for name in WRITE_SYSCALLS + FILE_WRITE_SYSCALLS]
                      + ["raw_syscalls:sys_enter"])
            command = ["perf", "stat", "-x", ",", "-o", str(self.output), "-e", ",".join(events),
                       "-p", str(self.target.pid)]
        else:
            command = ["strace", "-c", "-f", "-o", str(self.output), "-p", str(self.target.pid)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)  # attached before the first post

    def stop(self) -> dict:
        heap = self.target.heap()
        self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        counts = parse_perf(self.output) if self.tool == "perf" else parse_strace(self.output)
        figures = {"syscallTool": self.tool, "syscalls": counts}
        if self.tool == "perf" and self.threads() != self.threads_at_start:
            # perf stat -p counts the threads that existed when it attached
            log(f"warning: the server had {self.threads_at_start} threads when perf attached and "
                f"{self.threads()} at the end: the new ones' syscalls are not counted")
            figures["threadsChanged"] = True
        if not counts:
            log(f"{self.tool} counted nothing: {stderr.strip()[-300:]}")
        if heap and self.heap:
            figures["allocationCalls"] = heap["calls"] - self.heap["calls"]
        return figures


def parse_perf(path: Path) -> dict:
    counts = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return counts
    for line in lines:
        fields = line.split(",")
        if len(fields) >= 3 and fields[0].strip().isdigit():
            name = fields[2].split(":")[-1].replace("sys_enter_", "")
            counts["all" if name == "sys_enter" else name] = int(fields[0])
    return counts


def parse_strace(path: Path) -> dict:
    counts, total = {}, 0
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return counts
    for line in lines:
        fields = line.split()
        if len(fields) >= 5 and fields[0][0].isdigit() and not line.startswith("100.00"):
            name = fields[-1]
            calls = int(fields[3])
            total += calls
            if name in WRITE_SYSCALLS + FILE_WRITE_SYSCALLS:
                counts[name] = calls
    counts["all"] = total
    return counts


def syscall_tool(args) -> str:
    if args.syscall_tool != "auto":
        return args.syscall_tool
    if shutil.which("perf"):
        probe = subprocess.run(["perf", "stat", "-e", "syscalls:sys_enter_write", "true"], capture_output=True,
                               text=True, timeout=30)
        if probe.returncode == 0 and "not supported" not in probe.stderr and "<not" not in probe.stderr:
            return "perf"
    if shutil.which("strace"):
        return "strace"
    return "none"


# MARK: Scenarios


def quiet(args) -> float:
    return wait_for_quiet(args.quiet_wait)


def saturation(kind: str, args, viewers: int, seconds: float, instrumented: bool = False) -> dict:
    """Server pinned to --server-cpu, generator to --load-cpu; the host
    posts as fast as the viewers take it (--window)."""
    label = "instrumented" if instrumented else "saturation"
    log(f"{label}: {NAMES[kind]}, {viewers} viewers, {seconds:g} s")
    workdir = Path(tempfile.mkdtemp(prefix="wz-live-inst-"))
    target = Target(kind, args.tools, args, {args.server_cpu}, alloc=instrumented)
    generators: list[Generator] = []
    try:
        target.setup()
        row: dict = {"server": kind, "viewers": viewers, "seconds": seconds}
        if instrumented:
            row.update(entries_without_viewers(target, args))
        quiet(args)
        generators = start_generators(
            target, viewers, args.saturation_processes, args, {args.load_cpu},
            post=["--post-mode", "saturate", "--seconds", str(seconds), "--window", str(args.window)])
        time.sleep(1)
        instruments = None
        if instrumented:
            tool = syscall_tool(args)
            instruments = Instruments(target, tool, workdir) if tool != "none" else None
            row["heapIdle"] = target.heap()
        row.update(post_round(target, generators, args, seconds, instruments))
        log(summary_line(row))
        return row
    finally:
        close_generators(generators)
        target.close()
        shutil.rmtree(workdir, ignore_errors=True)


def entries_without_viewers(target: Target, args) -> dict:
    """Allocations per entry with no viewer at all (HTTP, validation,
    SQLite, encoding; for the mirror: receiving one message): what every
    entry costs before any fan-out."""
    count = args.baseline_entries
    generator = Generator(args.tools["load"], target.generator_args() + [
        "--connections", "0", "--post-mode", "rate", "--rate", "50", "--seconds", str(count / 50),
    ] + target.poster_args(), {args.load_cpu})
    try:
        generator.expect("READY", 30)
        before = target.heap()
        generator.send("GO")
        posted = generator.expect_json("POSTED", count / 50 + 60)
        time.sleep(0.5)
        after = target.heap()
    finally:
        generator.close()
    if target.kind == WZ and posted["lastSeq"] > target.seq0:
        target.seq0 = posted["lastSeq"]  # the viewers start after these entries: no replay
    if not before or not after or not posted["posted"]:
        return {}
    return {"entriesWithoutViewers": posted["posted"],
            "allocationsPerEntryWithoutViewers": (after["calls"] - before["calls"]) / posted["posted"]}


def fixed_rate(kind: str, args, viewers: int) -> dict:
    """--rate entries/s for --seconds; nothing pinned; the load generator
    split over two processes at 5,000 viewers and more (--processes)."""
    count = processes_for(viewers, args, pinned=False)
    log(f"fixed rate: {NAMES[kind]}, {viewers} viewers, {args.rate:g}/s for {args.seconds:g} s")
    target = Target(kind, args.tools, args, None, alloc=False)
    generators: list[Generator] = []
    try:
        target.setup()
        quiet(args)
        generators = start_generators(target, viewers, count, args, None,
                                      post=["--post-mode", "rate", "--rate", str(args.rate),
                                            "--seconds", str(args.seconds), "--posters", "2"])
        time.sleep(args.settle)
        row = {"server": kind, "viewers": viewers, "processes": count}
        row.update(post_round(target, generators, args, args.seconds))
        log(summary_line(row))
        return row
    finally:
        close_generators(generators)
        target.close()


class TwoNodes:
    """Two `wenzheng serve --database postgres://…` nodes on a fresh
    database of the --postgres server: the viewers watch node B, lws_load
    posts to node A (--post-port). Stands in for a Target in post_round:
    its CPU is both nodes' (PostgreSQL's own counts as other CPU)."""

    kind = WZ

    def __init__(self, tools: dict, args) -> None:
        self.server_url = args.postgres
        self.workdir = Path(tempfile.mkdtemp(prefix="wz-live-nodes-"))
        self.nodes: list[wenzheng_postgres.Node] = []
        self.client: Client | None = None
        self.interview_id = 0
        self.seq0 = 0
        try:
            self.name, url = wenzheng_postgres.create_database(self.server_url, prefix="wz_bench")
            extra = ["--max-viewer-sockets-per-address", "1000000"]
            self.nodes.append(wenzheng_postgres.Node(tools["wenzheng"], url, self.workdir / "a", name="node A",
                                                     extra=extra))
            wenzheng_postgres.create_user_in(tools["wenzheng"], url, self.workdir, *ADMIN)
            self.nodes.append(wenzheng_postgres.Node(tools["wenzheng"], url, self.workdir / "b", name="node B",
                                                     extra=extra))
        except wenzheng_postgres.HarnessError as error:
            self.close()
            sys.exit(f"error: {error}")
        self.a, self.b = self.nodes
        self.port = self.b.port

    @property
    def pid(self) -> int:
        return self.b.pid

    def alive(self) -> bool:
        return all(node.alive() for node in self.nodes)

    def cpu_seconds(self) -> float:
        return sum(proc_cpu(node.pid) for node in self.nodes)

    def setup(self) -> None:
        """The interview is made on node A, like Target.setup."""
        self.client = Client(self.a.port)
        session = self.client.expect("POST", "/api/v1/session", {"username": ADMIN[0], "password": ADMIN[1]}, (200,))
        self.client.csrf = session["csrfToken"]
        interview = self.client.expect("POST", "/api/v1/interviews", {
            "title": "两个节点负载测试", "summary": "lws_load", "scheduledStart": "2026-12-03T02:00:00Z",
            "plannedMinutes": 90, "guests": [{"name": "张三", "title": "副厅长", "department": "司法厅"}],
        }, (201,))
        self.interview_id = int(interview["id"])
        for status in ("open", "live"):
            self.client.expect("POST", f"/api/v1/interviews/{self.interview_id}/status", {"status": status},
                               (200, 201))
        self.seq0 = self.client.post_remark(self.interview_id, "warm-up")

    def generator_args(self) -> list[str]:
        return ["--port", str(self.b.port), "--interview", str(self.interview_id), "--since", str(self.seq0)]

    def poster_args(self) -> list[str]:
        return ["--cookie", self.client.cookie, "--csrf", self.client.csrf, "--post-port", str(self.a.port)]

    def close(self) -> None:
        if self.client:
            self.client.close()
        for node in self.nodes:
            if node.alive():
                node.stop()
        if getattr(self, "name", None):
            wenzheng_postgres.drop_database(self.server_url, self.name)
        shutil.rmtree(self.workdir, ignore_errors=True)


def two_nodes(args, viewers: int) -> dict:
    """--rate entries/s for --seconds: one node on SQLite, then two nodes
    on PostgreSQL (viewers on B, posts to A); nothing pinned."""
    one = fixed_rate(WZ, args, viewers)
    log(f"two nodes: {viewers} viewers on node B, {args.rate:g}/s posted on node A for {args.seconds:g} s")
    target = TwoNodes(args.tools, args)
    generators: list[Generator] = []
    try:
        target.setup()
        quiet(args)
        generators = start_generators(target, viewers, 1, args, None,
                                      post=["--post-mode", "rate", "--rate", str(args.rate),
                                            "--seconds", str(args.seconds), "--posters", "2"])
        time.sleep(args.settle)
        two = {"server": WZ, "viewers": viewers, "processes": 1, "nodes": 2}
        two.update(post_round(target, generators, args, args.seconds))
        log("two nodes: " + summary_line(two))
    finally:
        close_generators(generators)
        target.close()
    return {"viewers": viewers, "oneNode": one, "twoNodes": two}


def memory(kind: str, args, viewers: int) -> dict:
    """RSS and live heap (alloc_count.so) before, with `viewers` idle
    viewers, and after they all closed with 1000."""
    count = processes_for(viewers, args, pinned=False)
    log(f"memory: {NAMES[kind]}, {viewers} idle viewers")
    target = Target(kind, args.tools, args, None, alloc=True)
    generators: list[Generator] = []
    try:
        target.setup()
        # A crowd of 200 comes and goes before the baseline, for both
        # servers: it opens what a server opens once, whatever the crowd
        # (Wenzheng: its database reader connections, at most 5, each with
        # its parsed schema; cold, the rounds below left about 7,800 blocks
        # and 1.4 MiB, the same at 1,000 and 3,000 viewers and in every
        # round). `--no-warm-up` measures from a cold server.
        if args.memory_warm_up:
            generators = start_generators(target, 200, 1, args, None)
            for generator in generators:
                generator.send("CLOSE")
                generator.expect("CLOSED", 30)
            close_generators(generators)
            generators = []
        time.sleep(1)
        before = settled_heap(target.heap_file, 5)
        rss_before = target.rss_kib()
        # Several rounds of the same crowd: a structure that keeps its
        # high-water size (a dictionary's capacity, a pool) shows once; a
        # leak grows every round.
        afters: list[dict | None] = []
        for cycle in range(max(1, args.memory_cycles)):
            generators = start_generators(target, viewers, count, args, None)
            time.sleep(args.settle)
            if cycle == 0:
                idle = settled_heap(target.heap_file, 5)
                rss_idle = target.rss_kib()
            for generator in generators:
                generator.send("CLOSE")
            for generator in generators:
                line = generator.expect("CLOSED", 30)
                if "0 still open" not in line:
                    log(f"not every viewer closed: {line}")
            close_generators(generators)
            generators = []
            time.sleep(args.settle)
            afters.append(settled_heap(target.heap_file, 10))
            if before and afters[-1]:
                log(f"memory {kind} {viewers}: after round {cycle + 1} the live heap is "
                    f"{(afters[-1]['liveBytes'] - before['liveBytes']) / max(1, before['liveBytes']) * 100:+.1f} % "
                    f"({afters[-1]['liveBlocks'] - before['liveBlocks']:+d} blocks)")
        after = afters[-1]
        row = {"server": kind, "viewers": viewers, "processes": count, "rssBeforeKiB": rss_before,
               "rssIdleKiB": rss_idle, "rssAfterKiB": target.rss_kib(),
               "kibPerIdleViewer": (rss_idle - rss_before) / viewers,
               "heapBefore": before, "heapIdle": idle, "heapAfter": after, "serverAlive": target.alive()}
        if before and idle and after:
            row["heapKibPerIdleViewer"] = (idle["liveBytes"] - before["liveBytes"]) / 1024 / viewers
            row["blocksPerIdleViewer"] = (idle["liveBlocks"] - before["liveBlocks"]) / viewers
            row["heapAfterChange"] = (after["liveBytes"] - before["liveBytes"]) / max(1, before["liveBytes"])
            row["bytesLeftPerViewer"] = (after["liveBytes"] - before["liveBytes"]) / viewers
            row["blocksLeft"] = after["liveBlocks"] - before["liveBlocks"]
            first = afters[0]
            if first and len(afters) > 1:
                # What the rounds after the first left: a leak, if anything.
                row["heapGrowthAfterFirstRound"] = (after["liveBytes"] - first["liveBytes"]) / max(1, before["liveBytes"])
                row["blocksGrowthAfterFirstRound"] = after["liveBlocks"] - first["liveBlocks"]
        log(f"memory {kind} {viewers}: {row['kibPerIdleViewer']:.1f} KiB RSS per idle viewer"
            + (f", {row['heapKibPerIdleViewer']:.1f} KiB heap, after leaving {row['heapAfterChange'] * 100:+.1f} %"
               if "heapKibPerIdleViewer" in row else ""))
        return row
    finally:
        close_generators(generators)
        target.close()


def storm(kind: str, args, viewers: int) -> dict:
    """`viewers` follow an interview with --storm-history entries; the
    server restarts (SIGTERM, same port and database); entries are posted
    while they are away; all reconnect at once with since=their last seq
    (RESUME) while the host keeps posting. Time until all resumed."""
    count = processes_for(viewers, args, pinned=False)
    log(f"storm: {NAMES[kind]}, {viewers} viewers")
    workdir = Path(tempfile.mkdtemp(prefix="wz-storm-"))
    target = Target(kind, args.tools, args, None, alloc=False, workdir=workdir)
    generators: list[Generator] = []
    poster_stop = threading.Event()
    try:
        target.setup(history=args.storm_history if kind == WZ else 0)
        post = ["--post-mode", "rate", "--rate", "5", "--seconds", "1"] if kind == LWS else None
        generators = start_generators(target, viewers, count, args, None, post=post,
                                      extra=["--storm"])
        time.sleep(1)
        # a few live entries everybody gets before the restart
        if kind == WZ:
            last = 0
            for index in range(5):
                last = target.client.post_remark(target.interview_id, f"t={time.monotonic_ns()}")
                time.sleep(0.2)
            posted = 5
        else:
            generators[0].send("GO")
            report = generators[0].expect_json("POSTED", 30)
            last, posted = report["lastSeq"], report["posted"]
        for generator in generators:
            generator.send(f"ROUND {last} {posted}")
        before = merge_results([generator.expect_json("RESULT", args.drain_timeout + 30) for generator in generators])
        port, interview_id = target.port, target.interview_id
        stop_seconds = target.stop(timeout=30)
        for generator in generators:
            generator.expect("DOWN", 60)
        log(f"server stopped in {stop_seconds or -1:.2f} s; every viewer saw it close")
        restarted = time.monotonic()
        target = Target(kind, args.tools, args, None, alloc=False, workdir=workdir, port=port)
        restart_seconds = time.monotonic() - restarted
        missed = 0
        live_seqs: list[int] = []
        if kind == WZ:
            client = Client(port)
            session = client.expect("POST", "/api/v1/session", {"username": ADMIN[0], "password": ADMIN[1]}, (200,))
            client.csrf = session["csrfToken"]
            target.client = client
            target.interview_id = interview_id
            for index in range(args.storm_missed):
                last = client.post_remark(target.interview_id, f"t={time.monotonic_ns()}")
                missed += 1

            def keep_posting() -> None:
                live = Client(port, client.cookie, client.csrf)
                try:
                    while not poster_stop.is_set():
                        live_seqs.append(live.post_remark(target.interview_id, f"t={time.monotonic_ns()}"))
                        poster_stop.wait(0.2)
                finally:
                    live.close()

            poster = threading.Thread(target=keep_posting, daemon=True)
            poster.start()
        quiet_since = time.monotonic()
        window = Window(target, generators)
        overflows = listen_overflows()
        for generator in generators:
            generator.send(f"RESUME {last}")
        resumed = [generator.expect_json("RESUMED", args.connect_timeout + 30) for generator in generators]
        resume_wall = time.monotonic() - quiet_since
        resume_cpu = window.close()
        overflows = listen_overflows() - overflows
        if kind == WZ:
            time.sleep(1)
            poster_stop.set()
            poster.join(30)
            final_last = max([last] + live_seqs)
            final_posted = missed + len(live_seqs)
        else:
            final_posted = 0
            final_last = last
        for generator in generators:
            generator.send(f"ROUND {final_last} {final_posted}")
        after = merge_results([generator.expect_json("RESULT", args.drain_timeout + 30) for generator in generators])
        row = {"server": kind, "viewers": viewers, "processes": count, "history": args.storm_history if kind == WZ else 0,
               "missed": missed, "liveDuringResume": len(live_seqs), "stopSeconds": stop_seconds,
               "restartSeconds": restart_seconds,
               "resumeSeconds": max(r["seconds"] for r in resumed),
               "resumeP50s": max(r["p50s"] for r in resumed), "resumeP99s": max(r["p99s"] for r in resumed),
               "resumed": sum(r["resumed"] for r in resumed), "resumeFailed": sum(r["failed"] for r in resumed),
               "resumeTimedOut": any(r["timedOut"] for r in resumed),
               "connectRetries": sum(r["connectRetries"] for r in resumed), "resumeWallSeconds": resume_wall,
               "seqErrors": before["seqErrors"] + after["seqErrors"],
               "malformedFrames": before["malformedFrames"] + after["malformedFrames"],
               "complete": after["viewersComplete"], "closeCodes": after["closeCodes"],
               "closedWithoutFrame": after["closedWithoutFrame"], "deliveredAfter": after["delivered"],
               "expectedAfter": after["expectedDeliveries"],
               "resumeServerCpuSeconds": resume_cpu["serverCpuSeconds"],
               "resumeLoadCpuSeconds": resume_cpu["loadCpuSeconds"],
               "resumeOtherCpuSeconds": resume_cpu["otherCpuSeconds"], "listenOverflows": overflows}
        log(f"storm {kind}: all {row['resumed']} resumed in {row['resumeSeconds']:.2f} s "
            f"(p50 {row['resumeP50s']:.2f} s), {row['seqErrors']} seq errors, {row['complete']} complete")
        return row
    finally:
        poster_stop.set()
        close_generators(generators)
        target.close()
        shutil.rmtree(workdir, ignore_errors=True)


def summary_line(row: dict) -> str:
    return (f"{row['server']} {row['viewers']} viewers: {row['delivered']} / {row['expectedDeliveries']} delivered, "
            f"{row['deliveriesPerSecond']:.0f}/s, p50 {row['p50ms']:.1f} ms, p99 {row['p99ms']:.1f} ms, "
            f"server {row['serverCoreShare'] * 100:.0f} % of a core ({row['serverUsPerDelivery']:.2f} µs/delivery), "
            f"lws_load {'+'.join(f'{share * 100:.0f}' for share in row['loadCoreShares'])} %, "
            f"other CPU {row['otherCpuSeconds']:.1f} s")


def retried(function, args, *arguments) -> dict:
    """Runs a scenario again (at most --retries times) when other
    processes used more than 5 % of the machine meanwhile."""
    attempts = []
    for attempt in range(1 + args.retries):
        row = function(*arguments)
        attempts.append(row)
        allowed = 0.05 * row["windowSeconds"] * (os.cpu_count() or 1)
        if row["otherCpuSeconds"] <= allowed:
            break
        log(f"other processes disturbed the measurement ({row['otherCpuSeconds']:.1f} CPU s: "
            f"{', '.join(row['otherProcesses']) or 'kernel'}); "
            + ("running it again" if attempt < args.retries else "keeping the least disturbed run"))
    best = min(attempts, key=lambda r: r["otherCpuSeconds"])
    best["attempts"] = len(attempts)
    return best


# MARK: Report


def codes_text(row: dict) -> str:
    codes = ", ".join(f"{code}×{count}" for code, count in row["closeCodes"].items())
    total = row["closed"] + row["failed"]
    return f"{total}" + (f" ({codes})" if codes else "")


def faults(row: dict) -> str:
    return f"{row['seqErrors']} / {row['malformedFrames']}"


def pct(values: list[float]) -> str:
    return " + ".join(f"{value * 100:.0f} %" for value in values)


def print_saturation(rows: list[dict], args) -> None:
    print(f"\n### Saturation: {rows[0]['viewers']} viewers, server pinned to core {args.server_cpu}, "
          f"lws_load to core {args.load_cpu}, window {args.window} entries\n")
    print("| server | entries/s | deliveries/s | ratio to lws | p50 ms | p99 ms | max ms | server CPU (its core) "
          "| server µs/delivery | lws_load CPU (its core) | lws_load µs/delivery | bytes/delivery | complete "
          "| disconnects | gaps+dups / malformed | other CPU s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for row in rows:
        print(f"| {NAMES[row['server']]} | {row['postRate']:.0f} | {row['deliveriesPerSecond']:,.0f} "
              f"| {row.get('ratio', 1.0):.2f} | {row['p50ms']:.1f} | {row['p99ms']:.1f} | {row['maxms']:.1f} "
              f"| {row['serverCoreShare'] * 100:.0f} % | {row['serverUsPerDelivery']:.2f} "
              f"| {pct(row['loadCoreShares'])} | {row['loadUsPerDelivery']:.2f} | {row['bytesPerDelivery']:.0f} "
              f"| {row['viewersComplete']} / {row['viewers']} | {codes_text(row)} | {faults(row)} "
              f"| {row['otherCpuSeconds']:.1f} |")


def print_instrumented(rows: list[dict]) -> None:
    print(f"\n### Writes and allocations at saturation ({rows[0]['viewers']} viewers, a separate window "
          f"with the counters attached; its throughput is not the headline)\n")
    print("| server | delivered / expected | deliveries/s (instrumented) | write syscalls / delivery (calls) "
          "| file writes (pwrite) | all syscalls / delivery | allocations / delivery | allocations / entry, no viewers "
          "| per-viewer allocations / delivery | tool |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        delivered = row["delivered"] or 1
        counts = row.get("syscalls", {})
        writes = sum(counts.get(name, 0) for name in WRITE_SYSCALLS)
        detail = ", ".join(f"{name} {counts[name]:,}" for name in WRITE_SYSCALLS if counts.get(name)) or "none"
        files = sum(counts.get(name, 0) for name in FILE_WRITE_SYSCALLS)
        allocations = row.get("allocationCalls")
        per_delivery = f"{allocations / delivered:.2f}" if allocations is not None else "–"
        baseline = row.get("allocationsPerEntryWithoutViewers")
        per_viewer = "–"
        if allocations is not None and baseline is not None and row["posting"]["posted"]:
            per_entry = allocations / row["posting"]["posted"]
            per_viewer = f"{(per_entry - baseline) / row['viewers']:.3f}"
        print(f"| {NAMES[row['server']]} | {row['delivered']:,} / {row['expectedDeliveries']:,} "
              f"| {row['deliveriesPerSecond']:,.0f} "
              f"| {writes / delivered:.3f} ({detail}) | {files:,} | {counts.get('all', 0) / delivered:.3f} "
              f"| {per_delivery} "
              f"| {baseline if baseline is None else f'{baseline:.0f}'} | {per_viewer} | {row.get('syscallTool', '–')} |")


def print_fixed(rows: list[dict], args) -> None:
    print(f"\n### Fixed rate: {args.rate:g} entries/s for {args.seconds:g} s (nothing pinned)\n")
    print("| viewers | server | delivered / expected | p50 ms | p99 ms | max ms | server CPU µs/delivery "
          "| server CPU s | lws_load processes, CPU | complete | disconnects | gaps+dups / malformed "
          "| REST p50 / p99 ms | other CPU s |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |")
    for row in rows:
        rest = (f"{row['posting']['restP50ms']:.1f} / {row['posting']['restP99ms']:.1f}"
                if row["server"] == WZ else "–")
        print(f"| {row['viewers']:,} | {NAMES[row['server']]} | {row['delivered']:,} / {row['expectedDeliveries']:,} "
              f"| {row['p50ms']:.1f} | {row['p99ms']:.1f} | {row['maxms']:.1f} | {row['serverUsPerDelivery']:.2f} "
              f"| {row['serverCpuSeconds']:.1f} | {row['processes']}: {pct(row['loadCoreShares'])} "
              f"| {row['viewersComplete']} / {row['viewers']} | {codes_text(row)} | {faults(row)} | {rest} "
              f"| {row['otherCpuSeconds']:.1f} |")


def print_two_nodes(rows: list[dict], args) -> None:
    print(f"\n### Two nodes on PostgreSQL: {args.rate:g} entries/s for {args.seconds:g} s, posted on node A, "
          "viewers on node B (nothing pinned)\n")
    print("| viewers | setup | delivered / expected | p50 ms | p99 ms | max ms | server CPU s | complete "
          "| gaps+dups / malformed | REST p50 / p99 ms | other CPU s |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for pair in rows:
        for label, row in (("one node, SQLite", pair["oneNode"]), ("two nodes, PostgreSQL (A posts, B serves)",
                                                                  pair["twoNodes"])):
            rest = f"{row['posting']['restP50ms']:.1f} / {row['posting']['restP99ms']:.1f}"
            print(f"| {row['viewers']:,} | {label} | {row['delivered']:,} / {row['expectedDeliveries']:,} "
                  f"| {row['p50ms']:.1f} | {row['p99ms']:.1f} | {row['maxms']:.1f} | {row['serverCpuSeconds']:.1f} "
                  f"| {row['viewersComplete']} / {row['viewers']} | {faults(row)} | {rest} "
                  f"| {row['otherCpuSeconds']:.1f} |")


def print_memory(rows: list[dict]) -> None:
    print("\n### Memory: idle viewers (RSS from /proc, live heap from alloc_count.so)\n")
    print("| viewers | server | RSS before → idle KiB | RSS KiB / idle viewer | live heap before → idle KiB "
          "| heap KiB / idle viewer | live blocks / idle viewer | heap after they left KiB | after vs before "
          "| blocks left |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        if "heapKibPerIdleViewer" in row:
            heap = (f"{row['heapBefore']['liveBytes'] / 1024:,.0f} → {row['heapIdle']['liveBytes'] / 1024:,.0f} "
                    f"| {row['heapKibPerIdleViewer']:.2f} | {row['blocksPerIdleViewer']:.1f} "
                    f"| {row['heapAfter']['liveBytes'] / 1024:,.0f} | {row['heapAfterChange'] * 100:+.2f} % "
                    f"| {row['blocksLeft']:+,}")
        else:
            heap = "– | – | – | – | – | –"
        print(f"| {row['viewers']:,} | {NAMES[row['server']]} | {row['rssBeforeKiB']:,} → {row['rssIdleKiB']:,} "
              f"| {row['kibPerIdleViewer']:.1f} | {heap} |")


def print_storm(rows: list[dict]) -> None:
    print("\n### Reconnect storm: the server restarts, every viewer reconnects at once with since=\n")
    print("| server | viewers | history | entries missed | posted during the resume | all resumed after s "
          "| p50 / p99 s | CPU s until all resumed: server, lws_load | accept queue overflows | failed "
          "| connect retries | gaps+dups / malformed | complete afterwards | stop s | restart s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {NAMES[row['server']]} | {row['viewers']:,} | {row['history']} | {row['missed']} "
              f"| {row['liveDuringResume']} "
              f"| {row['resumeSeconds']:.2f}{' (timed out)' if row['resumeTimedOut'] else ''} "
              f"| {row['resumeP50s']:.2f} / {row['resumeP99s']:.2f} "
              f"| {row['resumeServerCpuSeconds']:.1f}, {' + '.join(f'{x:.1f}' for x in row['resumeLoadCpuSeconds'])} "
              f"| {row['listenOverflows']:,} | {row['resumeFailed']} | {row['connectRetries']} "
              f"| {row['seqErrors']} / {row['malformedFrames']} | {row['complete']} / {row['viewers']} "
              f"| {row['stopSeconds'] or -1:.2f} | {row['restartSeconds']:.2f} |")


def print_verdicts(report: dict, args) -> None:
    lines = []
    ratios = sorted(pair[WZ]["ratio"] for pair in report["saturation"] if WZ in pair and "ratio" in pair[WZ])
    if len(ratios) > 1:
        lines.append(f"saturation ratio per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
                     f"median {ratios[len(ratios) // 2] if len(ratios) % 2 else sum(ratios[len(ratios) // 2 - 1:len(ratios) // 2 + 1]) / 2:.2f}")
    for pair in report["saturation"]:
        wz = pair.get(WZ)
        if wz:
            lines.append(f"saturation at {wz['viewers']} viewers: ratio {wz['ratio']:.2f} "
                         + ("(target ≥ 1.0: met)" if wz["ratio"] >= 1.0 else "(target ≥ 1.0: NOT met)"))
            for row in pair.values():
                shares = row["loadCoreShares"]
                if max(shares) > 0.85 or sum(shares) > 0.85:
                    lines.append(f"  warning: lws_load used {pct(shares)} of its core against {NAMES[row['server']]}: "
                                 "the generator may have been the limit")
    for row in report["fixed"]:
        if row["server"] == WZ:
            ok = row["delivered"] == row["expectedDeliveries"] and row["p99ms"] < 100
            lines.append(f"{row['viewers']} viewers at {args.rate:g}/s: "
                         + ("all delivered" if row["delivered"] == row["expectedDeliveries"] else "NOT all delivered")
                         + f", p99 {row['p99ms']:.1f} ms " + ("(met)" if ok else "(NOT met)"))
    for row in report["memory"]:
        if row["server"] == WZ:
            text = (f"{row['viewers']} idle viewers: {row['kibPerIdleViewer']:.1f} KiB RSS each "
                    + ("(≤ 12: met)" if row["kibPerIdleViewer"] <= 12 else "(≤ 12: NOT met)"))
            if "heapAfterChange" in row:
                text += (f"; live heap after they left {row['heapAfterChange'] * 100:+.2f} % "
                         + ("(within 5 %: met)" if abs(row["heapAfterChange"]) <= 0.05 else "(within 5 %: NOT met)"))
            lines.append(text)
    for row in report["storm"]:
        if row["server"] == WZ:
            ok = (row["resumed"] == row["viewers"] and row["resumeSeconds"] <= 10 and row["seqErrors"] == 0
                  and row["complete"] == row["viewers"])
            lines.append(f"storm of {row['viewers']}: all resumed in {row['resumeSeconds']:.2f} s, "
                         f"{row['seqErrors']} gaps/dups " + ("(met)" if ok else "(NOT met)"))
    for row in report["instrumented"]:
        if row["server"] == WZ and row.get("allocationCalls") is not None and \
                row.get("allocationsPerEntryWithoutViewers") is not None and row["posting"]["posted"]:
            per_viewer = (row["allocationCalls"] / row["posting"]["posted"]
                          - row["allocationsPerEntryWithoutViewers"]) / row["viewers"]
            lines.append(f"allocations per viewer per delivery: {per_viewer:.3f} "
                         + ("(≈ 0: met)" if per_viewer < 0.05 else "(≈ 0: NOT met)"))
    for pair in report["two-nodes"]:
        one, two = pair["oneNode"], pair["twoNodes"]
        complete = two["delivered"] == two["expectedDeliveries"] and not two["seqErrors"]
        lines.append(f"two nodes, {two['viewers']} viewers on B, posted on A at {args.rate:g}/s: "
                     + ("all delivered, no gaps or duplicates" if complete else "NOT all delivered in order")
                     + f"; p99 {two['p99ms']:.1f} ms against {one['p99ms']:.1f} ms on one node")
    problems = []
    for name in ("fixed", "instrumented"):
        for row in report[name]:
            if row["seqErrors"] or row["malformedFrames"] or row["closed"] or row["failed"]:
                problems.append(f"{name} {row['server']} {row['viewers']}")
    for pair in report["saturation"]:
        for row in pair.values():
            if row["seqErrors"] or row["malformedFrames"] or row["closed"] or row["failed"]:
                problems.append(f"saturation {row['server']} {row['viewers']}")
    lines.append("no gaps, duplicates or unexpected disconnects" if not problems
                 else "gaps, duplicates or disconnects in: " + ", ".join(problems))
    print("\n### Against the targets\n")
    for line in lines:
        print(f"- {line}")


# MARK: Main


SCENARIOS = ("saturation", "instrumented", "fixed", "memory", "storm", "two-nodes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="server binary (default: build release into .build-release)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing .build-release binary")
    parser.add_argument("--quick", action="store_true", help="smoke run, under 2 minutes: 1,000 viewers, short windows")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios to run (comma list of "
                        + ", ".join(SCENARIOS) + ")")
    parser.add_argument("--servers", default=f"{LWS},{WZ}", help="servers under test (lws, wenzheng)")
    parser.add_argument("--lws-server", default="/usr/bin/libwebsockets-test-server")
    parser.add_argument("--lws-loop", choices=("ev", "poll"), default="poll",
                        help="the test server's event loop: its default poll() or libev (-e, epoll)")
    parser.add_argument("--server-cpu", type=int, default=0, help="core of the server under test when pinned")
    parser.add_argument("--load-cpu", type=int, default=1, help="core of lws_load when pinned")
    parser.add_argument("--saturation-viewers", type=int, default=1000)
    parser.add_argument("--saturation-seconds", type=float, default=10)
    parser.add_argument("--saturation-processes", type=int, default=1,
                        help="lws_load processes in the pinned scenarios (all on --load-cpu)")
    parser.add_argument("--pairs", type=int, default=2,
                        help="saturation runs of both servers, alternating (1 in --quick)")
    parser.add_argument("--window", type=int, default=64,
                        help="saturation: the host stays at most this many entries ahead of the slowest viewer")
    parser.add_argument("--posters", type=int, default=4, help="Wenzheng: keep-alive HTTP connections posting")
    parser.add_argument("--instrumented-seconds", type=float, default=5)
    parser.add_argument("--baseline-entries", type=int, default=100,
                        help="entries posted with no viewer to count their own allocations")
    parser.add_argument("--syscall-tool", choices=("auto", "perf", "strace", "none"), default="auto")
    parser.add_argument("--viewers", default="1000,5000,10000", help="fixed-rate scenarios (comma list)")
    parser.add_argument("--memory-viewers", default=None, help="memory scenarios (default: --viewers)")
    parser.add_argument("--rate", type=float, default=5, help="entries per second in fixed-rate scenarios")
    parser.add_argument("--seconds", type=float, default=20, help="duration of fixed-rate posting")
    parser.add_argument("--processes", default="auto",
                        help="lws_load processes in the unpinned scenarios (auto: 2 from 5,000 viewers)")
    parser.add_argument("--storm-viewers", type=int, default=10000)
    parser.add_argument("--storm-history", type=int, default=200, help="entries before the viewers join")
    parser.add_argument("--storm-missed", type=int, default=20, help="entries posted while the viewers are away")
    parser.add_argument("--inflight", type=int, default=100, help="concurrent handshakes of lws_load")
    parser.add_argument("--settle", type=float, default=3, help="seconds between all-ready and measuring")
    parser.add_argument("--no-warm-up", dest="memory_warm_up", action="store_false",
                        help="memory scenario: take the baseline before any viewer ever connected")
    parser.add_argument("--memory-cycles", type=int, default=3,
                        help="rounds of the memory scenario's crowd joining and leaving (the heap after the last is compared)")
    parser.add_argument("--connect-timeout", type=float, default=240)
    parser.add_argument("--drain-timeout", type=float, default=20)
    parser.add_argument("--retries", type=int, default=1,
                        help="run a throughput/latency scenario again when other processes used >5%% of the CPU")
    parser.add_argument("--quiet-wait", type=float, default=600,
                        help="before each scenario wait up to this long for other processes to go quiet")
    parser.add_argument("--two-nodes-viewers", type=int, default=1000, help="two-nodes: viewers on node B")
    parser.add_argument("--postgres", default=wenzheng_postgres.postgres_url(),
                        help="two-nodes: a PostgreSQL superuser URL to create a database with "
                        "(default: $WENZHENG_TEST_POSTGRES_URL, as script/with-postgres sets it)")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    if args.quick:
        args.saturation_seconds, args.instrumented_seconds = 3, 2
        args.viewers, args.seconds = "1000", 4
        args.memory_viewers = args.memory_viewers or "1000"
        args.storm_viewers, args.storm_history, args.storm_missed = min(args.storm_viewers, 1000), 50, 10
        args.baseline_entries, args.settle, args.retries, args.pairs = 50, 1, 0, 1
    only = [name for name in args.only.split(",") if name]
    servers = [name for name in args.servers.split(",") if name]
    unknown = [name for name in only if name not in SCENARIOS] + [name for name in servers if name not in (LWS, WZ)]
    if unknown:
        sys.exit(f"error: unknown scenario or server: {', '.join(unknown)}")

    raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="wz-live-load-"))
    report: dict = {name: [] for name in SCENARIOS}
    started = time.monotonic()
    try:
        args.tools = build_tools(args, workdir)
        if "saturation" in only:
            for _ in range(args.pairs):
                pair = {}
                for kind in servers:
                    pair[kind] = retried(saturation, args, kind, args, args.saturation_viewers,
                                         args.saturation_seconds)
                if LWS in pair and WZ in pair and pair[LWS]["deliveriesPerSecond"]:
                    pair[WZ]["ratio"] = pair[WZ]["deliveriesPerSecond"] / pair[LWS]["deliveriesPerSecond"]
                report["saturation"].append(pair)
        if "instrumented" in only:
            for kind in servers:
                report["instrumented"].append(saturation(kind, args, args.saturation_viewers,
                                                         args.instrumented_seconds, instrumented=True))
        if "fixed" in only:
            for viewers in [int(v) for v in args.viewers.split(",") if v]:
                for kind in servers:
                    report["fixed"].append(retried(fixed_rate, args, kind, args, viewers))
        if "memory" in only:
            for viewers in [int(v) for v in (args.memory_viewers or args.viewers).split(",") if v]:
                for kind in servers:
                    report["memory"].append(memory(kind, args, viewers))
        if "storm" in only and args.storm_viewers:
            for kind in servers:
                report["storm"].append(storm(kind, args, args.storm_viewers))
        if "two-nodes" in only and WZ in servers:
            if args.postgres:
                report["two-nodes"].append(two_nodes(args, args.two_nodes_viewers))
            else:
                log("two-nodes skipped: no PostgreSQL server (--postgres, or run under script/with-postgres)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"all scenarios done in {time.monotonic() - started:.0f} s")
    for pair in report["saturation"]:
        print_saturation(list(pair.values()), args)
    if report["instrumented"]:
        print_instrumented(report["instrumented"])
    if report["fixed"]:
        print_fixed(report["fixed"], args)
    if report["memory"]:
        print_memory(report["memory"])
    if report["storm"]:
        print_storm(report["storm"])
    if report["two-nodes"]:
        print_two_nodes(report["two-nodes"], args)
    print_verdicts(report, args)
    if args.json:
        for pair in report["saturation"]:
            for row in pair.values():
                row.pop("otherProcesses", None)
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2, default=str)
        log(f"results written to {args.json}")


if __name__ == "__main__":
    main()
