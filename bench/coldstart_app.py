"""Cold-start child, app side: a fresh interpreter imports app.py and renders one acknowledgement.

Run by bench/run.py as `python -I bench/coldstart_app.py MAIL.eml` from the repository root.
-I keeps PYTHON* variables, the user site and the script's folder off sys.path; the repository root is
put on sys.path by hand below (what Lambda's task root does for app.py). Prints one line:
`coldstart <script_s> <spawn_to_end_s> <phase>=<s> ...`, times from time.perf_counter (CLOCK_MONOTONIC,
shared with the parent, which passes its spawn instant in RF_BENCH_T0). Nothing here is imported
before the first stamp except the interpreter's own start-up modules.
"""
import time

_T0 = time.perf_counter()

import os  # noqa: E402  (already loaded by the interpreter's start-up; costs nothing)
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import app  # noqa: E402,F401  the Lambda handler module: Chalice app, entrypoints, composition, settings

_T_APP = time.perf_counter()

from bench import Pipeline  # noqa: E402  the pure pipeline's modules (what service.intake imports)

_T_HARNESS = time.perf_counter()
pipeline = Pipeline()  # load_config (TOML + pydantic validation), Templates, reply addresses, status links
_T_DESK = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    raw = f.read()
outcome, mime = pipeline.run(raw)  # parse, screen, classify, Request, render (jinja2 first use), compose
_T_END = time.perf_counter()
if mime is None:
    raise SystemExit(f"cold-start mail {sys.argv[1]} produced no acknowledgement ({outcome})")

t_spawn = float(os.environ.get("RF_BENCH_T0", "nan"))
print(f"coldstart {_T_END - _T0!r} {_T_END - t_spawn!r} startup={_T0 - t_spawn!r} import_app={_T_APP - _T0!r} "
      f"import_pipeline={_T_HARNESS - _T_APP!r} build_desk={_T_DESK - _T_HARNESS!r} "
      f"first_ack={_T_END - _T_DESK!r}")
