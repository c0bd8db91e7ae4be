"""Cold-start child, app side: a fresh interpreter handles ONE inbound SNS event, end to end.

Run by bench/run.py as `python -I bench/coldstart_app.py` from the repository root, with the Lambda
function's environment (RF_* pointing at the parent's embedded AWS) and the event as JSON in
RF_BENCH_EVENT. It imports app.py and calls the SNS handler as Lambda would: the handler builds the
desk (boto3 session, clients, the signing key from SSM), reads the raw mail from S3, writes DynamoDB
and sends the acknowledgement through SES.

-I keeps PYTHON* variables, the user site and the script's folder off sys.path; the repository root is
put on sys.path by hand below (what Lambda's task root does for app.py). It prints the handler's
outcome as `outcome <json>`, then, last, `coldstart <script_s> <spawn_to_end_s> <phase>=<s> ...`,
times from time.perf_counter (CLOCK_MONOTONIC, shared with the parent, which passes its spawn instant
in RF_BENCH_T0).
"""
import time

_T0 = time.perf_counter()

import json  # noqa: E402  (app.py imports it too; the boto3 child reads its plan with it)
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class LambdaContext:
    function_name = "requestflow-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:requestflow-bench"
    aws_request_id = "bench-coldstart"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


event = json.loads(os.environ["RF_BENCH_EVENT"])

import app  # noqa: E402  the Lambda handler module: Chalice app, entrypoints, composition, settings

_T_APP = time.perf_counter()
outcomes = app.on_inbound_mail(event, LambdaContext())
_T_END = time.perf_counter()

t_spawn = float(os.environ.get("RF_BENCH_T0", "nan"))
print("outcome", json.dumps(outcomes[0], default=str))
print(f"coldstart {_T_END - _T0!r} {_T_END - t_spawn!r} startup={_T0 - t_spawn!r} import_app={_T_APP - _T0!r} "
      f"handle_event={_T_END - _T_APP!r}")
