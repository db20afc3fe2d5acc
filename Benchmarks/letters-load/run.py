#!/usr/bin/env python3
"""Letter-submission load benchmark: durable letters per second over HTTP.

Builds the release server and the benchmarks executable (separate scratch
path .build-release), runs the SQLite commit anchor (`wenzheng-benchmarks
sqlite-insert`), then for every client count starts a fresh `wenzheng serve`
on a throw-away database and has that many keep-alive clients submit letters
(`POST /api/v1/letters`, 201 expected) back-to-back for a fixed time, then
runs the anchor again. Afterwards it stops the server and checks in the
database file that every letter answered 201 is there.

The server allows 20 letters per client address per 10 minutes, keyed on
the TCP peer address (no header is trusted). Every client therefore binds
its connection to its own loopback address (127.0.0.0/8 is all local on
Linux) and moves to a fresh address, with a fresh connection, after
--per-address submissions. The limit itself is checked first: the 21st
letter from one address must get 429, also with X-Forwarded-For set.

Usage: Benchmarks/letters-load/run.py [--quick] [--skip-build] [--clients 1,4,16] ...
       (see --help; README.md describes what is measured)

Standard library only; loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from benchmark_support import (  # noqa: E402
    Server,
    build_release,
    log,
    machine_cpu,
    perf_record,
    perf_report,
    percentile,
    print_anchor_table,
    process_cpu,
    run_anchor,
    self_cpu,
    top_others,
    wait_for_quiet,
)

LIMIT = 20  # MailboxPublicSubmissionLimiter: 20 letters per address per 600 s

SUBJECTS = ["咨询法律援助申请条件", "关于拖欠工资如何申请劳动仲裁", "建议简化公证办理流程", "社区矫正人员报到问题咨询"]
BODY = ("您好！我是本市居民，去年在一家建筑公司打工，公司至今拖欠我和工友三个月的工资共计四万二千元。"
        "我们多次找包工头和公司协商都没有结果。请问我们这种情况能否申请法律援助？需要准备哪些材料，"
        "到哪里办理？另外劳动争议仲裁的时效是多久，超过一年还能不能申请？恳请答复，谢谢！")


# MARK: Clients


class Addresses:
    """Hands out loopback source addresses 127.1.0.1, 127.1.0.2, ... (thread-safe)."""

    def __init__(self) -> None:
        self.next = 0
        self.lock = threading.Lock()

    def take(self) -> str:
        with self.lock:
            self.next += 1
            n = self.next
        return f"127.{1 + n // 65024}.{(n % 65024) // 254}.{n % 254 + 1}"


def letter_body(key: str, index: int) -> dict:
    return {"type": "consultation", "subject": SUBJECTS[index % len(SUBJECTS)], "body": BODY,
            "authorName": "张三", "phone": "13800000000", "mayPublish": True, "idempotencyKey": key}


class Submitter:
    """One client: a keep-alive connection from one loopback address, moved to a
    fresh address (and connection) after `per_address` letters."""

    def __init__(self, port: int, addresses: Addresses, per_address: int) -> None:
        self.port = port
        self.addresses = addresses
        self.per_address = per_address
        self.connection: http.client.HTTPConnection | None = None
        self.used = 0
        self.connections = 0

    def _connect(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.address = self.addresses.take()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120,
                                                     source_address=(self.address, 0))
        self.connection.connect()
        self.used = 0
        self.connections += 1

    def submit(self, key: str, index: int, headers: dict | None = None) -> tuple[int, dict, float]:
        """(status, body, seconds from sending to the whole response read)."""
        if self.connection is None or self.used >= self.per_address:
            self._connect()
        payload = json.dumps(letter_body(key, index), ensure_ascii=False).encode()
        all_headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        start = time.monotonic()
        self.connection.request("POST", "/api/v1/letters", body=payload, headers=all_headers)
        response = self.connection.getresponse()
        data = response.read()
        took = time.monotonic() - start
        self.used += 1
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, (json.loads(data) if data else {}), took

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def check_limit(port: int) -> dict:
    """The 21st letter from one address must be refused (429), even when the
    request claims another address in the usual proxy headers."""
    addresses = Addresses()
    addresses.next = 65000  # an address no scenario client uses
    client = Submitter(port, addresses, per_address=10_000)
    statuses = []
    try:
        for index in range(LIMIT):
            statuses.append(client.submit(f"limit-{index}-{uuid.uuid4().hex}", index)[0])
        spoofed = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7", "Forwarded": "for=203.0.113.7"}
        refused, problem, _ = client.submit(f"limit-x-{uuid.uuid4().hex}", 0, spoofed)
    finally:
        client.close()
    fresh = Submitter(port, addresses, per_address=10_000)
    try:
        other, _, _ = fresh.submit(f"limit-y-{uuid.uuid4().hex}", 0)
    finally:
        fresh.close()
    ok = statuses == [201] * LIMIT and refused == 429 and other == 201
    log(f"limit check: {LIMIT} letters from {client.address} -> {sorted(set(statuses))}; the next one, with "
        f"X-Forwarded-For/X-Real-IP/Forwarded set -> {refused}; one from {fresh.address} -> {other}"
        + ("" if ok else "  UNEXPECTED"))
    return {"ok": ok, "accepted": statuses.count(201), "refusedStatus": refused,
            "refusedDetail": problem.get("detail"), "otherAddressStatus": other, "letters": LIMIT + 1}


def run_clients(port: int, clients: int, seconds: float, per_address: int, prefix: str,
                on_start=None) -> dict:
    """`clients` threads submit back-to-back for `seconds` after one warm-up letter each."""
    addresses = Addresses()
    barrier = threading.Barrier(clients + 1)
    samples: list[list[tuple[float, float, int]]] = [[] for _ in range(clients)]
    errors: list[str] = []
    keys: list[list[str]] = [[] for _ in range(clients)]
    submitters = [Submitter(port, addresses, per_address) for _ in range(clients)]
    state = {"deadline": 0.0}
    go = threading.Event()

    def worker(slot: int) -> None:
        submitter = submitters[slot]
        try:
            status, _, _ = submitter.submit(f"{prefix}-warm-{slot}", slot)
            if status != 201:
                errors.append(f"warm-up {status}")
            barrier.wait(60)
            if not go.wait(120):
                return
            index = 0
            while time.monotonic() < state["deadline"]:
                key = f"{prefix}-{slot}-{index}"
                sent = time.monotonic()
                status, body, took = submitter.submit(key, index)
                samples[slot].append((sent, took, status))
                if status == 201 and body.get("created") is True and len(body.get("password") or "") == 8:
                    keys[slot].append(key)
                elif len(errors) < 20:
                    errors.append(f"{status} {body}")
                index += 1
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
            try:
                barrier.abort()
            except threading.BrokenBarrierError:
                pass
        finally:
            submitter.close()

    workers = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(clients)]
    for thread in workers:
        thread.start()
    barrier.wait(120)  # every client connected and sent its warm-up letter
    if on_start:
        on_start()
    start = time.monotonic()
    state["deadline"] = start + seconds
    go.set()
    for thread in workers:
        thread.join(seconds + 300)
    flat = [sample for part in samples for sample in part]
    end = max((sent + took for sent, took, _ in flat), default=start)
    ok = [took for _, took, status in flat if status == 201]
    return {
        "clients": clients, "seconds": end - start, "requests": len(flat), "accepted": len(ok),
        "perSecond": len(ok) / (end - start) if end > start else 0.0,
        "p50ms": percentile(ok, 0.50) * 1000, "p90ms": percentile(ok, 0.90) * 1000,
        "p99ms": percentile(ok, 0.99) * 1000, "maxms": max(ok, default=0) * 1000,
        "minms": min(ok, default=0) * 1000,
        "errors": errors, "statuses": sorted({status for _, _, status in flat}),
        "connections": sum(s.connections for s in submitters), "addresses": addresses.next,
        "keys": [key for part in keys for key in part],
    }


def verify_database(path: Path, prefix: str, keys: list[str]) -> dict:
    """After the server stopped: every letter answered 201 is in the file, once."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT idempotency_key, number, client_address, password_hash FROM letter WHERE idempotency_key LIKE ?",
            (prefix + "-%",)).fetchall()
        events = connection.execute(
            "SELECT count(*) FROM letter_event e JOIN letter l ON l.id = e.letter_id "
            "WHERE l.idempotency_key LIKE ? AND e.kind = 'submitted'", (prefix + "-%",)).fetchone()[0]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        connection.close()
    stored = {row[0] for row in rows if "-warm-" not in row[0]}
    expected = set(keys)
    numbers = {row[1] for row in rows}
    bcrypt_cost = {row[3][4:6] for row in rows if row[3].startswith("$2")}
    ok = (stored == expected and len(numbers) == len(rows) and events == len(rows))
    return {"ok": ok, "storedTimed": len(stored), "answered201": len(expected), "missing": len(expected - stored),
            "rows": len(rows), "distinctNumbers": len(numbers), "submittedEvents": events,
            "distinctAddresses": len({row[2] for row in rows}), "bcryptCosts": sorted(bcrypt_cost),
            "journalMode": journal}


