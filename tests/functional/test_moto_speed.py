"""devstack/moto_speed.py: moto sped up answers exactly what plain moto answers. Queries (items,
order, pages, counts, consumed capacity) after puts, updates that move an item between index
partitions or out of a sparse index, deletes, batches and a cancelled transaction; the other
responses as serialized, failures included (conditions, update expressions refused for their clauses,
paths or keys); the item size limit at the same byte. devstack/moto_direct.py: a DynamoDB call handed
straight to moto's handler gets what the same call gets over moto's stubbed HTTP, answers and errors."""
from __future__ import annotations

import random

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from moto import mock_aws

from devstack import moto_speed
from devstack.atomic import make_moto_transactions_cheap, make_moto_writes_atomic

REGION = "eu-west-1"
CUSTOMERS = [f"CUST#{c}" for c in "abcde"]
QUEUES = ["OPEN", "OUTBOX", "CLOSE"]


def _gsi(name: str, hash_key: str, range_key: str | None, projection: dict) -> dict:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": projection}


@pytest.fixture
def tables():
    make_moto_writes_atomic()
    make_moto_transactions_cheap()
    moto_speed.speed_up_moto()
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        strings = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "LSK"]
        desk = dynamodb.create_table(
            TableName="desk", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in strings]
            + [{"AttributeName": "n", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                _gsi("by_customer", "GSI1PK", "GSI1SK", {"ProjectionType": "ALL"}),
                _gsi("open_by_due", "GSI2PK", "GSI2SK", {"ProjectionType": "KEYS_ONLY"}),
                _gsi("by_kind", "GSI3PK", None, {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]}),
                _gsi("by_number", "GSI3PK", "n", {"ProjectionType": "ALL"})],
            LocalSecondaryIndexes=[{"IndexName": "by_lsk", "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "LSK", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}])
        flat = dynamodb.create_table(
            TableName="flat", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "GSI2PK", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[_gsi("queue", "GSI2PK", None, {"ProjectionType": "ALL"})])
        yield desk, flat


def _random_item(rng: random.Random, pk: str, sk: str) -> dict:
    item = {"PK": pk, "SK": sk, "n": rng.randint(0, 30), "body": "x" * rng.randint(0, 60)}
    if rng.random() < 0.7:
        item.update(GSI1PK=rng.choice(CUSTOMERS), GSI1SK=f"2026-11-{rng.randint(1, 28):02d}")
    if rng.random() < 0.4:
        item.update(GSI2PK=rng.choice(QUEUES), GSI2SK=f"{rng.randint(0, 99):02d}")
    if rng.random() < 0.5:
        item["GSI3PK"] = rng.choice(["request", "event"])
    if rng.random() < 0.5:
        item["LSK"] = f"L{rng.randint(0, 9)}"
    return item


def _write_a_history(desk, flat, rng: random.Random) -> None:
    keys = [(f"REQ#{i % 23}", f"{rng.choice(['META', 'EVT#', 'MSG#'])}{i:04d}") for i in range(400)]
    with desk.batch_writer() as batch:
        for pk, sk in keys[:150]:
            batch.put_item(Item=_random_item(rng, pk, sk))
    for pk, sk in keys[150:]:
        desk.put_item(Item=_random_item(rng, pk, sk))
    for pk, sk in rng.sample(keys, 160):
        roll = rng.random()
        if roll < 0.3:
            desk.update_item(Key={"PK": pk, "SK": sk}, UpdateExpression="SET GSI2PK = :q, GSI2SK = :d",
                             ExpressionAttributeValues={":q": rng.choice(QUEUES), ":d": f"{rng.randint(0, 99):02d}"})
        elif roll < 0.5:
            desk.update_item(Key={"PK": pk, "SK": sk}, UpdateExpression="REMOVE GSI2PK, GSI1PK")
        elif roll < 0.7:
            desk.update_item(Key={"PK": pk, "SK": sk}, UpdateExpression="SET GSI1PK = :c ADD n :one",
                             ExpressionAttributeValues={":c": rng.choice(CUSTOMERS), ":one": 1})
        elif roll < 0.85:
            desk.delete_item(Key={"PK": pk, "SK": sk})
        else:
            try:
                desk.update_item(Key={"PK": pk, "SK": sk}, UpdateExpression="SET GSI2PK = :q",
                                 ConditionExpression="attribute_not_exists(PK)",
                                 ExpressionAttributeValues={":q": "OPEN"})
            except desk.meta.client.exceptions.ConditionalCheckFailedException:
                pass
    client = desk.meta.client
    pk, sk = keys[3]
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": "desk", "Key": {"PK": pk, "SK": sk}, "UpdateExpression": "SET GSI2PK = :q",
                        "ExpressionAttributeValues": {":q": "CLOSE"}}},
            {"Put": {"TableName": "desk", "Item": {"PK": "REQ#new", "SK": "META", "GSI2PK": "OPEN", "GSI2SK": "00"}}},
            {"ConditionCheck": {"TableName": "desk", "Key": {"PK": "nowhere", "SK": "-"},
                                "ConditionExpression": "attribute_exists(PK)"}}])
    client.transact_write_items(TransactItems=[
        {"Update": {"TableName": "desk", "Key": {"PK": keys[5][0], "SK": keys[5][1]},
                    "UpdateExpression": "SET GSI2PK = :q, GSI2SK = :d",
                    "ExpressionAttributeValues": {":q": "CLOSE", ":d": "50"}}},
        {"Put": {"TableName": "desk", "Item": {"PK": "REQ#tx", "SK": "META", "GSI2PK": "OPEN", "GSI2SK": "01"}}}])
    for i in range(60):
        flat.put_item(Item={"id": f"o{i}", **({"GSI2PK": rng.choice(QUEUES)} if rng.random() < 0.6 else {})})
    for i in rng.sample(range(60), 20):
        flat.update_item(Key={"id": f"o{i}"}, UpdateExpression="REMOVE GSI2PK")


