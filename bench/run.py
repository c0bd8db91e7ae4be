"""`make bench`: the pure pipeline against a bare stdlib parse, and the cold start against boto3.

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

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results.json"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mail"
COLD_MAIL = "new_01_en_utf8_7bit_gmail_quote.eml"

PIPELINE_TARGET = 1.3
COLDSTART_TARGET = 1.5
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


def bench_coldstart(runs: int, log) -> dict:
    env = _child_env()
    mail = str(CORPUS / COLD_MAIL)
    sides = {"app": [str(BENCH / "coldstart_app.py"), mail], "boto3": [str(BENCH / "coldstart_boto3.py")]}
    for argv in sides.values():  # warm-up: .pyc files written, OS file cache filled
        for _ in range(2):
            _spawn(argv, env)
    walls = {s: [] for s in sides}
    inside = {s: [] for s in sides}
    for r in range(runs):
        order = ("app", "boto3") if r % 2 == 0 else ("boto3", "app")
        for side in order:
            wall, out, _ = _spawn(sides[side], env)
            walls[side].append(wall)
            inside[side].append(_parse_child(out.strip().splitlines()[-1]))
        log(f"  run {r + 1}/{runs}: app {walls['app'][-1] * 1e3:7.1f} ms   boto3 {walls['boto3'][-1] * 1e3:7.1f} ms")
    empty = [_spawn(["-c", "pass"], env)[0] for _ in range(5)]

    def med_ms(values):
        return statistics.median(values) * 1e3

    result = {"sides": {}}
    for side in sides:
        phases = {key: round(med_ms([d[key] for d in inside[side]]), 2) for key in inside[side][0]}
        result["sides"][side] = {
            "parent_wall_ms": round(med_ms(walls[side]), 2),
            "in_child_script_ms": phases.pop("script"),
            "in_child_spawn_to_end_ms": phases.pop("spawn_to_end"),
            "phases_ms": phases,
            "runs_parent_wall_ms": [round(w * 1e3, 2) for w in walls[side]],
        }
    a, b = result["sides"]["app"], result["sides"]["boto3"]
    result["ratio"] = a["parent_wall_ms"] / b["parent_wall_ms"]
    result["ratio_in_child_script"] = a["in_child_script_ms"] / b["in_child_script_ms"]
    result["ratio_in_child_spawn_to_end"] = a["in_child_spawn_to_end_ms"] / b["in_child_spawn_to_end_ms"]
    result["paired_ratio_median"] = statistics.median(x / y for x, y in zip(walls["app"], walls["boto3"]))
    result["empty_interpreter_ms"] = round(med_ms(empty), 2)
    result["cold_mail"] = COLD_MAIL
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


def importtime_top(argv: list[str], limit: int = 15) -> dict:
    """-X importtime of one cold child: its top-level imports and the heaviest modules, in ms."""
    _, _, err = _spawn(argv, _child_env(), ("-X", "importtime"))
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


def first_ack_profile(limit: int = 15) -> list[dict]:
    """cProfile of the app child's work after `import app` (harness import, config, first acknowledgement)."""
    code = (
        "import cProfile, pstats, sys, os; sys.path.insert(0, os.getcwd()); import app\n"
        "p = cProfile.Profile(); p.enable()\n"
        "from bench import Pipeline\n"
        f"pl = Pipeline(); pl.run(open({str(CORPUS / COLD_MAIL)!r}, 'rb').read())\n"
        "p.disable(); s = pstats.Stats(p)\n"
        "rows = sorted(s.stats.items(), key=lambda kv: -kv[1][3])\n"
        "for (f, l, fn), (cc, nc, tt, ct, _) in rows[:80]: print(f'{ct*1e3:.3f}|{tt*1e3:.3f}|{nc}|{f}:{l}({fn})')\n"
    )
    _, out, _ = _spawn(["-c", code], _child_env())
    rows = []
    for line in out.splitlines():
        ct, tt, nc, where = line.split("|", 3)
        where = where.replace(str(ROOT) + "/", "")
        where = re.sub(r".*/(site-packages|python3\.\d+)/", "", where)
        if "{built-in method builtins.exec}" in where or "<frozen importlib" in where:
            continue
        rows.append({"function": where, "calls": int(nc), "cumtime_ms": float(ct), "tottime_ms": float(tt)})
    return rows[:limit]


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
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.cold_runs = 3, 4
    os.environ["TZ"] = "UTC"
    time.tzset()

    def log(text: str = "") -> None:
        print(text, flush=True)

    corpus = load_corpus()
    log(f"requestflow bench — Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; corpus {CORPUS} ({len(corpus)} .eml files, "
        f"{sum(len(r) for _, r in corpus) / 1024:.0f} KiB)")

    log(f"\n(a) pure pipeline vs stdlib parse: {args.rounds} rounds, sides alternated per file")
    pipeline = Pipeline()
    a = bench_pipeline(corpus, pipeline, args.rounds, log)

    log(f"\n(b) cold start, app + first acknowledgement vs boto3 + DynamoDB client: "
        f"{args.cold_runs} fresh processes per side, alternated")
    b = bench_coldstart(args.cold_runs, log)
    app_side, boto_side = b["sides"]["app"], b["sides"]["boto3"]

    figures = {
        "pipeline_vs_stdlib": {"value": round(a["ratio"], 3), "unit": "x", "target": PIPELINE_TARGET},
        "coldstart_vs_boto3": {"value": round(b["ratio"], 3), "unit": "x", "target": COLDSTART_TARGET},
        "pipeline_corpus_ms": {"value": round(a["pipeline_ms"], 3), "unit": "ms", "target": None},
        "stdlib_corpus_ms": {"value": round(a["stdlib_ms"], 3), "unit": "ms", "target": None},
        "coldstart_app_ms": {"value": app_side["parent_wall_ms"], "unit": "ms", "target": None},
        "coldstart_boto3_ms": {"value": boto_side["parent_wall_ms"], "unit": "ms", "target": None},
    }
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
            "interpreter": f"python {sys.version.split()[0]} -I", **b["sides"],
        },
    }

    log("\nworst files (pipeline vs stdlib, median ms per call):")
    for f in worst_excess[:6]:
        log(f"  {f['file'][:52]:52} {f['pipeline_ms']:9.3f} vs {f['stdlib_ms']:7.3f}  {f['ratio']:7.2f}x  "
            f"{f['outcome']}")
    log(f"\ncold start phases (median ms): app {app_side['phases_ms']}; boto3 {boto_side['phases_ms']}; "
        f"empty interpreter {b['empty_interpreter_ms']} ms")

    want_profile = args.profile if args.profile is not None else "MISS" in verdicts.values()
    if want_profile:
        log("\nprofiling ...")
        context["profile"] = {
            "pipeline_stages": stage_breakdown(corpus, pipeline),
            "pipeline_cprofile": cprofile_top(corpus, pipeline),
            "coldstart_app_importtime": importtime_top([str(BENCH / "coldstart_app.py"), str(CORPUS / COLD_MAIL)]),
            "coldstart_boto3_importtime": importtime_top([str(BENCH / "coldstart_boto3.py")]),
            "coldstart_after_import_cprofile": first_ack_profile(),
        }
        prof = context["profile"]
        log("  pipeline stages over the corpus (ms): " + ", ".join(
            f"{k} {v}" for k, v in prof["pipeline_stages"]["corpus_ms"].items()))
        log("  pipeline, chalicelib functions by cumulative time under cProfile (ms): " + ", ".join(
            f"{r['function'].removeprefix('chalicelib/core/')} {r['cumtime_ms']:.1f}"
            for r in prof["pipeline_cprofile"]["chalicelib_top_cumtime"][:10]))
        log("  cold app top-level imports (ms): " + ", ".join(
            f"{k} {v}" for k, v in list(prof["coldstart_app_importtime"]["top_level_cumulative_ms"].items())[:8]))
        log(f"  (details in {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out})")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**figures, "context": context}, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")

    log("\nfigures:")
    log(f"  (a) pipeline vs stdlib: {a['ratio']:.2f}x  ({a['pipeline_ms']:.2f} ms vs {a['stdlib_ms']:.2f} ms "
        f"for the corpus; target <= {PIPELINE_TARGET}x)  {verdicts['pipeline_vs_stdlib']}")
    log(f"  (b) cold start vs boto3: {b['ratio']:.2f}x  ({app_side['parent_wall_ms']:.1f} ms vs "
        f"{boto_side['parent_wall_ms']:.1f} ms process wall; in-child {b['ratio_in_child_script']:.2f}x; "
        f"target <= {COLDSTART_TARGET}x)  {verdicts['coldstart_vs_boto3']}")
    log(f"wrote {args.out}")
    return 0


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    sys.exit(main())
