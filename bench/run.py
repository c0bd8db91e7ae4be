"""`make bench`: the pure pipeline against a bare stdlib parse, the cold start against boto3, and the
approval route's Step Functions state transitions.

    python -m bench.run [--rounds 7] [--cold-runs 9] [--profile | --no-profile] [--quick]

Prints a PASS/MISS line per figure, writes bench/results.json, and always exits 0 when the bench itself
ran (a missed target is a finding, not a crash). What each figure means: bench/README.md.
"""
from __future__ import annotations

import argparse
import cProfile
import email
import email.policy
import gc
import json
import math
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import Pipeline
from bench import aws_cost, routes
from bench.coldstack import RAW_KEY, ColdStack, ColdStartFailed

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results.json"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mail"
COLD_MAIL = "new_27_en_apple_qp_documents_auto_submitted_no.eml"
"""A request that opens no approval route: the path most mail takes (the baseline replays no Step
Functions calls)."""
APP_CHILD = "bench/coldstart_app.py"
BOTO3_CHILD = "bench/coldstart_boto3.py"
"""The cold children, relative to the repository root (their working folder)."""

PIPELINE_TARGET = 1.3
COLDSTART_TARGET = 1.3
BLOCK_SECONDS = 0.003
"""Each (file, side) is timed as a block of calls lasting at least this long; the per-call time is block/n."""
MAX_INNER = 100

perf = time.perf_counter


# --- the two sides of figure (a) --------------------------------------------------------------------