def _queries() -> list[tuple[str, dict]]:
    queries: list[tuple[str, dict]] = []
    for customer in CUSTOMERS + ["CUST#nobody"]:
        queries.append(("desk", {"IndexName": "by_customer", "KeyConditionExpression": Key("GSI1PK").eq(customer),
                                 "ScanIndexForward": False, "Limit": 7}))
        queries.append(("desk", {"IndexName": "by_customer", "KeyConditionExpression":
                                 Key("GSI1PK").eq(customer) & Key("GSI1SK").between("2026-11-05", "2026-11-20"),
                                 "FilterExpression": Attr("n").gte(10)}))
    for queue in QUEUES:
        queries.append(("desk", {"IndexName": "open_by_due", "KeyConditionExpression":
                                 Key("GSI2PK").eq(queue) & Key("GSI2SK").lte("60"), "Limit": 5}))
        queries.append(("desk", {"IndexName": "open_by_due", "KeyConditionExpression": Key("GSI2PK").eq(queue),
                                 "Select": "COUNT"}))
        queries.append(("flat", {"IndexName": "queue", "KeyConditionExpression": Key("GSI2PK").eq(queue),
                                 "Limit": 4}))
    for kind in ("request", "event"):
        queries.append(("desk", {"IndexName": "by_kind", "KeyConditionExpression": Key("GSI3PK").eq(kind),
                                 "Limit": 9}))
        queries.append(("desk", {"IndexName": "by_number", "KeyConditionExpression":
                                 Key("GSI3PK").eq(kind) & Key("n").gt(12), "ScanIndexForward": False, "Limit": 6}))
    for r in (0, 4, 17, 99):
        pk = f"REQ#{r}"
        queries.append(("desk", {"KeyConditionExpression": Key("PK").eq(pk) & Key("SK").begins_with("EVT#"),
                                 "ConsistentRead": True, "Limit": 3}))
        queries.append(("desk", {"KeyConditionExpression": Key("PK").eq(pk), "ScanIndexForward": False,
                                 "ProjectionExpression": "SK, n", "Limit": 4}))
        queries.append(("desk", {"IndexName": "by_lsk", "KeyConditionExpression":
                                 Key("PK").eq(pk) & Key("LSK").gte("L3"), "Limit": 2}))
    queries.append(("flat", {"KeyConditionExpression": Key("id").eq("o7")}))
    return queries


