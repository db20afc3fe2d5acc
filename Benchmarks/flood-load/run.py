#!/usr/bin/env python3
"""Flood benchmark: do the default rate limits keep a live interview's
viewers unaffected while one client, then 1,000 addresses, flood the server?

In one invocation, on one fresh release server (temporary database, every
rate limit at its default), with a live interview and --viewers (1,000)
viewers following it through lws_load (Benchmarks/live-load), while the
host posts --rate entries a second through lws_load's C poster:

  quiet    nothing else: the viewers' post-to-delivery p50 / p99 (baseline)
  flood A  one client (one source address, one signed browser key,
           --question-connections keep-alive connections) sends --questions
           (10,000) question submissions as fast as the server answers:
           the viewers' p99 meanwhile, the statuses (201, 429 with and without
           Retry-After), and afterwards the rows in the database file: no
           more questions from that browser and address than the limits
           allow over the elapsed time
  flood B  --flood-addresses (1,000) loopback source addresses
           (127.2.0.1 ...; flood.c binds each before connect(), the server
           keys its limits on the TCP peer since no proxy is trusted) each
           alternate letter submissions and letter searches back-to-back
           for --flood-seconds: the viewers' p99 meanwhile, the statuses
           (201 / 200 / 429 / 503), the letter rows per address against the
           limit, and the ratio flood p99 / quiet p99 (target <= 1.5)

It prints a Markdown table and the verdicts; --json writes every figure.
It writes nothing to docs/.

Usage: Benchmarks/flood-load/run.py [--skip-build]           # default: 1,000 viewers, 10 s phases (~1-2 min)
       Benchmarks/flood-load/run.py --long                    # 30 s phases
       Benchmarks/flood-load/run.py --viewers 500 --rate 10 --flood-seconds 5 ...   (see --help)

Needs libwebsockets-dev and libev-dev (lws_load) and a C compiler (flood.c).
Python standard library only; loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from benchmark_support import (  # noqa: E402
    Api,
    HarnessError,
    Server,
    build_release,
    create_user,
    limits_and_affinity,
    log,
    read_proc_stat,
    wait_for_quiet,
)


def _live_load():
    """Benchmarks/live-load/run.py as a module: its lws_load driver
    (Generator, start_generators, Window, merge_results)."""
    spec = importlib.util.spec_from_file_location("live_load_run", HERE.parent / "live-load" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


live = _live_load()

ADMIN = ("admin", "password-12345")
TARGET_RATIO = 1.5
# flood.c's source addresses: number N is 127.(2 + N / 64516).(N / 254 % 254).(N % 254 + 1)
QUESTION_ADDRESS_BASE = 64516 * 2  # 127.4.0.1, apart from flood B's 127.2.x.y
DEFAULT_VIEWER_SOCKETS = 2000
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def flood_address(number: int) -> str:
    return f"127.{2 + number // 64516}.{(number // 254) % 254}.{number % 254 + 1}"


# MARK: Limits (read from the server's own --help, so they are its defaults)


def default_limits(binary: Path) -> dict:
    """option name -> (count, window seconds), from `wenzheng serve --help`."""
    text = subprocess.run([str(binary), "serve", "--help"], capture_output=True, text=True, timeout=60).stdout
    text = re.sub(r"\s+", " ", text)
    limits = {}
    for name in ("question-limit-per-browser", "question-limit-per-address", "letter-limit-per-address",
                 "letter-search-limit"):
        match = re.search(rf"--{name} <N/WINDOW>.*?default: (\d+)/(\d+)([smhd])\]", text)
        if not match:
            sys.exit(f"error: could not read the default of --{name} from `wenzheng serve --help`")
        limits[name] = (int(match.group(1)), int(match.group(2)) * UNITS[match.group(3)])
    return limits


def allowed(limit: tuple[int, int], elapsed: float) -> int:
    """The most a sliding window of `count` per `window` admits over
    `elapsed` seconds: `count` in every window begun."""
    count, window = limit
    return count * (int(elapsed // window) + 1)


# MARK: Server, interview, viewers


class Live:
    """A release server with default limits, an admin, a live interview:
    what live-load's start_generators and Window need of a target."""

    def __init__(self, binary: Path, workdir: Path, args) -> None:
        self.database = workdir / "flood.sqlite"
        create_user(binary, self.database, *ADMIN)
        extra = []
        if args.viewers > DEFAULT_VIEWER_SOCKETS:
            # every viewer comes from 127.0.0.1; not a rate limit
            extra = ["--max-viewer-sockets-per-address", str(args.viewers)]
        extra += args.server_option
        self.server = Server(binary, self.database, extra=extra)
        self.port = self.server.port
        self.api = Api(self.server.base)
        try:
            self.api.login(*ADMIN)
            self.interview_id = self.api.create_live_interview("洪水测试：访谈不受影响")
            self.seq0 = self.api.post_remark(self.interview_id, "warm-up")
        except HarnessError as error:
            self.server.kill()
            sys.exit(f"error: setting up the interview failed: {error}\n{self.server.output()}")
        self.cookie = next(f"{c.name}={c.value}" for c in self.api.jar if c.name == "wz_session")

    @property
    def pid(self) -> int:
        return self.server.pid

    def alive(self) -> bool:
        return self.server.alive()

    def cpu_seconds(self) -> float:
        return self.server.cpu_seconds()

    def generator_args(self) -> list[str]:
        return ["--port", str(self.port), "--interview", str(self.interview_id), "--since", str(self.seq0)]

    def poster_args(self) -> list[str]:
        return ["--cookie", self.cookie, "--csrf", self.api.csrf]

    def browser_cookie(self, source: str) -> str:
        """A signed browser key as a visitor gets it: the interview's page
        (GET /interviews/ID sets wz_browser), fetched from `source`."""
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(source, 0))
        try:
            connection.request("GET", f"/interviews/{self.interview_id}", headers={"Accept": "text/html"})
            response = connection.getresponse()
            response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("wz_browser="):
                    return value.split(";", 1)[0]
        finally:
            connection.close()
        sys.exit("error: GET /interviews/ID set no wz_browser cookie")


