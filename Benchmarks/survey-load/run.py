#!/usr/bin/env python3
"""Survey-response load benchmark: durable responses per second over HTTP.

Builds the release server and the benchmarks executable (scratch path
.build-release), runs the SQLite commit anchor (`wenzheng-benchmarks
sqlite-insert`), then for each survey mode starts a fresh `wenzheng serve`
on a throw-away database, has an admin create and open the 10-question
benchmark survey (`wenzheng-benchmarks survey-aggregate --print-survey`),
and lets wrk's 16 keep-alive connections POST responses to
/api/v1/surveys/{id}/responses back-to-back for a fixed time. After a
graceful stop the database file must hold every response answered 201.
Then the crash check: wrk posts again and the runner kill -9s the server
mid-run; every response answered 201 must be in the file. Then the
aggregation benchmark (`wenzheng-benchmarks survey-aggregate`: results of
100,000 responses), and the anchor again.

No request carries a cookie, so the server takes each one for a new
browser (it issues a fresh signed browser key): one response per browser
holds and every request is answered 201. All requests come from 127.0.0.1,
so the per-address limit is raised for the run with
--survey-answer-limit (the only server setting changed).

Usage: Benchmarks/survey-load/run.py [--quick] [--skip-build] [--seconds 15] ...
       (see --help; README.md describes what is measured)

Needs wrk (Debian: apt-get install wrk; the runner installs it when run as
root). Python standard library only; loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import signal
import sqlite3
import subprocess
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
WRK = WrkScript(HERE / "survey.lua", "SURVEY-LOAD")
MODES = {
    # The builder's default (`SurveyActions.blankDefinition`): open to
    # everyone, anonymous; the answer carries no response id.
    "anonymous": {"isAnonymous": True},
    # Open, not anonymous: the row keeps the time, the 201 names the
    # response, so the runner can check every one by id.
    "named": {"isAnonymous": False},
}


# MARK: wrk


# MARK: Server and survey


def survey_material(benchmarks: Path, samples: int) -> dict:
    result = subprocess.run([str(benchmarks), "survey-aggregate", "--print-survey", "--samples", str(samples)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.exit(f"error: survey-aggregate --print-survey failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout)


def open_survey(binary: Path, workdir: Path, material: dict, mode: str, args) -> tuple[Server, int, Path]:
    """A fresh server on an empty database, the survey created and opened by
    an admin through the API, and the request bodies for wrk."""
    database = workdir / "surveys.sqlite"
    create_user(binary, database, *ADMIN)
    server = Server(binary, database, extra=["--survey-answer-limit", args.answer_limit])
    api = Api(server.base)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    definition = dict(material["definition"], **MODES[mode], mode="open",
                      opensAt=(now - datetime.timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
                      closesAt=(now + datetime.timedelta(days=30)).isoformat().replace("+00:00", "Z"))
    try:
        api.login(*ADMIN)
        survey_id = int(api.request("POST", "/api/v1/surveys", definition, expect=201)["id"])
        api.request("POST", f"/api/v1/surveys/{survey_id}/state", {"state": "open"}, expect=200)
    except HarnessError as error:
        server.kill()
        sys.exit(f"error: setting up the survey failed: {error}\n{server.output()}")
    bodies = workdir / "bodies.jsonl"
    with open(bodies, "w") as handle:
        for answers in material["answers"]:
            handle.write(json.dumps({"answers": answers}, ensure_ascii=False, separators=(",", ":")) + "\n")
    return server, survey_id, bodies


def count_rows(path: Path, survey_id: int, ids: Path | None) -> dict:
    """What the database file holds for the survey (opened read-write, so a
    WAL left by a crash is recovered the way the server would on start)."""
    connection = sqlite3.connect(str(path))
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        one = lambda sql: connection.execute(sql, (survey_id,)).fetchone()[0]  # noqa: E731
        figures = {
            "integrity": integrity,
            "rows": one("SELECT count(*) FROM survey_response WHERE survey_id = ?"),
            "responseCount": one("SELECT response_count FROM survey WHERE id = ?"),
            "duplicateKeys": one("SELECT count(*) FROM survey_duplicate_key WHERE survey_id = ?"),
            "tallyShown": one("SELECT count FROM survey_tally WHERE survey_id = ? AND question_key = 'used' AND slot = 'shown'"),
        }
        if ids is not None:
            answered = {line.strip() for line in open(ids) if line.strip()}
            stored = {row[0] for row in connection.execute("SELECT id FROM survey_response WHERE survey_id = ?",
                                                           (survey_id,))}
            figures.update(idsAnswered=len(answered), idsMissing=len(answered - stored))
    finally:
        connection.close()
    consistent = figures["responseCount"] == figures["rows"] == figures["duplicateKeys"] == figures["tallyShown"]
    figures["consistent"] = consistent and integrity == "ok" and figures.get("idsMissing", 0) == 0
    return figures


# MARK: Scenarios


def run_scenario(binary: Path, material: dict, mode: str, args) -> dict:
    log(f"scenario {mode}: {args.clients} connections, {args.seconds:g} s (after {args.warmup:g} s of warm-up)")
    workdir = Path(tempfile.mkdtemp(prefix="wz-survey-"))
    server, survey_id, bodies = open_survey(binary, workdir, material, mode, args)
    url = f"{server.base}/api/v1/surveys/{survey_id}/responses"
    ids = workdir / "ids.txt" if not MODES[mode]["isAnonymous"] else None
    perf = None
    try:
        warm = WRK.finish(WRK.start(url, args.warmup, args, bodies, None), args.warmup + 60)
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
        stored = count_rows(server.database, survey_id, ids)
        ok = check_stored(stored, created, 2 * args.clients) and set(timed["statuses"]) == {201}
        log(f"{mode}: {timed['created']} responses (201) in {timed['seconds']:.2f} s = {timed['perSecond']:.0f}/s; "
            f"p50 {timed['latencyMicroseconds']['p50'] / 1000:.2f} ms, p99 {timed['latencyMicroseconds']['p99'] / 1000:.2f} ms; "
            f"server CPU {cpu['serverCpuSeconds']:.1f} s, wrk and runner {cpu['clientCpuSeconds']:.1f} s, "
            f"others {cpu['otherCpuSeconds']:.1f} s" + (f" ({', '.join(cpu['otherProcesses'])})" if cpu["otherCpuSeconds"] > 1 else ""))
        if not ok:
            log(f"VERIFICATION FAILED: statuses {timed['statuses']}, stored {stored}, answered 201: {created}")
        profile = perf_report(workdir / "perf.data") if perf is not None else None
        return {"mode": mode, **MODES[mode], "warmUp": warm, **timed, **cpu, "created": timed["created"],
                "serverCpuMsPerResponse": cpu["serverCpuSeconds"] * 1000 / max(1, timed["created"]),
                "busyCoresBefore": busy_before, "serverThreads": threads, "serverExit": status,
                "stored": stored, "answered201": created, "ok": ok, "profile": profile}
    finally:
        if perf is not None and perf.poll() is None:
            perf.kill()
            perf.wait()
        server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def run_crash(binary: Path, material: dict, mode: str, args) -> dict:
    """kill -9 while wrk posts; afterwards every 201 must be in the file."""
    log(f"crash check {mode}: kill -9 after {args.kill_after:g} s of posting")
    workdir = Path(tempfile.mkdtemp(prefix="wz-survey-kill-"))
    server, survey_id, bodies = open_survey(binary, workdir, material, mode, args)
    ids = workdir / "ids.txt" if not MODES[mode]["isAnonymous"] else None
    try:
        wait_for_quiet(args.quiet_wait)
        load = WRK.start(f"{server.base}/api/v1/surveys/{survey_id}/responses", args.kill_after + 60, args, bodies, ids)
        time.sleep(args.kill_after)
        server.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        server.process.wait(10)
        time.sleep(0.5)
        load.send_signal(signal.SIGINT)  # wrk stops, reports and runs done()
        result = WRK.finish(load, 60)
        stored = count_rows(server.database, survey_id, ids)
        ok = check_stored(stored, result["created"], args.clients)
        log(f"crash check {mode}: wrk saw {result['created']} responses answered 201 "
            f"(statuses {result['statuses']}, errors {result['errors']}); after kill -9 the file holds "
            f"{stored['rows']} (integrity {stored['integrity']}, response_count {stored['responseCount']}"
            + (f", ids missing {stored['idsMissing']} of {stored['idsAnswered']}" if ids else "") + ")"
            + ("" if ok else "  FAILED"))
        return {"mode": mode, "killAfterSeconds": args.kill_after, "wrkStoppedAfterKillSeconds": time.monotonic() - killed_at,
                "created": result["created"], "statuses": result["statuses"], "errors": result["errors"],
                "stored": stored, "extraRows": stored["rows"] - result["created"], "ok": ok}
    finally:
        server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def run_aggregation(benchmarks: Path, args) -> dict:
    wait_for_quiet(args.quiet_wait)
    command = [str(benchmarks), "survey-aggregate", "--responses", str(args.aggregate_responses), "--runs",
               str(args.aggregate_runs), "--directory", tempfile.gettempdir()]
    log("aggregation: " + " ".join(command[1:]))
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    text = result.stdout.strip()
    log("aggregation:\n" + text + (("\n" + result.stderr.strip()) if result.stderr.strip() else ""))
    figures: dict = {"output": text, "ok": result.returncode == 0}
    for line in text.splitlines():
        words = line.split()
        if line.strip().startswith("results") and "median" in words:
            figures["medianMs"] = float(words[words.index("median") + 1])
            figures["maxMs"] = float(words[words.index("max") + 1])
        if line.strip().startswith("recount"):
            figures["recountMs"] = float(words[-2])
        if line.strip().startswith("fill"):
            figures["fillPerSecond"] = float(words[words.index("submitSurveyResponse:") + 1])
    return figures


# MARK: Report


def print_report(results: list[dict], crashes: list[dict], aggregation: dict | None, anchors: list[dict]) -> None:
    best_anchor = max((a["perSecond"] for a in anchors), default=0)
    print()
    print("| survey | responses (201) | seconds | **responses/s** | × best anchor | p50 ms | p90 ms | p99 ms | max ms "
          "| server CPU ms per response | server cores | wrk + runner cores | other CPU s | stored after stop |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        lat = r["latencyMicroseconds"]
        s = r["stored"]
        stored = f"{s['rows']} rows for {r['answered201']} answered 201" + (
            f", all {s['idsAnswered']} ids" if "idsAnswered" in s and s["idsMissing"] == 0 else "") + ("" if r["ok"] else " FAILED")
        ratio = f"{r['perSecond'] / best_anchor:.2f}" if best_anchor else "–"
        print(f"| {r['mode']} | {r['created']} | {r['seconds']:.2f} | **{r['perSecond']:.0f}** | {ratio} "
              f"| {lat['p50'] / 1000:.2f} | {lat['p90'] / 1000:.2f} | {lat['p99'] / 1000:.2f} | {lat['max'] / 1000:.2f} "
              f"| {r['serverCpuMsPerResponse']:.3f} | {r['serverCpuSeconds'] / r['seconds']:.2f} "
              f"| {r['clientCpuSeconds'] / r['seconds']:.2f} | {r['otherCpuSeconds']:.1f} | {stored} |")
    print()
    if anchors:
        print_anchor_table(anchors)
        print()
    if crashes:
        print("| kill -9 check | answered 201 before the kill | rows in the file | rows − 201s | integrity | result |")
        print("| --- | ---: | ---: | ---: | --- | --- |")
        for c in crashes:
            s = c["stored"]
            ids = f"; all {s['idsAnswered']} ids present" if "idsAnswered" in s and s["idsMissing"] == 0 else ""
            print(f"| {c['mode']} (after {c['killAfterSeconds']:g} s) | {c['created']} | {s['rows']} | {c['extraRows']} "
                  f"| {s['integrity']}, response_count = rows = tally{ids} | {'ok' if c['ok'] else 'FAILED'} |")
        print()
    if aggregation:
        print(f"aggregation: surveyResults median {aggregation.get('medianMs', float('nan')):.3f} ms, "
              f"max {aggregation.get('maxMs', float('nan')):.3f} ms; recount from rows "
              f"{aggregation.get('recountMs', float('nan')):.1f} ms; {'ok' if aggregation['ok'] else 'FAILED'}")
    for r in results:
        errors = {k: v for k, v in r["errors"].items() if v}
        print(f"{r['mode']}: statuses {r['statuses']}, wrk errors {errors or 'none'}; warm-up {r['warmUp']['created']} "
              f"responses; server threads {r['serverThreads']}; machine busy before {r['busyCoresBefore']:.2f} cores; "
              f"attempts {r['attempts']}")
        if r["profile"]:
            print("perf (server, self time):")
            for line in r["profile"]:
                print("    " + line)
    if anchors and results:
        top = max(r["perSecond"] for r in results)
        print(f"\nbest responses/s {top:.0f} = {top / best_anchor:.2f} × the best anchor ({best_anchor:,} commits/s); "
              f"target 0.5 ×: {'met' if top >= 0.5 * best_anchor else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="server binary (default: build release into .build-release)")
    parser.add_argument("--benchmarks-bin", help="wenzheng-benchmarks binary (default: build it likewise)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing .build-release binaries")
    parser.add_argument("--modes", default="anonymous,named", help=f"survey modes to load (comma list of {', '.join(MODES)})")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive connections (wrk -c)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (wrk -t)")
    parser.add_argument("--seconds", type=float, default=15, help="timed posting per mode")
    parser.add_argument("--warmup", type=float, default=3, help="untimed posting before it")
    parser.add_argument("--answer-limit", default="1000000/1s",
                        help="--survey-answer-limit for the server (all requests come from 127.0.0.1)")
    parser.add_argument("--anchor-seconds", type=float, default=5, help="sqlite-insert run time, before and after")
    parser.add_argument("--kill-after", type=float, default=5, help="crash check: posting time before kill -9 (0 skips)")
    parser.add_argument("--aggregate-responses", type=int, default=100_000, help="survey-aggregate --responses (0 skips)")
    parser.add_argument("--aggregate-runs", type=int, default=20, help="survey-aggregate --runs")
    parser.add_argument("--samples", type=int, default=256, help="different request bodies wrk cycles through")
    parser.add_argument("--perf", action="store_true", help="perf record the server in each timed run (slows it down)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 4 s per mode, 1 s warm-up, 2 s anchors and kill, 10,000 responses to aggregate")
    parser.add_argument("--retries", type=int, default=1,
                        help="run a mode again (at most this often) when other processes used >5%% of the CPU")
    parser.add_argument("--quiet-wait", type=float, default=300,
                        help="before each step wait up to this long for other processes to go quiet")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warmup, args.anchor_seconds, args.kill_after = 4, 1, 2, 2
        args.aggregate_responses, args.aggregate_runs = 10_000, 10
    modes = [m for m in args.modes.split(",") if m]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        sys.exit(f"error: unknown mode(s) {unknown}; choose from {', '.join(MODES)}")
    args.wrk = ensure_wrk()

    binary = Path(args.bin) if args.bin else build_release("wenzheng", args.skip_build)
    benchmarks = Path(args.benchmarks_bin) if args.benchmarks_bin else build_release("wenzheng-benchmarks", args.skip_build)
    material = survey_material(benchmarks, args.samples)
    anchor_dir = Path(tempfile.mkdtemp(prefix="wz-anchor-"))
    anchors, results, crashes, aggregation = [], [], [], None
    started = time.monotonic()
    try:
        if args.anchor_seconds > 0:
            anchors.append(run_anchor(benchmarks, args.anchor_seconds, anchor_dir, "before", args.quiet_wait))
        for mode in modes:
            results.append(measured(run_scenario, binary, material, mode, args=args))
        if args.anchor_seconds > 0:
            anchors.append(run_anchor(benchmarks, args.anchor_seconds, anchor_dir, "after", args.quiet_wait))
        if args.kill_after > 0:
            crashes = [run_crash(binary, material, mode, args) for mode in modes]
        if args.aggregate_responses > 0:
            aggregation = run_aggregation(benchmarks, args)
    finally:
        shutil.rmtree(anchor_dir, ignore_errors=True)
    print_report(results, crashes, aggregation, anchors)
    log(f"total {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"scenarios": results, "crashes": crashes, "aggregation": aggregation, "anchors": anchors,
                       "clients": args.clients, "threads": args.threads, "answerLimit": args.answer_limit},
                      handle, indent=2, ensure_ascii=False)
        log(f"results written to {args.json}")
    failed = ([r for r in results if not r["ok"]] + [c for c in crashes if not c["ok"]]
              + ([aggregation] if aggregation and not aggregation["ok"] else []))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