def plain_moto(monkeypatch) -> None:
    """Every patched method back to moto's own for the rest of the monkeypatch context."""
    from moto.core import responses
    from moto.core.serialize import ResponseSerializer
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    for owner, name in [(Table, "query"), (Table, "all_items"), (Table, "put_item"), (Table, "delete_item"),
                        (DynamoDBBackend, "update_item"), (ResponseSerializer, "get_value"), (Item, "__init__"),
                        (LimitedSizeDict, "__setitem__"), (DynamoType, "size"), (responses, "method_names_from_class"),
                        (DepthFirstTraverser, "traverse_node_recursively"),
                        (ConditionExpressionParser, "_lex_condition_expression"),
                        (UpdateExpressionValidator, "__init__"), (UpdateExpressionValidator, "validate")]:
        patched = owner.__dict__[name]
        monkeypatch.setattr(owner, name, patched.__wrapped__)
    monkeypatch.setattr(UpdateExpressionParser, "make", classmethod(UpdateExpressionParser.__dict__["make"].__func__.__wrapped__))
    monkeypatch.setattr(responses.BaseResponse, "_enrich_response",
                        staticmethod(responses.BaseResponse.__dict__["_enrich_response"].__wrapped__.__wrapped__))
    monkeypatch.delattr(Node, "__deepcopy__")
    from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

    monkeypatch.setattr(ReservedKeywords, "KEYWORDS", list(ReservedKeywords.get_reserved_keywords()))


def _all_pages(table, query: dict) -> list[dict]:
    pages, kwargs = [], dict(query)
    while True:
        page = table.query(**kwargs)
        pages.append({k: page.get(k) for k in ("Items", "Count", "ScannedCount", "LastEvaluatedKey")})
        if "LastEvaluatedKey" not in page:
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_every_query_answers_as_plain_moto_does(tables, monkeypatch):
    desk, flat = tables
    by_name = {"desk": desk, "flat": flat}
    for name, query in _queries():
        by_name[name].query(**query)  # every index is kept from the first write on
    _write_a_history(desk, flat, random.Random(7))
    keyed = [_all_pages(by_name[name], q) for name, q in _queries()]
    with monkeypatch.context() as plain:
        plain_moto(plain)
        walked = [_all_pages(by_name[name], q) for name, q in _queries()]
    assert keyed == walked
    assert sum(len(page["Items"] or []) for pages in keyed for page in pages) > 300, "the queries found items"
    assert any(len(pages) > 2 for pages in keyed), "some answers came in several pages"


def test_an_index_first_queried_after_the_writes_is_built_from_the_items(tables, monkeypatch):
    desk, flat = tables
    _write_a_history(desk, flat, random.Random(3))
    keyed = [_all_pages(desk, q) for name, q in _queries() if name == "desk"]
    with monkeypatch.context() as plain:
        plain_moto(plain)
        walked = [_all_pages(desk, q) for name, q in _queries() if name == "desk"]
    assert keyed == walked


