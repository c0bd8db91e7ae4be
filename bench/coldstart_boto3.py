"""Cold-start child, reference side: a fresh interpreter makes the app's AWS calls with bare boto3.

Run by bench/run.py exactly like bench/coldstart_app.py (`python -I bench/coldstart_boto3.py`, same
environment) and prints the same last line; see that file. RF_BENCH_PLAN (JSON) names the resources
and how many calls of each operation the app child made (counted by the parent's embedded AWS); this
script creates the same clients (ssm, s3, the DynamoDB table resource, ses) and makes that many
similar calls, with no desk logic: no config, no parsing, no templates.
"""
import time

_T0 = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # symmetric with the app side

plan = json.loads(os.environ["RF_BENCH_PLAN"])
endpoint = os.environ["RF_AWS_ENDPOINT"]

import boto3  # noqa: E402

_T_IMPORT = time.perf_counter()
session = boto3.session.Session()
ssm = session.client("ssm", endpoint_url=endpoint)
s3 = session.client("s3", endpoint_url=endpoint)
table = session.resource("dynamodb", endpoint_url=endpoint).Table(os.environ["RF_TABLE"])
ses = session.client("ses", endpoint_url=endpoint)
_T_CLIENTS = time.perf_counter()

bucket, key = os.environ["RF_BUCKET"], plan["raw_key"]
raw = b""


def get_parameter(i):
    ssm.get_parameter(Name=os.environ["RF_SIGNING_KEY_PARAM"], WithDecryption=True)


def head_object(i):
    s3.head_object(Bucket=bucket, Key=key)


def get_object(i):
    global raw
    raw = s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def put_item(i):
    table.put_item(Item={"PK": f"BENCH#{i}", "SK": "-", "type": "bench", "n": i, "text": "x" * 400},
                   ConditionExpression="attribute_not_exists(PK)")


def update_item(i):
    table.update_item(Key={"PK": f"BENCHCTR#{i}", "SK": "-"}, UpdateExpression="ADD #v :one",
                      ExpressionAttributeNames={"#v": "value"}, ExpressionAttributeValues={":one": 1},
                      ReturnValues="UPDATED_NEW")


def get_item(i):
    table.get_item(Key={"PK": f"BENCH#{i}", "SK": "-"}, ConsistentRead=True)


def query(i):
    from boto3.dynamodb.conditions import Key

    table.query(KeyConditionExpression=Key("PK").eq(f"BENCH#{i}"), ConsistentRead=True)


def transact_write_items(i):
    table.meta.client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table.name, "Item": {"PK": f"BENCHTX#{i}", "SK": "-", "type": "bench", "n": i},
                 "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Update": {"TableName": table.name, "Key": {"PK": f"BENCHCTR#tx{i}", "SK": "-"},
                    "UpdateExpression": "ADD #v :one", "ExpressionAttributeNames": {"#v": "value"},
                    "ExpressionAttributeValues": {":one": 1}}}])


def send_raw_email(i):
    ses.send_raw_email(Source=plan["source"], Destinations=[plan["destination"]], RawMessage={"Data": raw})


CALLS = {("ssm", "GetParameter"): get_parameter, ("s3", "HeadObject"): head_object,
         ("s3", "GetObject"): get_object, ("dynamodb", "PutItem"): put_item,
         ("dynamodb", "UpdateItem"): update_item, ("dynamodb", "GetItem"): get_item,
         ("dynamodb", "Query"): query, ("dynamodb", "TransactWriteItems"): transact_write_items,
         ("ses", "SendRawEmail"): send_raw_email}
ORDER = list(CALLS)
"""The app's order in outline: the signing key, the raw mail, the table, then the mail it sends."""

calls = {(service, op): n for service, ops in plan["calls"].items() for op, n in ops.items()}
unknown = set(calls) - set(CALLS)
if unknown:
    raise SystemExit(f"the app made calls this baseline cannot replay: {sorted(unknown)}")
for name in ORDER:
    for i in range(calls.get(name, 0)):
        CALLS[name](i)
_T_END = time.perf_counter()

t_spawn = float(os.environ.get("RF_BENCH_T0", "nan"))
print(f"coldstart {_T_END - _T0!r} {_T_END - t_spawn!r} startup={_T0 - t_spawn!r} "
      f"import_boto3={_T_IMPORT - _T0!r} create_clients={_T_CLIENTS - _T_IMPORT!r} aws_calls={_T_END - _T_CLIENTS!r}")
