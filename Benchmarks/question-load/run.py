#!/usr/bin/env python3
"""Question load benchmark: durable citizens' questions per second over HTTP
during a live interview.

Builds the release server and the benchmarks executable (scratch path
.build-release), runs the SQLite commit anchor (`wenzheng-benchmarks
sqlite-insert`), then starts a fresh `wenzheng serve` on a throw-away
database, has an admin create an interview and take it live through the
API, and lets wrk's 16 keep-alive connections POST questions to
/api/v1/interviews/{id}/questions back-to-back for a fixed time. After a
graceful stop the database file must hold every question answered 201,
once, each with its moderation item. Then the anchor again, and the crash
check: wrk posts again and the runner kill -9s the server mid-run; every
question answered 201 must be in the file, once.

No request carries a cookie, so the server takes each one for a new
browser (it issues a fresh signed browser key): the per-browser limit
holds and every request is answered 201. All requests come from
127.0.0.1, so the per-address limit is raised for the run with
--question-limit-per-address (the only server setting changed).

Usage: Benchmarks/question-load/run.py [--quick] [--skip-build] [--seconds 10] ...
       (see --help; README.md describes what is measured)

Needs wrk (Debian: apt-get install wrk; the runner installs it when run as
root). Python standard library only; loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmark_support import (  # noqa: E402
    Api,
    WrkScript,
    check_stored,
    ensure_wrk,
    measured,
    CpuWindow,
    HarnessError,
    Server,
    build_release,
    create_user,
    log,
    perf_record,
    perf_report,
    print_anchor_table,
    run_anchor,
    wait_for_quiet,
)

ADMIN = ("admin", "password-12345")
WRK = WrkScript(HERE / "question.lua", "QUESTION-LOAD")


# MARK: Questions


OPENINGS = ["请问", "想请教一下", "您好，我想问", "各位领导好，请问", "我是外卖骑手，想问", "我是退休职工，请问", "作为一名律师，想请教"]
TOPICS = ["法律援助的申请条件", "社区矫正人员的就业帮扶", "人民调解协议的效力", "公证费用的减免", "行政复议的期限",
          "劳动争议仲裁的流程", "拖欠工资如何维权", "律师执业投诉的处理", "农村土地承包纠纷的调解", "物业纠纷能否申请法律援助",
          "遗嘱公证需要哪些材料", "网络购物纠纷的管辖", "老年人赡养纠纷的处理", "工伤认定后的赔偿标准"]
DETAILS = ["是否有收入标准的限制", "在网上能不能办理", "需要多长时间才有结果", "外地户籍的人能不能申请", "费用大概是多少",
           "如果对方不履行怎么办", "有没有专门的窗口", "要不要本人到场", "今年的政策有没有变化", "基层司法所能不能受理"]
CLOSINGS = ["谢谢！", "盼复。", "希望能详细解答一下。", "麻烦了。", ""]
NICKNAMES = ["老王", "张女士", "李先生", "热心市民", "小陈", "退休教师刘", "赵大姐"]


def question_bodies(count: int, seed: int = 13) -> list[dict]:
    """Deterministic questions of 20–200 characters: most with a
    nickname, some with a contact, a few with a mobile number in the text
    (masked for publication)."""
    rng = random.Random(seed)
    bodies = []
    for index in range(count):
        parts = [rng.choice(OPENINGS), rng.choice(TOPICS), "，", rng.choice(DETAILS), "？"]
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            parts += [rng.choice(["另外", "还有", "同时"]), rng.choice(TOPICS), "方面，", rng.choice(DETAILS), "？"]
        if index % 10 == 3:
            parts.append(f"我的电话是1{rng.choice('3578')}{rng.randrange(10**9):09d}。")
        parts.append(rng.choice(CLOSINGS))
        body = {"text": "".join(parts)[:200]}
        if rng.random() < 0.7:
            body["nickname"] = rng.choice(NICKNAMES)
        if rng.random() < 0.2:
            body["contact"] = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        bodies.append(body)
    return bodies


# MARK: wrk


# MARK: Server and interview


def live_interview(binary: Path, workdir: Path, args) -> tuple[Server, int, Path]:
    """A fresh server on an empty database, an interview created and taken
    live by an admin through the API, and the request bodies for wrk."""
    database = workdir / "questions.sqlite"
    create_user(binary, database, *ADMIN)
    server = Server(binary, database, extra=["--question-limit-per-address", args.address_limit])
    api = Api(server.base)
    try:
        api.login(*ADMIN)
        interview_id = api.create_live_interview("问答负载测试")
    except HarnessError as error:
        server.kill()
        sys.exit(f"error: setting up the interview failed: {error}\n{server.output()}")
    bodies = workdir / "bodies.jsonl"
    with open(bodies, "w") as handle:
        for body in question_bodies(args.samples):
            handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")
    return server, interview_id, bodies


def count_rows(path: Path, interview_id: int, ids: Path | None) -> dict:
    """What the database file holds for the interview (opened read-write,
    so a WAL left by a crash is recovered the way the server would on
    start)."""
    connection = sqlite3.connect(str(path))
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        one = lambda sql: connection.execute(sql, (interview_id,)).fetchone()[0]  # noqa: E731
        figures = {
            "integrity": integrity,
            "rows": one("SELECT count(*) FROM interview_question WHERE interview_id = ?"),
            # Each question has its own pending moderation item naming it.
            "queued": one("""SELECT count(*) FROM interview_question AS q JOIN moderation_item AS m
                             ON m.id = q.moderation_item_id AND m.source_id = CAST(q.id AS TEXT) AND m.kind = 'question'
                             WHERE q.interview_id = ?"""),
            "items": connection.execute("SELECT count(*) FROM moderation_item WHERE kind = 'question'").fetchone()[0],
        }
        if ids is not None:
            answered = [int(line) for line in open(ids) if line.strip()]
            stored = {row[0] for row in connection.execute("SELECT id FROM interview_question WHERE interview_id = ?",
                                                           (interview_id,))}
            figures.update(idsAnswered=len(answered), idsRepeated=len(answered) - len(set(answered)),
                           idsMissing=len(set(answered) - stored))
    finally:
        connection.close()
    figures["consistent"] = (integrity == "ok" and figures["rows"] == figures["queued"] == figures["items"]
                             and figures.get("idsMissing", 0) == 0 and figures.get("idsRepeated", 0) == 0)
    return figures


# MARK: Scenarios


def run_scenario(binary: Path, args) -> dict:
    log(f"questions: {args.clients} connections, {args.seconds:g} s (after {args.warmup:g} s of warm-up)")
    workdir = Path(tempfile.mkdtemp(prefix="wz-questions-"))
    server, interview_id, bodies = live_interview(binary, workdir, args)
    url = f"{server.base}/api/v1/interviews/{interview_id}/questions"
    ids = workdir / "ids.txt"
    warm_ids = workdir / "warm-ids.txt"
    perf = None
    try:
        warm = WRK.finish(WRK.start(url, args.warmup, args, bodies, warm_ids), args.warmup + 60)
        busy_before = wait_for_quiet(args.quiet_wait)
        window = CpuWindow(server)
        if args.perf:
            perf = perf_record(server.pid, args.seconds, workdir / "perf.data")
        timed = WRK.finish(WRK.start(url, args.seconds, args, bodies, ids), args.seconds + 120)
        if perf is not None:
            perf.wait(60)
        cpu = window.close({perf.pid} if perf is not None else set())
        threads = server.threads()
        status = server.stop()
        created = warm["created"] + timed["created"]
        with open(ids, "a") as handle:
            handle.write(open(warm_ids).read())
        stored = count_rows(server.database, interview_id, ids)
        ok = check_stored(stored, created, 2 * args.clients) and set(timed["statuses"]) == {201}
        log(f"questions: {timed['created']} (201) in {timed['seconds']:.2f} s = {timed['perSecond']:.0f}/s; "
            f"p50 {timed['latencyMicroseconds']['p50'] / 1000:.2f} ms, p99 {timed['latencyMicroseconds']['p99'] / 1000:.2f} ms; "
            f"server CPU {cpu['serverCpuSeconds']:.1f} s, wrk and runner {cpu['clientCpuSeconds']:.1f} s, "
            f"others {cpu['otherCpuSeconds']:.1f} s" + (f" ({', '.join(cpu['otherProcesses'])})" if cpu["otherCpuSeconds"] > 1 else ""))
        if not ok:
            log(f"VERIFICATION FAILED: statuses {timed['statuses']}, stored {stored}, answered 201: {created}")
        profile = perf_report(workdir / "perf.data") if perf is not None else None
        return {"warmUp": warm, **timed, **cpu, "created": timed["created"],
                "serverCpuMsPerQuestion": cpu["serverCpuSeconds"] * 1000 / max(1, timed["created"]),
                "busyCoresBefore": busy_before, "serverThreads": threads, "serverExit": status,
                "stored": stored, "answered201": created, "ok": ok, "profile": profile}
    finally:
        if perf is not None and perf.poll() is None:
            perf.kill()
            perf.wait()
        server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def run_crash(binary: Path, args) -> dict:
    """kill -9 while wrk posts; afterwards every 201 must be in the file, once."""
    log(f"crash check: kill -9 after {args.kill_after:g} s of posting")
    workdir = Path(tempfile.mkdtemp(prefix="wz-questions-kill-"))
    server, interview_id, bodies = live_interview(binary, workdir, args)
    ids = workdir / "ids.txt"
    try:
        wait_for_quiet(args.quiet_wait)
        load = WRK.start(f"{server.base}/api/v1/interviews/{interview_id}/questions", args.kill_after + 60, args, bodies, ids)
        time.sleep(args.kill_after)
        server.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        server.process.wait(10)
        time.sleep(0.5)
        load.send_signal(signal.SIGINT)  # wrk stops, reports and runs done()
        result = WRK.finish(load, 60)
        stored = count_rows(server.database, interview_id, ids)
        ok = check_stored(stored, result["created"], args.clients)
        log(f"crash check: wrk saw {result['created']} questions answered 201 (statuses {result['statuses']}, "
            f"errors {result['errors']}); after kill -9 the file holds {stored['rows']} (integrity {stored['integrity']}, "
            f"ids missing {stored['idsMissing']} of {stored['idsAnswered']})" + ("" if ok else "  FAILED"))
        return {"killAfterSeconds": args.kill_after, "wrkStoppedAfterKillSeconds": time.monotonic() - killed_at,
                "created": result["created"], "statuses": result["statuses"], "errors": result["errors"],
                "stored": stored, "extraRows": stored["rows"] - result["created"], "ok": ok}
    finally:
        server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


# MARK: Report


def print_report(results: list[dict], crashes: list[dict], anchors: list[dict]) -> None:
    best_anchor = max((a["perSecond"] for a in anchors), default=0)
    print()
    print("| run | questions (201) | seconds | **questions/s** | × best anchor | p50 ms | p90 ms | p99 ms | max ms "
          "| server CPU ms per question | server cores | wrk + runner cores | other CPU s | stored after stop |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for index, r in enumerate(results, 1):
        lat = r["latencyMicroseconds"]
        s = r["stored"]
        stored = (f"{s['rows']} rows for {r['answered201']} answered 201, all {s['idsAnswered']} ids once"
                  if r["ok"] else f"{s} for {r['answered201']} answered 201 FAILED")
        ratio = f"{r['perSecond'] / best_anchor:.2f}" if best_anchor else "–"
        print(f"| {index} | {r['created']} | {r['seconds']:.2f} | **{r['perSecond']:.0f}** | {ratio} "
              f"| {lat['p50'] / 1000:.2f} | {lat['p90'] / 1000:.2f} | {lat['p99'] / 1000:.2f} | {lat['max'] / 1000:.2f} "
              f"| {r['serverCpuMsPerQuestion']:.3f} | {r['serverCpuSeconds'] / r['seconds']:.2f} "
              f"| {r['clientCpuSeconds'] / r['seconds']:.2f} | {r['otherCpuSeconds']:.1f} | {stored} |")
    print()
    if anchors:
        print_anchor_table(anchors)
        print()
    if crashes:
        print("| kill -9 check | answered 201 before the kill | rows in the file | rows − 201s | checks | result |")
        print("| --- | ---: | ---: | ---: | --- | --- |")
        for c in crashes:
            s = c["stored"]
            print(f"| after {c['killAfterSeconds']:g} s | {c['created']} | {s['rows']} | {c['extraRows']} "
                  f"| integrity {s['integrity']}; each row has its moderation item; {s['idsAnswered'] - s['idsMissing']} "
                  f"of {s['idsAnswered']} ids present, {s['idsRepeated']} repeated | {'ok' if c['ok'] else 'FAILED'} |")
        print()
    for r in results:
        errors = {k: v for k, v in r["errors"].items() if v}
        print(f"statuses {r['statuses']}, wrk errors {errors or 'none'}; warm-up {r['warmUp']['created']} questions; "
              f"server threads {r['serverThreads']}; machine busy before {r['busyCoresBefore']:.2f} cores; "
              f"attempts {r['attempts']}")
        if r["profile"]:
            print("perf (server, self time):")
            for line in r["profile"]:
                print("    " + line)
    if anchors and results:
        top = max(r["perSecond"] for r in results)
        print(f"\nbest questions/s {top:.0f} = {top / best_anchor:.2f} × the best anchor ({best_anchor:,} commits/s); "
              f"target 0.5 ×: {'met' if top >= 0.5 * best_anchor else 'MISSED'}; aim 1.0 ×: "
              f"{'met' if top >= best_anchor else 'missed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="server binary (default: build release into .build-release)")
    parser.add_argument("--benchmarks-bin", help="wenzheng-benchmarks binary (default: build it likewise)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing .build-release binaries")
    parser.add_argument("--runs", type=int, default=2, help="timed runs, each on a fresh server")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive connections (wrk -c)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (wrk -t)")
    parser.add_argument("--seconds", type=float, default=8, help="timed posting per run")
    parser.add_argument("--warmup", type=float, default=2, help="untimed posting before it")
    parser.add_argument("--address-limit", default="1000000/1s",
                        help="--question-limit-per-address for the server (all requests come from 127.0.0.1)")
    parser.add_argument("--anchor-seconds", type=float, default=3, help="sqlite-insert run time, before and after")
    parser.add_argument("--kill-after", type=float, default=3, help="crash check: posting time before kill -9 (0 skips)")
    parser.add_argument("--samples", type=int, default=256, help="different request bodies wrk cycles through")
    parser.add_argument("--perf", action="store_true", help="perf record the server in each timed run (slows it down)")
    parser.add_argument("--quick", action="store_true", help="smoke run: one run of 3 s, 1 s warm-up, 2 s anchors and kill")
    parser.add_argument("--retries", type=int, default=1,
                        help="run again (at most this often) when other processes used >5%% of the CPU")
    parser.add_argument("--quiet-wait", type=float, default=300,
                        help="before each step wait up to this long for other processes to go quiet")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.seconds, args.warmup, args.anchor_seconds, args.kill_after = 1, 3, 1, 2, 2
    args.wrk = ensure_wrk()

    binary = Path(args.bin) if args.bin else build_release("wenzheng", args.skip_build)
    benchmarks = Path(args.benchmarks_bin) if args.benchmarks_bin else build_release("wenzheng-benchmarks", args.skip_build)
    anchor_dir = Path(tempfile.mkdtemp(prefix="wz-anchor-"))
    anchors, results, crashes = [], [], []
    started = time.monotonic()
    try:
        if args.anchor_seconds > 0:
            anchors.append(run_anchor(benchmarks, args.anchor_seconds, anchor_dir, "before", args.quiet_wait))
        for _ in range(args.runs):
            results.append(measured(run_scenario, binary, args=args))
        if args.anchor_seconds > 0:
            anchors.append(run_anchor(benchmarks, args.anchor_seconds, anchor_dir, "after", args.quiet_wait))
        if args.kill_after > 0:
            crashes = [run_crash(binary, args)]
    finally:
        shutil.rmtree(anchor_dir, ignore_errors=True)
    print_report(results, crashes, anchors)
    log(f"total {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"runs": results, "crashes": crashes, "anchors": anchors, "clients": args.clients,
                       "threads": args.threads, "addressLimit": args.address_limit},
                      handle, indent=2, ensure_ascii=False)
        log(f"results written to {args.json}")
    failed = [r for r in results if not r["ok"]] + [c for c in crashes if not c["ok"]]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