def _responses(desk) -> list:
    client = desk.meta.client
    key = {"PK": "REQ#1", "SK": "META"}
    answers = [client.describe_table(TableName="desk")["Table"], client.list_tables()["TableNames"],
               desk.get_item(Key=key, ReturnConsumedCapacity="TOTAL"),
               desk.update_item(Key=key, UpdateExpression="SET deep = :d ADD n :one", ReturnValues="ALL_NEW",
                                ExpressionAttributeValues={":d": {"list": [1, "two", {"three": {3, 4}}], "b": b"\x00\xff",
                                                                 "none": None, "yes": True}, ":one": 1}),
               desk.get_item(Key=key, ProjectionExpression="deep, #n", ExpressionAttributeNames={"#n": "n"}),
               desk.meta.client.batch_get_item(RequestItems={"desk": {"Keys": [key, {"PK": "REQ#2", "SK": "META"}]}})]
    answers.append(desk.update_item(Key=key, UpdateExpression="SET #s = :s, later = if_not_exists(later, :s) "
                                    "REMOVE GSI2PK ADD tags :u", ReturnValues="UPDATED_OLD",
                                    ExpressionAttributeNames={"#s": "status"},
                                    ExpressionAttributeValues={":s": "open", ":u": {"a", "b", "c"}}))
    answers.append(desk.update_item(Key=key, UpdateExpression="DELETE tags :t", ReturnValues="ALL_NEW",
                                    ExpressionAttributeValues={":t": {"a"}}))
    for attempt in (lambda: desk.put_item(Item=key, ConditionExpression="attribute_not_exists(PK)",
                                          ReturnValuesOnConditionCheckFailure="ALL_OLD"),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET n = nowhere + :one",
                                             ExpressionAttributeValues={":one": 1}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET PK = :x", ExpressionAttributeValues={":x": "y"}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET PK = :x", ExpressionAttributeValues={":x": "y"}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET #k = :x", ExpressionAttributeValues={":x": "y"},
                                             ExpressionAttributeNames={"#k": "note"}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET #k = :x", ExpressionAttributeValues={":x": "y"},
                                             ExpressionAttributeNames={"#k": "SK"}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET a = :x SET b = :x",
                                             ExpressionAttributeValues={":x": "y"}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET deep.b = :x, deep = :x",
                                             ExpressionAttributeValues={":x": "y"}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET n = :x", ConditionExpression="#s = :old",
                                             ExpressionAttributeNames={"#s": "status"},
                                             ExpressionAttributeValues={":x": 5, ":old": "closed"},
                                             ReturnValuesOnConditionCheckFailure="ALL_OLD"),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET n = :x", ConditionExpression="#s = :old",
                                             ExpressionAttributeNames={"#s": "status"},
                                             ExpressionAttributeValues={":x": 5, ":old": "open"}, ReturnValues="UPDATED_NEW"),
                    lambda: desk.put_item(Item={**key, "n": 2}, ConditionExpression="attribute_exists(PK) AND n = :x",
                                          ExpressionAttributeValues={":x": 9}),
                    lambda: desk.put_item(Item={**key, "n": 2}, ConditionExpression="attribute_exists(PK) AND (n = :x",
                                          ExpressionAttributeValues={":x": 9}),
                    lambda: desk.update_item(Key=key, UpdateExpression="SET status = :x",
                                             ExpressionAttributeValues={":x": "y"}),
                    lambda: desk.put_item(Item={**key, "n": 2}, ConditionExpression="attribute_exists(name)"),
                    lambda: desk.delete_item(Key=key, ConditionExpression="n IN (:a, :b)",
                                             ExpressionAttributeValues={":a": 1, ":b": 2}, ReturnValues="ALL_OLD")):
        try:
            answers.append(attempt())
        except client.exceptions.ClientError as exc:
            answers.append({k: v for k, v in exc.response.items() if k != "ResponseMetadata"})
        except ValueError as exc:  # moto's own refusal of an unbalanced condition
            answers.append((type(exc).__name__, str(exc)))
    for answer in answers:
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    return answers


def test_other_responses_are_serialized_as_plain_moto_does(tables, monkeypatch):
    desk, _ = tables
    desk.put_item(Item={"PK": "REQ#1", "SK": "META", "status": "new", "GSI2PK": "OPEN", "GSI2SK": "01", "n": 1})
    sped_up = _responses(desk)
    with monkeypatch.context() as plain:
        plain_moto(plain)
        desk.put_item(Item={"PK": "REQ#1", "SK": "META", "status": "new", "GSI2PK": "OPEN", "GSI2SK": "01", "n": 1})
        assert _responses(desk) == sped_up
    assert sped_up[3]["Attributes"]["deep"]["b"].value == b"\x00\xff"


