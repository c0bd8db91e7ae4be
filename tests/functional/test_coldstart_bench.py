"""The cold-start bench's children do the work they are timed for, so the bench cannot time a failure."""
from __future__ import annotations

import pytest

from bench.coldstack import ColdStack, ColdStartFailed
from bench.run import CORPUS, _child_env, cold_app_run, cold_boto3_run

CUSTOMER = "l.bianchi@verdepackaging.it"


@pytest.fixture
def stack():
    started = ColdStack((CORPUS / "new_27_en_apple_qp_documents_auto_submitted_no.eml").read_bytes()).start()
    try:
        yield started
    finally:
        started.stop()


def test_a_fresh_app_process_opens_the_request_from_one_sns_event_and_acknowledges_it(stack):
    run, _ = cold_app_run(stack, _child_env())

    assert run.outcome["outcome"] == "created"
    assert stack.request(run.outcome["ticket"])["customer_email"] == CUSTOMER
    to_customer = [m for m in stack.sent_mail() if CUSTOMER in m["to"]]
    assert len(to_customer) == 1
    assert run.outcome["ack_message_id"].encode() in to_customer[0]["raw"]
    assert run.calls["ssm"] == {"GetParameter": 1}
    assert run.calls["s3"]["GetObject"] == 1
    assert run.calls["dynamodb"]["PutItem"] >= 1


def test_the_boto3_child_makes_exactly_the_calls_the_app_made(stack):
    app_run, _ = cold_app_run(stack, _child_env())
    route = stack.acknowledgement_route(app_run.outcome)

    boto3_run, _ = cold_boto3_run(stack, _child_env(), app_run.calls, route)

    assert boto3_run.calls == app_run.calls
    assert len([m for m in stack.sent_mail() if CUSTOMER in m["to"]]) == app_run.calls["ses"]["SendRawEmail"]


@pytest.mark.parametrize("mail", ["noreq_01_auto_submitted_auto_replied_vacation.eml",
                                  "noreq_10_dsn_multipart_report_postfix.eml"])
def test_a_cold_run_that_opens_no_request_stops_the_bench(mail):
    stack = ColdStack((CORPUS / mail).read_bytes()).start()
    try:
        with pytest.raises(ColdStartFailed, match="did not open a request"):
            cold_app_run(stack, _child_env())
    finally:
        stack.stop()