# MARK: Scenario


def run_scenario(binary: Path, clients: int, args, limit_check: bool) -> dict:
    log(f"scenario: {clients} client(s), {args.seconds:g} s")
    workdir = Path(tempfile.mkdtemp(prefix="wz-letters-"))
    server = Server(binary, workdir / "letters.sqlite")
    prefix = f"lb{clients}-{uuid.uuid4().hex[:8]}"
    perf = None
    try:
        limit = check_limit(server.port) if limit_check else None
        busy_before = wait_for_quiet(args.quiet_wait)
        marks: dict = {}

        def on_start() -> None:
            nonlocal perf
            marks["cpu"] = server.cpu_seconds()
            marks["machine"] = machine_cpu()[0]
            marks["runner"] = self_cpu()
            marks["processes"] = process_cpu()
            if args.perf and clients == max(args.client_counts):
                perf = perf_record(server.process.pid, args.seconds, workdir / "perf.data")

        result = run_clients(server.port, clients, args.seconds, args.per_address, prefix, on_start)
        server_cpu = server.cpu_seconds() - marks["cpu"]
        machine_busy = machine_cpu()[0] - marks["machine"]
        if perf is not None:
            perf.wait(60)
        runner_cpu = self_cpu() - marks["runner"]
        others = machine_busy - server_cpu - runner_cpu
        exclude = {server.process.pid, os.getpid()} | ({perf.pid} if perf is not None else set())
        busiest = top_others(marks["processes"], process_cpu(), exclude)
        threads = server.threads()
        alive = server.alive()
        status = server.stop()
        verification = verify_database(server.database, prefix, result.pop("keys"))
        log(f"{clients} client(s): {result['accepted']} letters in {result['seconds']:.2f} s = "
            f"{result['perSecond']:.1f}/s; p50 {result['p50ms']:.1f} ms, p99 {result['p99ms']:.1f} ms, "
            f"max {result['maxms']:.1f} ms; server CPU {server_cpu:.1f} s; others {max(0.0, others):.1f} CPU s"
            + (f" ({', '.join(busiest)})" if others > 1 and busiest else ""))
        if not verification["ok"] or result["errors"]:
            log(f"VERIFICATION FAILED: {verification}; errors {result['errors'][:5]}")
        profile = perf_report(workdir / "perf.data") if perf is not None else None
        return {
            **result, "serverCpuSeconds": server_cpu, "serverCpuMsPerLetter":
                server_cpu * 1000 / result["accepted"] if result["accepted"] else 0.0,
            "serverCoresBusy": server_cpu / result["seconds"] if result["seconds"] else 0.0,
            "runnerCpuSeconds": runner_cpu, "otherCpuSeconds": others, "otherProcesses": busiest,
            "busyCoresBefore": busy_before, "serverThreads": threads, "serverAlive": alive,
            "serverExit": status, "verification": verification, "limitCheck": limit, "profile": profile,
        }
    finally:
        if perf is not None and perf.poll() is None:
            perf.kill()
            perf.wait()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# MARK: Report