@pytest.mark.parametrize("room", [0, 1])
def test_an_item_is_refused_for_its_size_at_the_same_byte(tables, monkeypatch, room):
    desk, _ = tables
    client = desk.meta.client
    key_bytes = len("PK") + len("REQ#big") + len("SK") + len("META") + len("body")
    item = {"PK": "REQ#big", "SK": "META", "body": "x" * (405000 - key_bytes + room)}

    def outcome():
        try:
            desk.put_item(Item=item)
            return "stored"
        except client.exceptions.ClientError as exc:
            return exc.response["Error"]["Code"], exc.response["Error"]["Message"]

    def grown():
        try:
            desk.update_item(Key={"PK": "REQ#big", "SK": "META"}, UpdateExpression="SET tail = :x",
                             ExpressionAttributeValues={":x": "y"})
            return "stored"
        except client.exceptions.ClientError as exc:
            return exc.response["Error"]["Code"], exc.response["Error"]["Message"]

    item["body"] = item["body"][:-10]
    sped_up = [outcome(), grown()]
    with monkeypatch.context() as plain:
        plain_moto(plain)
        desk.delete_item(Key={"PK": "REQ#big", "SK": "META"})
        assert [outcome(), grown()] == sped_up
    item["body"] += "x" * 10
    sped_up = outcome()
    with monkeypatch.context() as plain:
        plain_moto(plain)
        assert outcome() == sped_up
    assert (sped_up == "stored") == (room == 0)


# --- devstack/moto_direct.py ------------------------------------------------------------------------

def _create_desk(dynamodb):
    return dynamodb.create_table(
        TableName="direct", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK")],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[_gsi("by_customer", "GSI1PK", "SK", {"ProjectionType": "ALL"})],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def _a_desk_day(table, client) -> list:
    """Writes, reads, pages, conditions that hold and fail, a cancelled transaction, refusals."""
    answers: list = []

    def call(action):
        try:
            answer = action()
        except client.exceptions.ClientError as exc:
            answer = {"raised": type(exc).__name__, **exc.response}
        answer.pop("ResponseMetadata", None)
        answers.append(answer)

    for i in range(12):
        call(lambda i=i: table.put_item(Item={"PK": f"REQ#{i % 3}", "SK": f"MSG#{i:03d}", "GSI1PK": f"CUST#{i % 2}",
                                              "n": i, "raw": bytes([i, 255]), "tags": {"a", f"t{i}"}},
                                        ConditionExpression="attribute_not_exists(PK)"))
    call(lambda: table.put_item(Item={"PK": "REQ#0", "SK": "MSG#000"}, ConditionExpression="attribute_not_exists(PK)",
                                ReturnValuesOnConditionCheckFailure="ALL_OLD"))
    call(lambda: table.get_item(Key={"PK": "REQ#1", "SK": "MSG#001"}, ConsistentRead=True))
    call(lambda: table.get_item(Key={"PK": "REQ#1", "SK": "nothing"}))
    call(lambda: table.update_item(Key={"PK": "REQ#1", "SK": "MSG#001"}, UpdateExpression="SET #s = :s ADD n :one",
                                   ConditionExpression="n < :max", ExpressionAttributeNames={"#s": "status"},
                                   ExpressionAttributeValues={":s": "open", ":one": 1, ":max": 5}, ReturnValues="ALL_NEW"))
    call(lambda: table.update_item(Key={"PK": "REQ#1", "SK": "MSG#001"}, UpdateExpression="SET #s = :s",
                                   ConditionExpression="#s = :other", ExpressionAttributeNames={"#s": "status"},
                                   ExpressionAttributeValues={":s": "x", ":other": "closed"},
                                   ReturnValuesOnConditionCheckFailure="ALL_OLD"))
    call(lambda: table.update_item(Key={"PK": "REQ#1", "SK": "MSG#001"}, UpdateExpression="SET PK = :s",
                                   ExpressionAttributeValues={":s": "x"}))
    call(lambda: table.query(KeyConditionExpression=Key("PK").eq("REQ#0"), Limit=2, ScanIndexForward=False))
    call(lambda: table.query(IndexName="by_customer", KeyConditionExpression=Key("GSI1PK").eq("CUST#1"),
                             FilterExpression=Attr("n").gt(3), ReturnConsumedCapacity="TOTAL"))
    call(lambda: table.query(KeyConditionExpression=Key("PK").eq("REQ#0"), Select="COUNT",
                             ExclusiveStartKey={"PK": "REQ#0", "SK": "MSG#003"}))
    call(lambda: table.scan(FilterExpression=Attr("tags").contains("t4")))
    call(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "direct", "Item": {"PK": {"S": "REQ#9"}, "SK": {"S": "META"}},
                 "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Update": {"TableName": "direct", "Key": {"PK": {"S": "REQ#0"}, "SK": {"S": "MSG#000"}},
                    "UpdateExpression": "SET n = :n", "ConditionExpression": "n = :was",
                    "ExpressionAttributeValues": {":n": {"N": "1"}, ":was": {"N": "7"}}}}]))
    call(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "direct", "Item": {"PK": {"S": "REQ#9"}, "SK": {"S": "META"}},
                 "ConditionExpression": "attribute_not_exists(PK)"}}]))
    call(lambda: client.batch_get_item(RequestItems={"direct": {"Keys": [
        {"PK": {"S": "REQ#9"}, "SK": {"S": "META"}}, {"PK": {"S": "REQ#2"}, "SK": {"S": "MSG#002"}}]}}))
    call(lambda: table.delete_item(Key={"PK": "REQ#2", "SK": "MSG#002"}, ReturnValues="ALL_OLD"))
    call(lambda: table.put_item(Item={"PK": "REQ#2", "SK": "MSG#099"}, ReturnValues="UPDATED_NEW"))
    call(lambda: client.get_item(TableName="missing", Key={"PK": {"S": "x"}, "SK": {"S": "y"}}))
    return answers