def stdlib_parse(raw: bytes):
    """The yardstick: what the standard library alone does with the same bytes."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(("plain", "html"))
    return body.get_content() if body is not None else None


def _outcome(fn, raw: bytes) -> str:
    try:
        result = fn(raw)
    except Exception as exc:  # noqa: BLE001  recorded, and the bench goes on
        return f"error:{type(exc).__name__}"
    return result[0] if isinstance(result, tuple) else ("body" if result is not None else "no_body")


def _block(fn, raw: bytes, n: int) -> float:
    """Seconds per call of `fn(raw)` over n calls; both sides go through exactly this wrapper."""
    start = perf()
    for _ in range(n):
        try:
            fn(raw)
        except Exception:  # noqa: BLE001, S110
            pass
    return (perf() - start) / n


def load_corpus() -> list[tuple[str, bytes]]:
    files = sorted(CORPUS.glob("*.eml"))
    if not files:
        raise SystemExit(f"no .eml files in {CORPUS}")
    return [(f.name, f.read_bytes()) for f in files]


def bench_pipeline(corpus, pipeline: Pipeline, rounds: int, log) -> dict:
    sides = {"pipeline": pipeline.run, "stdlib": stdlib_parse}
    outcomes = {name: {s: _outcome(fn, raw) for s, fn in sides.items()} for name, raw in corpus}
    # Warm-up: lazy imports, jinja2 template compilation, regex and lru caches (a warm Lambda container).
    estimate = {}
    for _ in range(2):
        for name, raw in corpus:
            estimate[name] = {s: _block(fn, raw, 1) for s, fn in sides.items()}
    inner = {name: {s: max(1, min(MAX_INNER, math.ceil(BLOCK_SECONDS / max(seconds, 1e-7))))
                    for s, seconds in e.items()} for name, e in estimate.items()}

    per_file = {name: {s: [] for s in sides} for name, _ in corpus}
    totals = {s: [] for s in sides}
    for r in range(rounds):
        gc.collect()
        round_total = dict.fromkeys(sides, 0.0)
        for i, (name, raw) in enumerate(corpus):
            order = ("pipeline", "stdlib") if (r + i) % 2 == 0 else ("stdlib", "pipeline")
            for side in order:
                seconds = _block(sides[side], raw, inner[name][side])
                per_file[name][side].append(seconds)
                round_total[side] += seconds
        for side in sides:
            totals[side].append(round_total[side])
        log(f"  round {r + 1}/{rounds}: pipeline {round_total['pipeline'] * 1e3:8.2f} ms   "
            f"stdlib {round_total['stdlib'] * 1e3:7.2f} ms   "
            f"ratio {round_total['pipeline'] / round_total['stdlib']:5.2f}x")

    files = []
    for name, _ in corpus:
        p, s = statistics.median(per_file[name]["pipeline"]), statistics.median(per_file[name]["stdlib"])
        files.append({"file": name, "pipeline_ms": round(p * 1e3, 4), "stdlib_ms": round(s * 1e3, 4),
                      "ratio": round(p / s, 2) if s else None, "excess_ms": round((p - s) * 1e3, 4),
                      "outcome": outcomes[name]["pipeline"], "stdlib_outcome": outcomes[name]["stdlib"],
                      "calls_per_block": inner[name]})
    med = {s: statistics.median(v) for s, v in totals.items()}
    paired = [p / s for p, s in zip(totals["pipeline"], totals["stdlib"])]
    return {
        "ratio": med["pipeline"] / med["stdlib"],
        "paired_ratio_median": statistics.median(paired),
        "pipeline_ms": med["pipeline"] * 1e3,
        "stdlib_ms": med["stdlib"] * 1e3,
        "rounds_pipeline_ms": [round(t * 1e3, 3) for t in totals["pipeline"]],
        "rounds_stdlib_ms": [round(t * 1e3, 3) for t in totals["stdlib"]],
        "files": files,
    }


# --- figure (b): cold start ---------------------------------------------------------------------------

def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "RF_BENCH"))}
    env.update(TZ="UTC", AWS_DEFAULT_REGION=env.get("AWS_DEFAULT_REGION", "eu-west-1"))
    return env


def _spawn(argv: list[str], base_env: dict[str, str], extra_flags: tuple[str, ...] = ()) -> tuple[float, str, str]:
    """(parent-measured wall seconds of the whole process, stdout, stderr)."""
    start = perf()
    env = {**base_env, "RF_BENCH_T0": repr(start)}
    proc = subprocess.Popen([sys.executable, "-I", *extra_flags, *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = perf() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{err.decode(errors='replace')[-3000:]}")
    return wall, out.decode(), err.decode(errors="replace")


def _parse_child(line: str) -> dict[str, float]:
    fields = line.strip().split()
    if not fields or fields[0] != "coldstart":
        raise RuntimeError(f"unexpected child output: {line!r}")
    found = {"script": float(fields[1]), "spawn_to_end": float(fields[2])}
    for item in fields[3:]:
        key, _, value = item.partition("=")
        found[key] = float(value)
    return found


class ColdRun:
    """One timed cold child: its parent-measured wall time, its own stamps, and the AWS calls it made."""

    def __init__(self, wall: float, stamps: dict[str, float], calls: dict, outcome: dict | None = None):
        self.wall, self.stamps, self.calls, self.outcome = wall, stamps, calls, outcome


def _outcome_line(out: str) -> dict:
    for line in out.splitlines():
        if line.startswith("outcome "):
            return json.loads(line.removeprefix("outcome "))
    raise RuntimeError(f"the app child printed no outcome:\n{out[-2000:]}")


def cold_app_run(stack: ColdStack, env: dict[str, str], extra_flags: tuple[str, ...] = ()) -> tuple[ColdRun, str]:
    """A fresh desk, one app child handling the SNS event, and proof that it did: (run, stderr).

    Raises ColdStartFailed unless the request exists and its acknowledgement reached SES, so the bench
    cannot time a failure.
    """
    stack.reset()
    event = json.dumps(stack.sns_event([stack.desk_address]))
    wall, out, err = _spawn([APP_CHILD], {**env, **stack.function_environment(), "RF_BENCH_EVENT": event},
                            extra_flags)
    calls = stack.counter.take()  # before the checks below, which read the table themselves
    outcome = _outcome_line(out)
    stack.check_handled(outcome)
    return ColdRun(wall, _parse_child(out.strip().splitlines()[-1]), calls, outcome), err


def cold_boto3_run(stack: ColdStack, env: dict[str, str], calls: dict, mail: dict,
                   extra_flags: tuple[str, ...] = ()) -> tuple[ColdRun, str]:
    """A fresh desk and one bare-boto3 child replaying `calls`; it must have made exactly those calls."""
    stack.reset()
    plan = json.dumps({"calls": calls, "raw_key": RAW_KEY, "source": mail["source"],
                       "destination": mail["destination"]})
    wall, out, err = _spawn([BOTO3_CHILD], {**env, **stack.function_environment(), "RF_BENCH_PLAN": plan},
                            extra_flags)
    made = stack.counter.take()
    if made != calls:
        raise ColdStartFailed(f"the boto3 child made {made}, the app {calls}")
    return ColdRun(wall, _parse_child(out.strip().splitlines()[-1]), made), err


def deployed_config() -> Path:
    """Snapshot the config as packaging does (devstack/package.py), so cold children load what Lambda loads."""
    from chalicelib.core.config import write_snapshot
    from chalicelib.settings import DEFAULT_CONFIG

    return write_snapshot(DEFAULT_CONFIG)


def bench_coldstart(runs: int, log) -> dict:
    deployed_config()
    env = _child_env()
    stack = ColdStack((CORPUS / COLD_MAIL).read_bytes()).start()
    try:
        # Warm-up (not timed): .pyc files written, OS file cache filled; the first app run tells how
        # many calls of each AWS operation one event costs, which the boto3 child then replays.
        first, _ = cold_app_run(stack, env)
        calls, mail = first.calls, stack.acknowledgement_route(first.outcome)
        cold_app_run(stack, env)
        for _ in range(2):
            cold_boto3_run(stack, env, calls, mail)
        timed: dict[str, list[ColdRun]] = {"app": [], "boto3": []}
        for r in range(runs):
            for side in (("app", "boto3") if r % 2 == 0 else ("boto3", "app")):
                if side == "app":
                    run, _ = cold_app_run(stack, env)
                    if run.calls != calls:
                        raise ColdStartFailed(f"app run {r + 1} made {run.calls}, the first one {calls}")
                else:
                    run, _ = cold_boto3_run(stack, env, calls, mail)
                timed[side].append(run)
            log(f"  run {r + 1}/{runs}: app {timed['app'][-1].wall * 1e3:7.1f} ms   "
                f"boto3 {timed['boto3'][-1].wall * 1e3:7.1f} ms")
    finally:
        stack.stop()
    empty = [_spawn(["-c", "pass"], env)[0] for _ in range(5)]

    def med_ms(values):
        return statistics.median(values) * 1e3

    result = {"sides": {}}
    for side, side_runs in timed.items():
        stamps = [run.stamps for run in side_runs]
        phases = {key: round(med_ms([s[key] for s in stamps]), 2) for key in stamps[0]}
        result["sides"][side] = {
            "parent_wall_ms": round(med_ms([run.wall for run in side_runs]), 2),
            "in_child_script_ms": phases.pop("script"),
            "in_child_spawn_to_end_ms": phases.pop("spawn_to_end"),
            "phases_ms": phases,
            "runs_parent_wall_ms": [round(run.wall * 1e3, 2) for run in side_runs],
        }
    a, b = result["sides"]["app"], result["sides"]["boto3"]
    result["ratio"] = a["parent_wall_ms"] / b["parent_wall_ms"]
    result["ratio_in_child_script"] = a["in_child_script_ms"] / b["in_child_script_ms"]
    result["ratio_in_child_spawn_to_end"] = a["in_child_spawn_to_end_ms"] / b["in_child_spawn_to_end_ms"]
    result["paired_ratio_median"] = statistics.median(
        x.wall / y.wall for x, y in zip(timed["app"], timed["boto3"]))
    result["empty_interpreter_ms"] = round(med_ms(empty), 2)
    result["cold_mail"] = COLD_MAIL
    result["aws_calls_per_event"] = calls
    result["acknowledgement_route"] = mail
    result["outcome"] = {k: first.outcome[k] for k in ("outcome", "ticket", "category", "language", "assignee")}
    return result


# --- profiling (on a miss, or --profile) ----------------------------------------------------------------

def stage_breakdown(corpus, pipeline: Pipeline, passes: int = 3) -> dict:
    """Where the pipeline's time goes, stage by stage (analyze() opened up; outside the timed figure)."""
    from chalicelib.core.requests.intake import analyze, classify_mail
    from chalicelib.core.mail.language import detect_language
    from chalicelib.core.mail.mime import parse_mime
    from chalicelib.core.mail.outbound import acknowledgement, compose
    from chalicelib.core.mail.quotes import new_text
    from chalicelib.core.mail.screening import screen
    from bench import NOW, TICKET

    config = pipeline.config
    own = config.desk.own_addresses
    stage_names = ("parse_mime", "new_text", "screen", "detect_language", "analyze (whole)", "classify",
                   "request", "status_url", "acknowledgement (jinja2)", "compose (EmailMessage)")
    runs = []
    worst: dict[str, dict[str, float]] = {}
    for _ in range(passes):
        totals = dict.fromkeys(stage_names, 0.0)
        for name, raw in corpus:
            t = {}
            s = perf(); mail = parse_mime(raw); t["parse_mime"] = perf() - s  # noqa: E702
            s = perf(); new_text(mail.text); t["new_text"] = perf() - s  # noqa: E702
            s = perf(); screened = screen(mail, own); t["screen"] = perf() - s  # noqa: E702
            s = perf(); detect_language(mail.subject, mail.text); t["detect_language"] = perf() - s  # noqa: E702
            s = perf(); analysis = analyze(raw, config, pipeline.reply_addresses, pipeline.envelope)
            t["analyze (whole)"] = perf() - s
            if screened is None and analysis.looks_like_mail:
                s = perf(); c = classify_mail(config, analysis); t["classify"] = perf() - s  # noqa: E702
                s = perf(); request = pipeline.request_for(analysis, c); t["request"] = perf() - s  # noqa: E702
                s = perf(); url = pipeline.status_links.url(TICKET); t["status_url"] = perf() - s  # noqa: E702
                if request.customer_email:
                    m = analysis.mail
                    s = perf()
                    ack = acknowledgement(config, pipeline.templates, request, analysis.text or m.text, url,
                                          m.message_id, list(m.references))
                    t["acknowledgement (jinja2)"] = perf() - s
                    s = perf(); compose(ack, NOW); t["compose (EmailMessage)"] = perf() - s  # noqa: E702
            for k, v in t.items():
                totals[k] += v
                if v > worst.setdefault(k, {}).get("ms", 0) / 1e3:
                    worst[k] = {"file": name, "ms": round(v * 1e3, 3)}
        runs.append(totals)
    return {
        "corpus_ms": {k: round(statistics.median(r[k] for r in runs) * 1e3, 3) for k in stage_names},
        "worst_file": worst,
        "note": "parse_mime + new_text + screen + detect_language ≈ analyze (whole); analyze also finds thread "
                "signals. Stages after analyze run only for unscreened mail, as in the pipeline.",
    }