# MARK: Phases


def run_flood(tools: dict, arguments: list[str]) -> subprocess.Popen:
    return subprocess.Popen([str(tools["flood"]), *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=limits_and_affinity(None))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def finish_flood(process: subprocess.Popen, timeout: float) -> dict:
    """flood's FLOOD line, with the CPU it used (the only child reaped meanwhile)."""
    before = children_cpu()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        sys.exit(f"error: flood did not finish in time:\n{out}\n{err}")
    for line in out.splitlines():
        if line.startswith("FLOOD "):
            result = json.loads(line[len("FLOOD "):])
            result["cpuSeconds"] = children_cpu() - before
            return result
    sys.exit(f"error: flood printed no FLOOD line (exit {process.returncode}):\n{out}\n{err}")


def phase(name: str, target: Live, generators: list, args, flood: list[str] | None, flood_timeout: float) -> dict:
    """The host posts (lws_load GO) while `flood` runs (or, quiet, for
    --quiet-seconds); then STOP, and every viewer must get every entry."""
    wait_for_quiet(args.quiet_wait)
    log(f"{name}: host posting {args.rate:g}/s to {args.viewers} viewers" + (" while flooding" if flood else ""))
    window = live.Window(target, generators)
    threads_before = thread_cpu(target.pid)
    started = time.monotonic()
    generators[0].send("GO")
    result = None
    if flood:
        time.sleep(0.2)  # the first entries are under way
        result = finish_flood(run_flood(args.tools, flood), flood_timeout)
    else:
        time.sleep(args.quiet_seconds)
    generators[0].send("STOP")
    posted = generators[0].expect_json("POSTED", 120)
    for generator in generators:
        generator.send(f"ROUND {posted['lastSeq']} {posted['posted']}")
    results = [generator.expect_json("RESULT", args.drain_timeout + 60) for generator in generators]
    cpu = window.close()
    cpu["serverThreads"] = thread_cpu_delta(threads_before, thread_cpu(target.pid))
    figures = live.merge_results(results)
    figures.update(cpu)
    figures.update(name=name, posting=posted, phaseSeconds=time.monotonic() - started, flood=result,
                   serverAlive=target.alive())
    log(f"{name}: server CPU by thread: {', '.join(cpu['serverThreads'])}")
    if posted["errors"]:
        log(f"{name}: the host's posts had {posted['errors']} errors (first: {posted['firstError']})")
    log(f"{name}: {posted['posted']} entries in {posted['seconds']:.1f} s, viewers p50 {figures['p50ms']:.2f} ms, "
        f"p99 {figures['p99ms']:.2f} ms, max {figures['maxms']:.1f} ms; complete {figures['viewersComplete']}"
        f"/{figures['connections']}; server CPU {cpu['serverCpuSeconds']:.1f} s, lws_load "
        f"{sum(cpu['loadCpuSeconds']):.1f} s, others {cpu['otherCpuSeconds']:.1f} s")
    if result:
        log(f"{name}: flood sent {result['requests']} requests in {result['seconds']:.2f} s "
            f"({result['responses'] / max(result['seconds'], 1e-9):.0f} responses/s): {result['statuses']}; "
            f"with Retry-After {result['retryAfter']}; connect errors {result['connectErrors']}, resets {result['resets']}")
    return figures


def count_questions(database: Path, interview_id: int) -> dict:
    connection = sqlite3.connect(str(database))
    try:
        rows = connection.execute("SELECT browser_key, client_address, count(*) FROM interview_question "
                                  "WHERE interview_id = ? GROUP BY browser_key, client_address", (interview_id,)).fetchall()
    finally:
        connection.close()
    return {"rows": sum(r[2] for r in rows), "browsers": len({r[0] for r in rows}),
            "addresses": sorted({r[1] for r in rows})}


def count_letters(database: Path) -> dict:
    connection = sqlite3.connect(str(database))
    try:
        rows = connection.execute("SELECT client_address, count(*) FROM letter GROUP BY client_address").fetchall()
    finally:
        connection.close()
    per_address = {address: count for address, count in rows}
    return {"rows": sum(per_address.values()), "addresses": len(per_address),
            "maxPerAddress": max(per_address.values(), default=0), "perAddress": per_address}


def thread_cpu(pid: int) -> dict:
    """(thread name, nice) -> CPU seconds of the server's threads so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    table: dict = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        if (stat := read_proc_stat(f"/proc/{pid}/task/{tid}/stat")) is None:
            continue
        name, fields = stat
        key = (re.sub(r"[0-9]+$", "#", name), int(fields[16]))
        table[key] = table.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return table


def thread_cpu_delta(before: dict, after: dict) -> list[str]:
    """The server's CPU in a window by thread kind, busiest first."""
    deltas = [(seconds - before.get(key, 0.0), key) for key, seconds in after.items()]
    return [f"{name} (nice {nice}) {spent:.1f} s" for spent, (name, nice) in sorted(deltas, reverse=True) if spent >= 0.05]


def niced_threads(pid: int) -> dict:
    """nice value -> threads of the server with it (bcrypt's pool runs at 19)."""
    counts: dict = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                nice = int(stat.read().rsplit(")", 1)[1].split()[16])
        except (OSError, ValueError, IndexError):
            continue
        counts[nice] = counts.get(nice, 0) + 1
    return counts


# MARK: Report


def ratio(flood: dict, quiet: dict) -> float:
    return flood["p99ms"] / quiet["p99ms"] if quiet["p99ms"] else float("inf")


def statuses_text(counts: dict) -> str:
    return "; ".join(f"{kind}: " + ", ".join(f"{status} × {n:,}" for status, n in sorted(table.items()))
                     for kind, table in counts.items())


def print_report(report: dict, args) -> None:
    quiet, a, b = report["quiet"], report["floodA"], report["floodB"]
    print()
    print(f"{args.viewers:,} viewers, host posting {args.rate:g} entries/s; server with default limits "
          f"({', '.join(f'{k} {v[0]}/{v[1]}s' for k, v in report['limits'].items())})"
          + (f"; NOT DEFAULT, server options: {' '.join(args.server_option)}" if args.server_option else ""))
    print()
    print("| phase | entries | viewers complete | p50 ms | p99 ms | max ms | p99 ÷ quiet p99 | server CPU s | "
          "lws_load CPU s | flood wall s | flood CPU s | other CPU s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in (quiet, a, b):
        flood = row["flood"]
        print(f"| {row['name']} | {row['posting']['posted']} | {row['viewersComplete']:,} / {row['connections']:,} "
              f"| {row['p50ms']:.2f} | {row['p99ms']:.2f} | {row['maxms']:.1f} "
              f"| {ratio(row, quiet):.2f} | {row['serverCpuSeconds']:.1f} | {sum(row['loadCpuSeconds']):.1f} "
              f"| {format(flood['seconds'], '.1f') if flood else '–'} | {format(flood['cpuSeconds'], '.1f') if flood else '–'} "
              f"| {row['otherCpuSeconds']:.1f} |")
    print()
    fa, fb = a["flood"], b["flood"]
    qa = report["questionCheck"]
    print(f"flood A: {fa['requests']:,} question submissions from {qa['address']} (one browser key, "
          f"{fa['connections']} connections) in {fa['seconds']:.2f} s = {fa['responses'] / fa['seconds']:,.0f}/s; "
          f"responses {statuses_text(fa['statuses'])}; with Retry-After {statuses_text(fa['retryAfter'])}; "
          f"response p50 {fa['p50ms']:.2f} ms, p99 {fa['p99ms']:.2f} ms; connect errors {fa['connectErrors']}, "
          f"resets {fa['resets']}")
    print(f"flood A database: {qa['rows']} question rows from that client over {qa['elapsed']:.1f} s; the limits "
          f"allow at most {qa['allowed']} ({qa['why']}): {'ok' if qa['ok'] else 'TOO MANY'}; 201 answered "
          f"{qa['created']}")
    lb = report["letterCheck"]
    print(f"flood B: {fb['addresses']:,} addresses, {fb['requests']:,} requests in {fb['seconds']:.2f} s "
          f"= {fb['responses'] / fb['seconds']:,.0f}/s; responses {statuses_text(fb['statuses'])}; with Retry-After "
          f"{statuses_text(fb['retryAfter'])}; response p50 {fb['p50ms']:.2f} ms, p99 {fb['p99ms']:.2f} ms; connect "
          f"errors {fb['connectErrors']}, resets {fb['resets']}, reconnects {fb['reconnects']}")
    print(f"flood B database: {lb['rows']:,} letters from {lb['addresses']:,} addresses, at most "
          f"{lb['maxPerAddress']} from one; the limit allows {lb['allowed']} per address: "
          f"{'ok' if lb['ok'] else 'TOO MANY'}")
    print()
    print(f"server threads by nice value: {report['serverNicedThreads']}")
    for row in (quiet, a, b):
        print(f"{row['name']}: server CPU by thread: {', '.join(row['serverThreads'])}")
    for verdict in report["verdicts"]:
        print("- " + verdict)


def verdicts(report: dict) -> list[str]:
    quiet, a, b = report["quiet"], report["floodA"], report["floodB"]
    out = []
    for row in (a, b):
        r = ratio(row, quiet)
        out.append(f"{row['name']}: viewers' p99 {row['p99ms']:.2f} ms against quiet p99 {quiet['p99ms']:.2f} ms "
                   f"in the same run = {r:.2f}× (target ≤ {TARGET_RATIO}×): {'met' if r <= TARGET_RATIO else 'NOT met'}")
    for row in (quiet, a, b):
        if row["viewersIncomplete"] or row["seqErrors"] or row["closed"]:
            out.append(f"{row['name']}: viewers incomplete {row['viewersIncomplete']}, seq errors {row['seqErrors']}, "
                       f"closed {row['closed']} {row['closeCodes']}: viewers WERE affected")
        else:
            out.append(f"{row['name']}: every viewer got every entry, no gap, no disconnect")
    out.append(f"flood A database rows within the limits: {'yes' if report['questionCheck']['ok'] else 'NO'}")
    out.append(f"flood B letters per address within the limit: {'yes' if report['letterCheck']['ok'] else 'NO'}")
    fa = report["floodA"]["flood"]
    missing = fa["statuses"].get("question", {}).get("429", 0) - fa["retryAfter"].get("question", {}).get("429", 0)
    out.append(f"flood A: every 429 carried Retry-After: {'yes' if missing == 0 else f'NO ({missing} without)'}")
    return out


# MARK: Main


def build_tools(args, workdir: Path) -> dict:
    binary = Path(args.bin) if args.bin else build_release("wenzheng", args.skip_build)
    load = workdir / "lws_load"
    live.compile_c(["cc", "-O2", "-Wall", "-I", str(REPO_ROOT / "Tests" / "support"), "-o", str(load),
                    str(HERE.parent / "live-load" / "lws_load.c"), "-lwebsockets", "-lev"],
                   "lws_load (apt-get install libwebsockets-dev libev-dev?)")
    flood = workdir / "flood"
    live.compile_c(["cc", "-O2", "-Wall", "-o", str(flood), str(HERE / "flood.c")], "flood")
    return {"wenzheng": binary, "load": load, "flood": flood}


def question_bodies(path: Path, count: int = 64) -> None:
    with open(path, "w") as handle:
        for index in range(count):
            body = {"text": f"请问法律援助的申请条件是什么？第{index}问。", "nickname": "刷屏者"}
            handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="server binary (default: build release into .build-release)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing .build-release binary")
    parser.add_argument("--long", action="store_true", help="30 s quiet and flood B phases (default 10 s)")
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20, help="host entries per second in every phase")
    parser.add_argument("--posters", type=int, default=2, help="host's keep-alive HTTP connections (lws_load)")
    parser.add_argument("--quiet-seconds", type=float, default=None, help="quiet phase (default 10, --long 30)")
    parser.add_argument("--questions", type=int, default=10000, help="flood A: question submissions")
    parser.add_argument("--question-connections", type=int, default=100,
                        help="flood A: keep-alive connections of the one client (same address and browser key)")
    parser.add_argument("--flood-addresses", type=int, default=1000, help="flood B: distinct source addresses")
    parser.add_argument("--flood-seconds", type=float, default=None, help="flood B duration (default 10, --long 30)")
    parser.add_argument("--search-every", type=int, default=2,
                        help="flood B: every N-th request of a connection is a search (2: alternate)")
    parser.add_argument("--server-option", action="append", default=[],
                        help="an extra `wenzheng serve` argument, for experiments (repeat; e.g. --server-option=--refusal-delay-ms=0); "
                             "the report names them: the issue's figures are with none")
    parser.add_argument("--inflight", type=int, default=100, help="concurrent viewer handshakes")
    parser.add_argument("--connect-timeout", type=float, default=240)
    parser.add_argument("--drain-timeout", type=float, default=30)
    parser.add_argument("--quiet-wait", type=float, default=300,
                        help="before each phase wait up to this long for other processes to go quiet")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    default_phase = 30.0 if args.long else 10.0
    args.quiet_seconds = args.quiet_seconds or default_phase
    args.flood_seconds = args.flood_seconds or default_phase

    workdir = Path(tempfile.mkdtemp(prefix="wz-flood-"))
    started = time.monotonic()
    target = None
    generators: list = []
    try:
        args.tools = build_tools(args, workdir)
        limits = default_limits(args.tools["wenzheng"])
        target = Live(args.tools["wenzheng"], workdir, args)
        wait_for_quiet(args.quiet_wait)
        generators = live.start_generators(
            target, args.viewers, 1, args, None,
            post=target.poster_args() + ["--post-mode", "rate", "--rate", str(args.rate), "--seconds", "3600",
                                         "--posters", str(args.posters)])
        time.sleep(2)
        report: dict = {"limits": limits, "viewers": args.viewers, "rate": args.rate, "serverOptions": args.server_option}
        report["quiet"] = phase("quiet", target, generators, args, None, 0)

        question_address = flood_address(QUESTION_ADDRESS_BASE)
        browser = target.browser_cookie(question_address)
        bodies = workdir / "questions.jsonl"
        question_bodies(bodies)
        flood_a_started = time.time()
        report["floodA"] = phase("flood A", target, generators, args, [
            "--port", str(target.port), "--mode", "questions", "--interview", str(target.interview_id),
            "--cookie", browser, "--body-file", str(bodies), "--requests", str(args.questions),
            "--connections", str(args.question_connections), "--address-base", str(QUESTION_ADDRESS_BASE),
            "--seconds", "600"], 700)
        elapsed = time.time() - flood_a_started
        questions = count_questions(target.database, target.interview_id)
        cap = min(allowed(limits["question-limit-per-browser"], elapsed),
                  allowed(limits["question-limit-per-address"], elapsed))
        created = report["floodA"]["flood"]["statuses"].get("question", {}).get("201", 0)
        report["questionCheck"] = {
            "address": question_address, "elapsed": elapsed, "rows": questions["rows"], "allowed": cap,
            "created": created, "storedAddresses": questions["addresses"], "browsers": questions["browsers"],
            "why": (f"{limits['question-limit-per-browser'][0]} per browser per "
                    f"{limits['question-limit-per-browser'][1]} s, {limits['question-limit-per-address'][0]} per "
                    f"address per {limits['question-limit-per-address'][1]} s"),
            "ok": questions["rows"] <= cap and questions["rows"] == created,
        }

        flood_b_started = time.time()
        report["floodB"] = phase("flood B", target, generators, args, [
            "--port", str(target.port), "--mode", "letters", "--addresses", str(args.flood_addresses),
            "--seconds", str(args.flood_seconds), "--search-every", str(args.search_every)], args.flood_seconds + 120)
        elapsed = time.time() - flood_b_started
        letters = count_letters(target.database)
        per_address = allowed(limits["letter-limit-per-address"], elapsed)
        created = report["floodB"]["flood"]["statuses"].get("letter", {}).get("201", 0)
        report["letterCheck"] = {"rows": letters["rows"], "addresses": letters["addresses"],
                                 "maxPerAddress": letters["maxPerAddress"], "allowed": per_address,
                                 "created": created,
                                 "ok": letters["maxPerAddress"] <= per_address and letters["rows"] == created}
        report["verdicts"] = verdicts(report)
        report["serverThreads"] = target.server.threads()
        report["serverNicedThreads"] = niced_threads(target.pid)
    finally:
        live.close_generators(generators)
        if target is not None:
            target.server.stop()
    print_report(report, args)
    log(f"total {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2, ensure_ascii=False)
        log(f"results written to {args.json}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