def test_a_call_handed_to_moto_directly_is_answered_as_over_its_stubbed_http():
    from devstack.moto_direct import answer_dynamodb_directly

    make_moto_writes_atomic()
    make_moto_transactions_cheap()
    moto_speed.speed_up_moto()
    with mock_aws():
        over_http = boto3.session.Session(region_name=REGION)
        direct = boto3.session.Session(region_name=REGION)
        answer_dynamodb_directly(direct)
        sent: list[str] = []
        for session in (over_http, direct):
            session.events.register("before-send.dynamodb", lambda request, **_: sent.append(request.url))
        table = _create_desk(over_http.resource("dynamodb"))
        by_http = _a_desk_day(table, over_http.client("dynamodb"))
        assert sent, "the plain session's calls went to moto's stubber"
        table.delete()
        _create_desk(over_http.resource("dynamodb"))
        sent.clear()
        by_hand = _a_desk_day(direct.resource("dynamodb").Table("direct"), direct.client("dynamodb"))
        assert not sent, "the direct session's calls did not take the HTTP way"
    assert by_hand == by_http
    raised = [a["raised"] for a in by_hand if "raised" in a]
    assert raised == ["ConditionalCheckFailedException", "ConditionalCheckFailedException", "ClientError",
                      "TransactionCanceledException", "ClientError", "ResourceNotFoundException"]
    assert by_hand[12]["Item"]["PK"] == {"S": "REQ#0"}, "the failed condition's item came back"
    assert by_hand[13]["Item"]["raw"].value == bytes([1, 255])
    assert [r["Code"] for r in by_hand[22]["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]


def test_s3_answers_by_the_urls_a_reload_gives(monkeypatch):
    """S3's URL table is reloaded only when MOTO_S3_CUSTOM_ENDPOINTS changes: a custom endpoint set
    later is still answered, and one taken away no longer is."""
    from moto.s3.models import s3_backends

    moto_speed.speed_up_moto()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="inbound", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="inbound", Key="inbound/a", Body=b"mail")
        assert s3.get_object(Bucket="inbound", Key="inbound/a")["Body"].read() == b"mail"
        backend = s3_backends["123456789012"]["aws"]
        assert not any("custom.example" in url for url in backend.urls)
        monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "https://s3.custom.example")
        assert any("custom.example" in url for url in backend.urls)
        monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
        assert not any("custom.example" in url for url in backend.urls)