def cprofile_top(corpus, pipeline: Pipeline, limit: int = 20) -> dict[str, list[dict]]:
    """One profiled pass: the heaviest functions by own time, and chalicelib's functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for name, raw in corpus:
        pipeline.run(raw)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        short = filename.replace(str(ROOT) + "/", "")
        short = re.sub(r".*/(site-packages|python3\.\d+)/", "", short)
        rows.append({"function": f"{short}:{line}({func})", "calls": nc, "tottime_ms": round(tt * 1e3, 3),
                     "cumtime_ms": round(ct * 1e3, 3)})
    own = [r for r in rows if r["function"].startswith("chalicelib/")]
    return {
        "top_tottime": sorted(rows, key=lambda r: -r["tottime_ms"])[:limit],
        "chalicelib_top_cumtime": sorted(own, key=lambda r: -r["cumtime_ms"])[:limit],
    }


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime_top(err: str, limit: int = 15) -> dict:
    """The -X importtime report of one cold child: its top-level imports and heaviest modules, in ms."""
    entries = []
    for line in err.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            entries.append((m.group(4), int(m.group(1)) / 1e3, int(m.group(2)) / 1e3, len(m.group(3)) // 2))
    top_level = sorted(((n, c) for n, _, c, depth in entries if depth == 0), key=lambda x: -x[1])
    heaviest_self = sorted(entries, key=lambda e: -e[1])[:limit]
    heaviest_cum = sorted((e for e in entries if e[3] <= 3), key=lambda e: -e[2])[:limit]
    return {
        "top_level_cumulative_ms": {n: round(c, 2) for n, c in top_level[:limit]},
        "heaviest_self_ms": {n: round(s, 2) for n, s, _, _ in heaviest_self},
        "heaviest_cumulative_ms_depth_le_3": {f"{'  ' * d}{n}": round(c, 2) for n, _, c, d in heaviest_cum},
        "total_import_ms": round(sum(c for _, _, c, d in entries if d == 0), 2),
    }


def _short(where: str) -> str:
    return re.sub(r".*/(site-packages|python3\.\d+)/", "", where.replace(str(ROOT) + "/", ""))


def cprofile_rows(path: Path, limit: int = 25) -> list[dict]:
    """A profiled cold child by cumulative time, imports machinery and exec() left out."""
    stats = pstats.Stats(str(path))
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][3]):
        where = _short(f"{filename}:{line}({func})")
        if "builtins.exec" in where or "<frozen importlib" in where or "builtins.__import__" in where:
            continue
        rows.append({"function": where, "calls": nc, "cumtime_ms": round(ct * 1e3, 3),
                     "tottime_ms": round(tt * 1e3, 3)})
        if len(rows) == limit:
            break
    return rows


def profile_coldstart(calls: dict, mail: dict) -> dict:
    """-X importtime of each cold child, and cProfile of the app child (outside the timed figures)."""
    import tempfile

    deployed_config()
    env = _child_env()
    stack = ColdStack((CORPUS / COLD_MAIL).read_bytes()).start()
    try:
        _, app_err = cold_app_run(stack, env, ("-X", "importtime"))
        _, boto3_err = cold_boto3_run(stack, env, calls, mail, ("-X", "importtime"))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "app.prof"
            cold_app_run(stack, env, ("-m", "cProfile", "-o", str(out)))
            app_cprofile = cprofile_rows(out)
    finally:
        stack.stop()
    return {"coldstart_app_importtime": importtime_top(app_err),
            "coldstart_boto3_importtime": importtime_top(boto3_err),
            "coldstart_app_cprofile": app_cprofile}


# --- reporting ------------------------------------------------------------------------------------------

def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds over the corpus (figure a)")
    parser.add_argument("--cold-runs", type=int, default=9, help="timed fresh processes per side (figure b)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 4 cold runs: a smoke run")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=None,
                        help="profile (default: only when a target is missed)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--cost-requests", type=int, default=COST_REQUESTS,
                        help="orders counted for figure (d), scaled to 1,000 (1000: no scaling)")
    parser.add_argument("--only-cost", action="store_true",
                        help="run figure (d) alone and update its entries in the results file")
    parser.add_argument("--digest-only", action="store_true",
                        help="only figure (e), the digest's reads; updates its entries in the results file")
    args = parser.parse_args(argv)
    if args.only_cost:
        return only_cost(args)
    if args.digest_only:
        return digest_figure(args.out, lambda text="": print(text, flush=True))
    if args.quick:
        args.rounds, args.cold_runs = 3, 4
    os.environ["TZ"] = "UTC"
    time.tzset()

    def log(text: str = "") -> None:
        print(text, flush=True)

    corpus = load_corpus()
    log(f"requestflow bench — Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; corpus {CORPUS.relative_to(ROOT)} ({len(corpus)} .eml files, "
        f"{sum(len(r) for _, r in corpus) / 1024:.0f} KiB)")

    log(f"\n(a) pure pipeline vs stdlib parse: {args.rounds} rounds, sides alternated per file")
    pipeline = Pipeline()
    a = bench_pipeline(corpus, pipeline, args.rounds, log)

    log(f"\n(b) cold start, app handling one SNS event end to end vs bare boto3 making the same AWS calls: "
        f"{args.cold_runs} fresh processes per side, alternated, against moto in server mode")
    b = bench_coldstart(args.cold_runs, log)
    app_side, boto_side = b["sides"]["app"], b["sides"]["boto3"]

    log(f"\n(c) approval route {routes.ROUTE} end to end on the embedded stack (time scale {routes.TIME_SCALE:g}), "
        f"every task decided through its signed link: Step Functions states entered")
    c = routes.bench_routes(log)
    happy, rejected = c[routes.HAPPY.name], c[routes.REJECTED_ONCE.name]

    figures = {
        "pipeline_vs_stdlib": {"value": round(a["ratio"], 3), "unit": "x", "target": PIPELINE_TARGET},
        "coldstart_vs_boto3": {"value": round(b["ratio"], 3), "unit": "x", "target": COLDSTART_TARGET},
        "pipeline_corpus_ms": {"value": round(a["pipeline_ms"], 3), "unit": "ms", "target": None},
        "stdlib_corpus_ms": {"value": round(a["stdlib_ms"], 3), "unit": "ms", "target": None},
        "coldstart_app_ms": {"value": app_side["parent_wall_ms"], "unit": "ms", "target": None},
        "coldstart_boto3_ms": {"value": boto_side["parent_wall_ms"], "unit": "ms", "target": None},
        "route_transitions_per_person_task": {"value": round(happy.per_person_task, 3), "unit": "transitions",
                                              "target": routes.BUDGET_PER_PERSON_TASK},
        "route_transitions_per_request": {"value": happy.transitions, "unit": "transitions", "target": None},
        "route_usd_per_1000_requests": {"value": round(happy.usd_per_1000_requests, 4), "unit": "USD",
                                        "target": None},
        "route_rejected_transitions_per_person_task": {"value": round(rejected.per_person_task, 3),
                                                       "unit": "transitions", "target": None},
        "route_rejected_transitions_per_request": {"value": rejected.transitions, "unit": "transitions",
                                                   "target": None},
        "route_rejected_usd_per_1000_requests": {"value": round(rejected.usd_per_1000_requests, 4), "unit": "USD",
                                                 "target": None},
    }
    log(f"\n(d) AWS cost of 1,000 orders through {routes.ROUTE}, from operations counted on the embedded stack")
    d = aws_cost.bench_cost(args.cost_requests, COST_BATCH, log)
    figures.update(cost_figures(d))
    verdicts = {name: verdict(f["value"], f["target"]) for name, f in figures.items() if f["target"] is not None}
    for name, v in verdicts.items():
        figures[name]["verdict"] = v

    worst_ratio = sorted(a["files"], key=lambda f: -(f["ratio"] or 0))[:8]
    worst_excess = sorted(a["files"], key=lambda f: -f["excess_ms"])[:8]
    context = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "corpus": {"dir": str(CORPUS.relative_to(ROOT)), "files": len(corpus), "bytes": sum(len(r) for _, r in corpus)},
        "pipeline": {
            "rounds": args.rounds, "block_seconds_min": BLOCK_SECONDS, "aggregate": "median of round totals",
            "paired_ratio_median": round(a["paired_ratio_median"], 3),
            "rounds_pipeline_ms": a["rounds_pipeline_ms"], "rounds_stdlib_ms": a["rounds_stdlib_ms"],
            "outcomes": _count(f["outcome"] for f in a["files"]),
            "stdlib_outcomes": _count(f["stdlib_outcome"] for f in a["files"]),
            "worst_files_by_ratio": worst_ratio, "worst_files_by_excess_ms": worst_excess,
            "files": a["files"],
        },
        "coldstart": {
            "runs_per_side": args.cold_runs, "aggregate": "median of parent-measured process wall time",
            "ratio_in_child_script": round(b["ratio_in_child_script"], 3),
            "ratio_in_child_spawn_to_end": round(b["ratio_in_child_spawn_to_end"], 3),
            "paired_ratio_median": round(b["paired_ratio_median"], 3),
            "empty_interpreter_ms": b["empty_interpreter_ms"], "cold_mail": b["cold_mail"],
            "event_outcome": b["outcome"], "aws_calls_per_event": b["aws_calls_per_event"],
            "aws": "moto server in the bench process, reset and the template's resources made before each child",
            "interpreter": f"python {sys.version.split()[0]} -I", **b["sides"],
        },
        "routes": {
            "route": routes.ROUTE, "time_scale": routes.TIME_SCALE,
            "usd_per_1000_transitions": routes.USD_PER_1000_TRANSITIONS,
            "budget_transitions_per_person_task": routes.BUDGET_PER_PERSON_TASK,
            "counted": "states entered in GetExecutionHistory (RouteMachines.transitions)",
            "scenarios": {s.name: {"description": s.description, **c[s.name].to_dict()} for s in routes.SCENARIOS},
        },
        "aws_cost": d,
    }

    log("\nworst files (pipeline vs stdlib, median ms per call):")
    for f in worst_excess[:6]:
        log(f"  {f['file'][:52]:52} {f['pipeline_ms']:9.3f} vs {f['stdlib_ms']:7.3f}  {f['ratio']:7.2f}x  "
            f"{f['outcome']}")
    log(f"\ncold start phases (median ms): app {app_side['phases_ms']}; boto3 {boto_side['phases_ms']}; "
        f"empty interpreter {b['empty_interpreter_ms']} ms")

    timed = ("pipeline_vs_stdlib", "coldstart_vs_boto3")
    want_profile = args.profile if args.profile is not None else any(verdicts[n] == "MISS" for n in timed)
    if want_profile:
        log("\nprofiling ...")
        context["profile"] = {
            "pipeline_stages": stage_breakdown(corpus, pipeline),
            "pipeline_cprofile": cprofile_top(corpus, pipeline),
            **profile_coldstart(b["aws_calls_per_event"], b["acknowledgement_route"]),
        }
        prof = context["profile"]
        log("  pipeline stages over the corpus (ms): " + ", ".join(
            f"{k} {v}" for k, v in prof["pipeline_stages"]["corpus_ms"].items()))
        log("  pipeline, chalicelib functions by cumulative time under cProfile (ms): " + ", ".join(
            f"{r['function'].removeprefix('chalicelib/core/')} {r['cumtime_ms']:.1f}"
            for r in prof["pipeline_cprofile"]["chalicelib_top_cumtime"][:10]))
        log("  cold app top-level imports (ms): " + ", ".join(
            f"{k} {v}" for k, v in list(prof["coldstart_app_importtime"]["top_level_cumulative_ms"].items())[:8]))
        log(f"  (details in {_shown(args.out)})")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**figures, "context": context}, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    digest_figure(args.out, log)

    log("\nfigures:")
    log(f"  (a) pipeline vs stdlib: {a['ratio']:.2f}x  ({a['pipeline_ms']:.2f} ms vs {a['stdlib_ms']:.2f} ms "
        f"for the corpus; target <= {PIPELINE_TARGET}x)  {verdicts['pipeline_vs_stdlib']}")
    log(f"  (b) cold start vs boto3: {b['ratio']:.2f}x  ({app_side['parent_wall_ms']:.1f} ms vs "
        f"{boto_side['parent_wall_ms']:.1f} ms process wall; in-child {b['ratio_in_child_script']:.2f}x; "
        f"target <= {COLDSTART_TARGET}x)  {verdicts['coldstart_vs_boto3']}")
    log(f"  (c) route transitions per person task, happy path: {happy.per_person_task:.2f}  ({happy.transitions} "
        f"per request, {happy.person_tasks} person tasks; ${happy.usd_per_1000_requests:.2f} per 1,000 requests; "
        f"budget <= {routes.BUDGET_PER_PERSON_TASK:g})  {verdicts['route_transitions_per_person_task']}")
    log(f"      one rejection at summarize: {rejected.per_person_task:.2f} per person task  ({rejected.transitions} "
        f"per request, {rejected.person_tasks} person tasks; ${rejected.usd_per_1000_requests:.2f} per 1,000 "
        f"requests; at ${routes.USD_PER_1000_TRANSITIONS} per 1,000 transitions)")
    log(f"  (d) AWS cost of 1,000 orders: ${d['total_usd']:.2f}, {d['ratio']:.2f}x the SES cost of their mail "
        f"(${d['floor_usd']:.2f}; target <= {aws_cost.cost.TARGET_RATIO}x)  {verdicts['aws_cost_vs_ses_floor']}")
    log(f"wrote {_shown(args.out)}")
    return 0


COST_REQUESTS = 100
"""Orders counted for figure (d) by default: about 4-10 s each on the shared 2-core machine, so 1,000
would take hours; the counts are scaled linearly to 1,000 (and the output says so)."""
COST_BATCH = 20


def cost_figures(d: dict) -> dict:
    return {
        "aws_cost_vs_ses_floor": {"value": round(d["ratio"], 3), "unit": "x", "target": aws_cost.cost.TARGET_RATIO},
        "aws_usd_per_1000_orders": {"value": round(d["total_usd"], 4), "unit": "USD", "target": None},
        "ses_usd_per_1000_orders": {"value": round(d["floor_usd"], 4), "unit": "USD", "target": None},
    }


def only_cost(args) -> int:
    """Figure (d) alone, merged into the results file as it is."""
    def log(text: str = "") -> None:
        print(text, flush=True)

    d = aws_cost.bench_cost(args.cost_requests, COST_BATCH, log)
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {"context": {}}
    context = results.pop("context", {})
    figures = {**results, **cost_figures(d)}
    figures["aws_cost_vs_ses_floor"]["verdict"] = verdict(d["ratio"], aws_cost.cost.TARGET_RATIO)
    context["aws_cost"] = d
    args.out.write_text(json.dumps({**figures, "context": context}, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    log(f"wrote {_shown(args.out)}")
    return 0


def _shown(path: Path) -> Path:
    path = path.resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return dict(sorted(counts.items()))


def digest_figure(out: Path, log) -> int:
    """(d) Items and read units a month's digest reads at 1,000 and at 100,000 requests (bench/digest.py),
    merged into the results file."""
    from bench import digest

    log(f"\n(d) a month's KPI digest at {' and '.join(f'{n:,}' for n in digest.VOLUMES)} requests: what it reads")
    d = digest.bench_digest(log)
    results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    results["digest_items_ratio_100k_vs_1k"] = {"value": round(d["items_ratio"], 3), "unit": "x",
                                                "target": digest.RATIO_TARGET,
                                                "verdict": verdict(d["items_ratio"], digest.RATIO_TARGET)}
    results["digest_read_units_ratio_100k_vs_1k"] = {"value": round(d["units_ratio"], 3), "unit": "x",
                                                     "target": digest.RATIO_TARGET,
                                                     "verdict": verdict(d["units_ratio"], digest.RATIO_TARGET)}
    for run in d["runs"]:
        results[f"digest_items_read_{run['requests']}"] = {"value": run["items_read"], "unit": "items", "target": None}
        results[f"digest_read_units_{run['requests']}"] = {"value": run["read_units_estimated"], "unit": "RCU",
                                                           "target": None}
    results.setdefault("context", {})["digest"] = {"method": digest.__doc__.strip(), "runs": d["runs"]}
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"  (d) digest items read, 100,000 vs 1,000 requests: {d['items_ratio']:.2f}x, read units "
        f"{d['units_ratio']:.2f}x (target <= {digest.RATIO_TARGET}x)  "
        f"{verdict(d['items_ratio'], digest.RATIO_TARGET)} / {verdict(d['units_ratio'], digest.RATIO_TARGET)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

