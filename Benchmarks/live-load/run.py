#!/usr/bin/env python3
"""Live-interview load benchmark: many libwebsockets viewers, one host posting.

Builds the release server (separate scratch path .build-release), compiles
lws_load.c, and for every scenario starts a fresh `wenzheng serve` on a
throw-away database (RLIMIT_NOFILE raised), creates an admin and a live
interview, connects N viewers with lws_load, measures the server's RSS with
the viewers idle, then posts remarks through the REST API (bodies
"t=<CLOCK_MONOTONIC ns>") either at a fixed rate or as fast as a few
keep-alive posting threads can, and collects lws_load's figures.

Usage: Benchmarks/live-load/run.py [--quick] [--skip-build] [--bin PATH] ...
       (see --help; README.md describes what is measured)

Standard library only; loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
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
    log,
    machine_cpu,
    percentile,
    process_cpu,
    raise_fd_limit,
    self_cpu,
    top_others,
    wait_for_quiet,
)

ADMIN = ("admin", "password-12345")


# MARK: Build


def build_server(args) -> Path:
    return Path(args.bin) if args.bin else build_release("wenzheng", args.skip_build)


def build_load(workdir: Path) -> Path:
    output = workdir / "lws_load"
    command = ["cc", "-O2", "-Wall", "-I", str(REPO_ROOT / "Tests" / "support"), "-o", str(output),
               str(HERE / "lws_load.c"), "-lwebsockets", "-lev"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.exit(f"error: compiling lws_load failed (apt-get install libwebsockets-dev libev-dev?):\n{result.stderr}")
    return output


# MARK: Server and API


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

    def close(self) -> None:
        self.connection.close()


def setup_interview(port: int) -> tuple[Client, int, int]:
    client = Client(port)
    session = client.expect("POST", "/api/v1/session", {"username": ADMIN[0], "password": ADMIN[1]}, (200,))
    client.csrf = session["csrfToken"]
    interview = client.expect("POST", "/api/v1/interviews", {
        "title": "负载测试", "summary": "lws_load", "scheduledStart": "2026-12-03T02:00:00Z",
        "plannedMinutes": 90, "guests": [{"name": "张三", "title": "副厅长", "department": "司法厅"}],
    }, (201,))
    interview_id = int(interview["id"])
    client.expect("POST", f"/api/v1/interviews/{interview_id}/status", {"status": "open"}, (200, 201))
    client.expect("POST", f"/api/v1/interviews/{interview_id}/status", {"status": "live"}, (200, 201))
    # A throw-away remark tells us the current seq (started entry included).
    seq = int(client.expect("POST", f"/api/v1/interviews/{interview_id}/entries",
                            {"kind": "remark", "body": "warm-up"}, (201,))["seq"])
    return client, interview_id, seq


# MARK: Posting


def post_stamped(client: Client, interview_id: int) -> tuple[int, float]:
    body = f"t={time.monotonic_ns()}"
    start = time.monotonic()
    entry = client.expect("POST", f"/api/v1/interviews/{interview_id}/entries", {"kind": "remark", "body": body},
                          (201,))
    return int(entry["seq"]), time.monotonic() - start


def post_fixed_rate(client: Client, interview_id: int, rate: float, seconds: float) -> dict:
    count = int(rate * seconds)
    seqs, rest_times = [], []
    start = time.monotonic()
    for index in range(count):
        target = start + index / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        seq, took = post_stamped(client, interview_id)
        seqs.append(seq)
        rest_times.append(took)
    return {"posted": count, "lastSeq": max(seqs), "seconds": time.monotonic() - start, "restTimes": rest_times}


def post_saturated(port: int, cookie: str, csrf: str, interview_id: int, threads: int, seconds: float) -> dict:
    results: list[list] = [[] for _ in range(threads)]
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def worker(slot: int) -> None:
        client = Client(port, cookie, csrf)
        try:
            while time.monotonic() < deadline:
                results[slot].append(post_stamped(client, interview_id))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            client.close()

    start = time.monotonic()
    workers = [threading.Thread(target=worker, args=(slot,)) for slot in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - start
    flat = [item for part in results for item in part]
    if errors:
        log(f"posting errors: {errors[:3]}")
    return {"posted": len(flat), "lastSeq": max(seq for seq, _ in flat), "seconds": elapsed,
            "restTimes": [took for _, took in flat], "errors": len(errors)}


# MARK: Scenario


def run_scenario(name: str, binary: Path, load_binary: Path, viewers: int, mode: str, args) -> dict:
    log(f"scenario {name}: {viewers} viewers, {mode}")
    workdir = Path(tempfile.mkdtemp(prefix="wz-load-"))
    create_user(binary, workdir / "db.sqlite", *ADMIN)
    server = Server(binary, workdir / "db.sqlite")
    load = None
    try:
        client, interview_id, seq0 = setup_interview(server.port)
        busy_before = wait_for_quiet(args.quiet_wait)
        time.sleep(1.0)
        rss_before = server.rss_kib()
        load = subprocess.Popen(
            [str(load_binary), "--port", str(server.port), "--interview", str(interview_id),
             "--connections", str(viewers), "--since", str(seq0), "--inflight", str(args.inflight),
             "--drain-timeout", str(args.drain_timeout)] + (["--poll"] if args.poll else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=raise_fd_limit)
        stderr_lines: list[str] = []
        threading.Thread(target=lambda: stderr_lines.extend(load.stderr), daemon=True).start()
        ready_line = read_line(load, "READY", args.connect_timeout)
        if ready_line is None:
            raise RuntimeError(f"lws_load never got all viewers connected; stderr: {''.join(stderr_lines[-20:])}")
        log(ready_line)
        time.sleep(args.settle)
        rss_idle = server.rss_kib()
        if not server.alive():
            raise RuntimeError("the server died while viewers connected")

        cpu_before = server.cpu_seconds()
        machine_before, _ = machine_cpu()
        runner_before = self_cpu()
        processes_before = process_cpu()
        window_start = time.monotonic()
        if mode == "fixed":
            posting = post_fixed_rate(client, interview_id, args.rate, args.seconds)
        else:
            posting = post_saturated(server.port, client.cookie, client.csrf, interview_id, args.threads,
                                     args.saturation_seconds)
        log(f"posted {posting['posted']} entries in {posting['seconds']:.1f} s (last seq {posting['lastSeq']})")
        load.stdin.write(f"DONE {posting['lastSeq']} {posting['posted']}\n")
        load.stdin.flush()
        result_line = read_line(load, "RESULT ", args.drain_timeout + 60)
        if result_line is None:
            raise RuntimeError("lws_load printed no RESULT")
        figures = json.loads(result_line[len("RESULT "):])
        cpu_posting = server.cpu_seconds() - cpu_before  # posting and draining
        window = time.monotonic() - window_start
        machine_busy = machine_cpu()[0] - machine_before
        runner_cpu = self_cpu() - runner_before
        # lws_load's CPU also covers the settle time, when it is idle
        others = machine_busy - cpu_posting - runner_cpu - figures["loadCpuSeconds"]
        busiest = top_others(processes_before, process_cpu(), {server.process.pid, load.pid, os.getpid()})
        if others > 1:
            log(f"other processes used {others:.1f} CPU s meanwhile: {', '.join(busiest) or 'kernel (softirq)'}")
        rss_after = server.rss_kib()
        client.close()
        return {
            "scenario": name, "mode": mode, "viewers": viewers, "rssBeforeKiB": rss_before,
            "rssIdleKiB": rss_idle, "rssAfterKiB": rss_after,
            "kibPerIdleViewer": (rss_idle - rss_before) / viewers,
            "postSeconds": posting["seconds"], "postRate": posting["posted"] / posting["seconds"],
            "restP50ms": percentile(posting["restTimes"], 0.5) * 1000,
            "restP99ms": percentile(posting["restTimes"], 0.99) * 1000,
            "serverCpuSeconds": cpu_posting, "serverAlive": server.alive(),
            "runnerCpuSeconds": runner_cpu, "otherCpuSeconds": others, "windowSeconds": window,
            "otherProcesses": busiest,
            "busyCoresBefore": busy_before,
            "loadStderr": "".join(stderr_lines[-10:]), **figures,
        }
    finally:
        if load is not None and load.poll() is None:
            try:
                load.stdin.write("QUIT\n")
                load.stdin.flush()
            except OSError:
                pass
            try:
                load.wait(timeout=30)
            except subprocess.TimeoutExpired:
                load.kill()
                load.wait()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run_churn(binary: Path, load_binary: Path, viewers: int, cycles: int, args) -> dict:
    """Connects and closes (1000) `viewers` viewers `cycles` times; RSS after each.

    Memory a closed connection leaves behind shows as growth from one cycle
    to the next (the first cycle also grows the allocator's pools, so it is
    left out of the per-connection figure)."""
    log(f"churn: {cycles} cycles of {viewers} viewers connecting and closing")
    workdir = Path(tempfile.mkdtemp(prefix="wz-churn-"))
    create_user(binary, workdir / "db.sqlite", *ADMIN)
    server = Server(binary, workdir / "db.sqlite")
    rows = []
    try:
        client, interview_id, seq0 = setup_interview(server.port)
        client.close()
        time.sleep(1)
        start = server.rss_kib()
        for cycle in range(cycles):
            load = subprocess.Popen(
                [str(load_binary), "--port", str(server.port), "--interview", str(interview_id),
                 "--connections", str(viewers), "--since", str(seq0), "--inflight", str(args.inflight)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                preexec_fn=raise_fd_limit)
            try:
                if read_line(load, "READY", args.connect_timeout) is None:
                    raise RuntimeError("lws_load never got all viewers connected")
                time.sleep(1)
                connected = server.rss_kib()
                load.stdin.write("CLOSE\n")
                load.stdin.flush()
                closed_line = read_line(load, "CLOSED", 30) or "CLOSED ?"
                load.wait(30)
            finally:
                if load.poll() is None:
                    load.kill()
                    load.wait()
            time.sleep(2)
            rows.append({"cycle": cycle + 1, "connected": connected, "closed": server.rss_kib(),
                         "closeLine": closed_line})
            log(f"cycle {cycle + 1}: RSS {connected} KiB with viewers, {rows[-1]['closed']} KiB after "
                f"{closed_line.lower()}")
        per_connection = ((rows[-1]["closed"] - rows[0]["closed"]) / (viewers * (cycles - 1))
                          if cycles > 1 else 0.0)
        return {"viewers": viewers, "cycles": cycles, "rssStartKiB": start, "rows": rows,
                "kibLeftPerClosedViewer": per_connection}
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def read_line(process: subprocess.Popen, prefix: str, timeout: float) -> str | None:
    """Reads stdout lines until one starts with prefix (bounded by timeout)."""
    result: list[str] = []

    def reader() -> None:
        for line in process.stdout:
            if line.startswith(prefix):
                result.append(line.rstrip("\n"))
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else None


# MARK: Report


def print_tables(results: list[dict]) -> None:
    if not results:
        return
    print()
    print("| scenario | viewers | entries posted | post rate /s | delivered / expected | deliveries/s "
          "| p50 ms | p99 ms | max ms | viewers complete | disconnects (codes) | server CPU s | lws_load CPU s "
          "| other CPU s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for r in results:
        codes = ", ".join(f"{code}×{count}" for code, count in r["closeCodes"].items()) or "none"
        disconnects = r["closed"] + r["failed"]
        print(f"| {r['scenario']} | {r['viewers']} | {r['posted']} | {r['postRate']:.1f} "
              f"| {r['delivered']} / {r['expectedDeliveries']} | {r['deliveriesPerSecond']:.0f} "
              f"| {r['p50ms']:.2f} | {r['p99ms']:.2f} | {r['maxms']:.2f} "
              f"| {r['viewersComplete']} / {r['viewers']} | {disconnects} ({codes}) | {r['serverCpuSeconds']:.1f} "
              f"| {r['loadCpuSeconds']:.1f} | {max(0.0, r['otherCpuSeconds']):.1f} |")
    print()
    print("| viewers | RSS before (KiB) | RSS, viewers idle (KiB) | KiB per idle viewer | connect time s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['viewers']} | {r['rssBeforeKiB']} | {r['rssIdleKiB']} | {r['kibPerIdleViewer']:.1f} "
              f"| {r['connectSeconds']:.1f} |")
    print()
    for r in results:
        verdict = []
        if r["mode"] == "fixed":
            verdict.append("all delivered" if r["delivered"] == r["expectedDeliveries"] else "NOT all delivered")
            verdict.append("p99 < 100 ms" if r["p99ms"] < 100 else "p99 >= 100 ms")
        verdict.append(f"{r['kibPerIdleViewer']:.1f} KiB/viewer " +
                       ("<= 16" if r["kibPerIdleViewer"] <= 16 else "> 16"))
        print(f"{r['scenario']}: " + "; ".join(verdict) +
              f"; REST post p50 {r['restP50ms']:.1f} ms p99 {r['restP99ms']:.1f} ms; seq errors {r['seqErrors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="server binary (default: build release into .build-release)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing .build-release binary")
    parser.add_argument("--viewers", default="1000,5000,10000", help="fixed-rate scenarios (comma list)")
    parser.add_argument("--rate", type=float, default=5, help="entries per second in fixed-rate scenarios")
    parser.add_argument("--seconds", type=float, default=20, help="duration of fixed-rate posting")
    parser.add_argument("--saturation-viewers", type=int, default=1000, help="0 skips the saturation scenario")
    parser.add_argument("--saturation-seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4, help="posting threads in the saturation scenario")
    parser.add_argument("--inflight", type=int, default=100, help="concurrent handshakes of lws_load")
    parser.add_argument("--settle", type=float, default=3, help="seconds between all-hello and the RSS reading")
    parser.add_argument("--connect-timeout", type=float, default=240)
    parser.add_argument("--drain-timeout", type=float, default=20)
    parser.add_argument("--poll", action="store_true", help="lws_load on lws' poll() loop instead of libev/epoll")
    parser.add_argument("--churn-viewers", type=int, default=2000,
                        help="viewers per connect/close cycle of the churn check (0 skips it)")
    parser.add_argument("--churn-cycles", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="100 and 1000 viewers, 5 s each: a smoke run")
    parser.add_argument("--retries", type=int, default=2,
                        help="run a scenario again (at most this often) when other processes used >5%% of the CPU")
    parser.add_argument("--quiet-wait", type=float, default=600,
                        help="before each scenario wait up to this long for other processes to go quiet")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.quick:
        args.viewers, args.seconds, args.saturation_seconds = "100,1000", 5, 3
        args.saturation_viewers = min(args.saturation_viewers, 100)
        args.churn_viewers, args.churn_cycles = min(args.churn_viewers, 500), 3

    raise_fd_limit()
    binary = build_server(args)
    workdir = Path(tempfile.mkdtemp(prefix="wz-lws-load-"))
    try:
        load_binary = build_load(workdir)
        plan = [(f"{viewers} viewers, {args.rate:g}/s for {args.seconds:g} s", viewers, "fixed")
                for viewers in [int(v) for v in args.viewers.split(",") if v]]
        if args.saturation_viewers:
            plan.append((f"saturation, {args.saturation_viewers} viewers, {args.threads} posters, "
                         f"{args.saturation_seconds:g} s", args.saturation_viewers, "saturation"))
        results = []
        for name, viewers, mode in plan:
            attempts = []
            for attempt in range(1 + args.retries):
                result = run_scenario(name, binary, load_binary, viewers, mode, args)
                attempts.append(result)
                allowed = 0.05 * result["windowSeconds"] * (os.cpu_count() or 1)
                if result["otherCpuSeconds"] <= allowed:
                    break
                log(f"other processes disturbed the measurement ({result['otherCpuSeconds']:.1f} CPU s); "
                    + ("running it again" if attempt < args.retries else "keeping the least disturbed run"))
            best = min(attempts, key=lambda r: r["otherCpuSeconds"])
            best["attempts"] = len(attempts)
            results.append(best)
        churn = None
        if args.churn_viewers and args.churn_cycles:
            wait_for_quiet(args.quiet_wait)
            churn = run_churn(binary, load_binary, args.churn_viewers, args.churn_cycles, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_tables(results)
    if churn:
        print()
        print(f"churn ({churn['viewers']} viewers connect, then close with 1000; RSS KiB, start "
              f"{churn['rssStartKiB']}):")
        print("| cycle | RSS with viewers | RSS after they closed |")
        print("| ---: | ---: | ---: |")
        for row in churn["rows"]:
            print(f"| {row['cycle']} | {row['connected']} | {row['closed']} |")
        print(f"memory left behind per closed viewer (cycles 2..{churn['cycles']}): "
              f"{churn['kibLeftPerClosedViewer']:.1f} KiB")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"scenarios": results, "churn": churn}, handle, indent=2)
        log(f"results written to {args.json}")


if __name__ == "__main__":
    main()
