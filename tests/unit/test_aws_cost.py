"""The AWS cost arithmetic of `make bench`'s figure (d): list prices applied to counted operations."""
import math

import pytest

from bench import cost
from bench.meter import Index, item_size, kind, write_units


def test_lambda_bills_every_invocation_rounded_up_to_the_millisecond():
    assert cost.billed_ms(0.0001) == 1
    assert cost.billed_ms(0.0011) == 2
    assert cost.billed_ms(0.25) == 250


def test_a_gigabyte_for_a_second_is_one_gb_second():
    assert cost.gb_seconds(1000, 1024) == 1.0
    assert cost.gb_seconds(2000, 512) == 1.0


@pytest.mark.parametrize("counts, operation, dollars", [
    (cost.Counts(lambda_invocations=1_000_000), "Lambda requests", 0.20),
    (cost.Counts(lambda_billed_ms=1_000_000 * 1000), "Lambda compute (1024 MB)", 16.6667),
    (cost.Counts(sfn_transitions=1000), "Step Functions transitions", 0.025),
    (cost.Counts(dynamodb_wru=1_000_000), "DynamoDB writes", 1.25),
    (cost.Counts(dynamodb_rru=1_000_000), "DynamoDB reads", 0.25),
    (cost.Counts(ses_sent=1000), "SES mail sent", 0.10),
    (cost.Counts(s3_put=1000), "S3 PUT/LIST", 0.005),
    (cost.Counts(s3_get=1000), "S3 GET/HEAD", 0.0004),
    (cost.Counts(sqs_requests=1_000_000), "SQS requests", 0.40),
])
def test_each_operation_costs_its_eu_west_1_list_price(counts, operation, dollars):
    rows = {r.operation: r for r in cost.rows(counts, memory_mb=1024)}
    assert rows[operation].cost == pytest.approx(dollars, rel=1e-4)
    assert cost.total(list(rows.values())) == pytest.approx(dollars, rel=1e-4)


def test_the_ratio_is_the_whole_bill_over_the_ses_cost_of_the_mail_sent():
    only_mail = cost.Counts(ses_sent=10_000)
    assert cost.floor(only_mail) == pytest.approx(1.0)
    assert cost.ratio(only_mail, 512) == pytest.approx(1.0)
    with_writes = cost.Counts(ses_sent=10_000, dynamodb_wru=400_000)
    assert cost.ratio(with_writes, 512) == pytest.approx(1.5)
    assert math.isinf(cost.ratio(cost.Counts(sfn_transitions=4), 512))


def test_the_shape_of_the_design_leaves_what_storage_and_compute_may_cost():
    # 1,000 orders: 8 mails sent and 1 received each, 4 transitions, 12 clicks' requests.
    counts = cost.Counts(ses_sent=8000, ses_received=1000, sfn_transitions=4000, api_requests=12_000,
                         dynamodb_wru=100_000)
    table = cost.rows(counts, 512)
    assert cost.shape_cost(table) == pytest.approx(0.10 + 0.10 + 0.042)
    assert cost.headroom(table, cost.floor(counts)) == pytest.approx(0.3 * 0.80 - 0.242)
    assert cost.headroom(table, cost.floor(counts)) < 0


def test_counts_for_fewer_requests_scale_linearly():
    counted = cost.Counts(lambda_invocations=17, sfn_transitions=4, ses_sent=10, dynamodb_wru=2.5)
    scaled = counted.scaled(250)
    assert (scaled.lambda_invocations, scaled.sfn_transitions, scaled.ses_sent, scaled.dynamodb_wru) == \
        (4250, 1000, 2500, 625)
    assert cost.total(cost.rows(scaled, 512)) == pytest.approx(250 * cost.total(cost.rows(counted, 512)))


def test_the_table_shows_every_operation_and_the_total():
    text = cost.format_table(cost.rows(cost.Counts(ses_sent=1000, sfn_transitions=4000), 512))
    assert "SES mail sent" in text and "Step Functions transitions" in text
    assert text.splitlines()[-1].startswith("total") and text.splitlines()[-1].endswith("$   0.2000")


