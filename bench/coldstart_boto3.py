"""Cold-start child, reference side: a fresh interpreter imports boto3 and creates a DynamoDB client.

Run by bench/run.py exactly like bench/coldstart_app.py (`python -I bench/coldstart_boto3.py`, same
environment) and prints the same line format; see that file.
"""
import time

_T0 = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # symmetric with the app side

import boto3  # noqa: E402

_T_IMPORT = time.perf_counter()
client = boto3.client("dynamodb", region_name="eu-west-1")
_T_END = time.perf_counter()

t_spawn = float(os.environ.get("RF_BENCH_T0", "nan"))
print(f"coldstart {_T_END - _T0!r} {_T_END - t_spawn!r} startup={_T0 - t_spawn!r} "
      f"import_boto3={_T_IMPORT - _T0!r} create_client={_T_END - _T_IMPORT!r}")