def print_tables(results: list[dict], anchors: list[dict]) -> None:
    print()
    print("| clients | letters (201) | seconds | letters/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms per letter "
          "| server cores busy | other CPU s | stored after stop |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        v = r["verification"]
        stored = f"{v['storedTimed']} / {v['answered201']}" + ("" if v["ok"] else " FAILED")
        print(f"| {r['clients']} | {r['accepted']} | {r['seconds']:.2f} | **{r['perSecond']:.1f}** | {r['p50ms']:.1f} "
              f"| {r['p90ms']:.1f} | {r['p99ms']:.1f} | {r['maxms']:.1f} | {r['serverCpuMsPerLetter']:.1f} "
              f"| {r['serverCoresBusy']:.2f} | {max(0.0, r['otherCpuSeconds']):.1f} | {stored} |")
    print()
    print_anchor_table(anchors)
    print()
    for r in results:
        errors = f"; errors: {r['errors'][:3]}" if r["errors"] else ""
        print(f"{r['clients']} client(s): statuses {r['statuses']}; {r['connections']} connections from "
              f"{r['addresses']} loopback addresses; server threads {r['serverThreads']}; bcrypt cost "
              f"{','.join(r['verification']['bcryptCosts'])}; machine busy before {r['busyCoresBefore']:.2f} cores{errors}")
        if r["limitCheck"]:
            print(f"limit check: {r['limitCheck']}")
        if r["profile"]:
            print("perf (server, self time):")
            for line in r["profile"]:
                print("    " + line)
    if anchors and results:
        best = max(a["perSecond"] for a in anchors)
        top = max(r["perSecond"] for r in results)
        print(f"\nbest letters/s {top:.1f} = {100 * top / best:.2f} % of the best anchor ({best:,} commits/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="server binary (default: build release into .build-release)")
    parser.add_argument("--benchmarks-bin", help="wenzheng-benchmarks binary (default: build it likewise)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing .build-release binaries")
    parser.add_argument("--clients", default="1,4,16", help="concurrent keep-alive clients per scenario (comma list)")
    parser.add_argument("--seconds", type=float, default=12, help="submitting time per scenario")
    parser.add_argument("--per-address", type=int, default=LIMIT,
                        help="letters per loopback source address before a client moves to a fresh one "
                             f"(at most {LIMIT}, the server's limit per 10 minutes)")
    parser.add_argument("--anchor-seconds", type=float, default=5, help="0 skips the sqlite-insert anchor")
    parser.add_argument("--no-limit-check", action="store_true", help="skip the 429 check of the per-address limit")
    parser.add_argument("--perf", action="store_true",
                        help="perf record the server during the scenario with the most clients; print the top symbols")
    parser.add_argument("--quick", action="store_true", help="1 and 4 clients, 3 s each, 2 s anchors: a smoke run")
    parser.add_argument("--retries", type=int, default=1,
                        help="run a scenario again (at most this often) when other processes used >5%% of the CPU")
    parser.add_argument("--quiet-wait", type=float, default=300,
                        help="before each step wait up to this long for other processes to go quiet")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds, args.anchor_seconds = "1,4", 3, 2
    if not 1 <= args.per_address <= LIMIT:
        sys.exit(f"error: --per-address must be 1 to {LIMIT}")
    args.client_counts = [int(c) for c in args.clients.split(",") if c]

    binary = Path(args.bin) if args.bin else build_release("wenzheng", args.skip_build)
    benchmarks = None
    if args.anchor_seconds > 0:
        benchmarks = Path(args.benchmarks_bin) if args.benchmarks_bin else build_release("wenzheng-benchmarks", args.skip_build)
    anchor_dir = Path(tempfile.mkdtemp(prefix="wz-anchor-"))
    anchors, results = [], []
    started = time.monotonic()
    try:
        if benchmarks:
            anchors.append(run_anchor(benchmarks, args.anchor_seconds, anchor_dir, "before", args.quiet_wait))
        for position, clients in enumerate(args.client_counts):
            attempts = []
            for attempt in range(1 + args.retries):
                result = run_scenario(binary, clients, args, limit_check=position == 0 and attempt == 0
                                      and not args.no_limit_check)
                attempts.append(result)
                allowed = 0.05 * result["seconds"] * (os.cpu_count() or 1)
                if result["otherCpuSeconds"] <= allowed:
                    break
                log(f"other processes disturbed the measurement ({result['otherCpuSeconds']:.1f} CPU s); "
                    + ("running it again" if attempt < args.retries else "keeping the least disturbed run"))
            best = min(attempts, key=lambda r: r["otherCpuSeconds"])
            best["attempts"] = len(attempts)
            if best["limitCheck"] is None and attempts[0]["limitCheck"] is not None:
                best["limitCheck"] = attempts[0]["limitCheck"]
            results.append(best)
        if benchmarks:
            anchors.append(run_anchor(benchmarks, args.anchor_seconds, anchor_dir, "after", args.quiet_wait))
    finally:
        shutil.rmtree(anchor_dir, ignore_errors=True)
    print_tables(results, anchors)
    log(f"total {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"scenarios": results, "anchors": anchors}, handle, indent=2, ensure_ascii=False)
        log(f"results written to {args.json}")
    failed = [r for r in results if not r["verification"]["ok"] or r["errors"]
              or (r["limitCheck"] is not None and not r["limitCheck"]["ok"])]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