def test_an_item_is_as_large_as_dynamodb_counts_it_in_either_form():
    wire = {"PK": {"S": "REQ#RF-2611-0001"}, "SK": {"S": "META"}, "n": {"N": "12345"}, "ok": {"BOOL": True},
            "tags": {"L": [{"S": "ab"}]}, "text": {"S": "ё"}}
    plain = {"PK": "REQ#RF-2611-0001", "SK": "META", "n": 12345, "ok": True, "tags": ["ab"], "text": "ё"}
    expected = (2 + 16) + (2 + 4) + (1 + 4) + (2 + 1) + (4 + 3 + 1 + 2) + (4 + 2)
    assert item_size(wire) == item_size(plain) == expected


KEYS = ("PK", "SK")
QUEUE = Index("open_by_due", ("GSI2PK", "GSI2SK"), "KEYS_ONLY")
EVERYTHING = Index("by_assignee", ("GSI3PK", "GSI3SK"), "ALL")
NAMES = Index("by_customer", ("GSI1PK", "GSI1SK"), "INCLUDE", frozenset({"category"}))


def _request(**extra) -> dict:
    return {"PK": "REQ#RF-1", "SK": "META", "text": "x" * 1500, **extra}


def test_a_write_costs_a_unit_per_kilobyte_of_the_larger_of_the_item_before_and_after():
    small = {"PK": "REQ#RF-1", "SK": "META", "n": 1}
    assert write_units(None, small, KEYS, ()) == (1, {})
    assert write_units(small, _request(), KEYS, ()) == (2, {})
    assert write_units(_request(), None, KEYS, ()) == (2, {})


def test_an_index_is_written_as_its_projection_says_and_only_when_its_entry_changes():
    queued = _request(GSI2PK="OUT", GSI2SK="09:00", GSI3PK="STAFF#olga", GSI3SK="08:00", status="queued")
    touched = {**queued, "status": "sending"}
    assert write_units(None, queued, KEYS, (QUEUE, EVERYTHING)) == (2, {"open_by_due": 1, "by_assignee": 2})
    assert write_units(queued, touched, KEYS, (QUEUE, EVERYTHING)) == (2, {"by_assignee": 2}), \
        "a key-only entry is not rewritten for an attribute it does not hold"
    moved = {**queued, "GSI2SK": "09:05"}
    assert write_units(queued, moved, KEYS, (QUEUE,)) == (2, {"open_by_due": 2}), "a new index key: delete + put"
    gone = {k: v for k, v in queued.items() if k not in ("GSI2PK", "GSI2SK")}
    assert write_units(queued, gone, KEYS, (QUEUE,)) == (2, {"open_by_due": 1})


def test_an_included_attribute_rewrites_the_entry_and_others_do_not():
    item = _request(GSI1PK="CUST#a", GSI1SK="08:00", category="order")
    assert write_units(item, {**item, "category": "complaint"}, KEYS, (NAMES,)) == (2, {"by_customer": 1})
    assert write_units(item, {**item, "status": "resolved"}, KEYS, (NAMES,)) == (2, {})
    assert NAMES.entry(item, KEYS) == {"PK": "REQ#RF-1", "SK": "META", "GSI1PK": "CUST#a", "GSI1SK": "08:00",
                                       "category": "order"}
    assert NAMES.entry({"PK": "REQ#RF-2", "SK": "META"}, KEYS) is None, "a sparse index holds only items with its keys"


def test_item_kinds_name_what_the_units_were_spent_on():
    assert kind({"PK": {"S": "REQ#RF-1"}, "SK": {"S": "EVT#2026#1"}}) == "REQ/EVT"
    assert kind({"PK": "KPI#2026-11-02", "SK": "stage#approve"}) == "KPI/stage"
    assert kind({"PK": "OUT#ack.RF-1", "SK": "-"}) == "OUT"
    assert kind({"PK": "MID#<x@y>", "SK": "-"}) == "MID"
