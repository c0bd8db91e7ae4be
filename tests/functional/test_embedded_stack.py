"""The embedded stack and `rf serve`'s local control API, as the demo and a developer use them."""
from __future__ import annotations

import json
import urllib.request
from urllib.parse import quote

import pytest

from app import app
from devstack.server import DeskServer
from devstack.stack import EmbeddedStack, free_port

from .test_mail_intake import CORPUS


@pytest.fixture(scope="module")
def served():
    port = free_port()
    stack = EmbeddedStack(time_scale=3600, public_url=f"http://127.0.0.1:{port}", prefix="rfembedded").start()
    server = DeskServer(stack, port).start_background()
    try:
        yield stack, server.url
    finally:
        server.stop()
        stack.stop()
        from chalicelib import composition

        composition.install(None)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


def test_mail_posted_to_local_inbound_is_acknowledged_and_shown_in_the_outbox(served):
    stack, url = served
    raw = (CORPUS / "new_02_ru_utf8_8bit_roundcube_order_2t.eml").read_bytes()
    request = urllib.request.Request(f"{url}/_local/inbound", data=raw, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        outcome = json.loads(response.read())
    assert outcome["outcome"] == "created" and outcome["language"] == "ru"
    status, _, body = _get(f"{url}/_local/outbox")
    [ack] = [m for m in json.loads(body) if m["message_id"] == outcome["ack_message_id"]]
    assert ack["in_reply_to"] and outcome["ticket"] in ack["subject"] and ack["links"]
    assert set(ack) >= {"to", "from", "subject", "message_id", "in_reply_to", "text", "html", "links"}
    status, content_type, page = _get(f"{url}/_local/outbox/{quote(outcome['ack_message_id'], safe='')}")
    assert status == 200 and content_type.startswith("text/html") and outcome["ticket"].encode() in page


def test_mail_that_reaches_the_bucket_directly_is_delivered_once_by_the_pump(served):
    stack, _ = served
    raw = (CORPUS / "new_27_en_apple_qp_documents_auto_submitted_no.eml").read_bytes()
    stack.s3.put_object(Bucket=stack.resources.bucket, Key="inbound/put-by-ses-0001", Body=raw)
    [outcome] = stack.deliver_stored()
    assert outcome["outcome"] == "created" and outcome["raw_key"] == "inbound/put-by-ses-0001"
    assert stack.deliver_stored() == []


def test_the_clock_runs_at_the_chosen_scale(served):
    _, url = served
    status, _, body = _get(f"{url}/_local/clock")
    assert json.loads(body)["scale"] == 3600


def test_local_routes_exist_only_on_the_local_server_never_in_the_app():
    assert not [path for path in app.routes if path.startswith("/_local")]


def test_the_pump_fires_the_schedules_as_eventbridge_would(served):
    stack, _ = served
    from chalicelib.core.requests.models import Outbound

    mail = Outbound(outbox_id="pump-test", kind="notification", request_id=None, to=["ops@example.com"],
                    from_address="desk@requestflow.example", from_name="Desk", subject="pump test",
                    text="hello", message_id="<pump-test@requestflow.example>", automatic=True)
    assert stack.desk.table.enqueue(mail, "2026-11-02T09:00:00.000000Z")  # queued, not yet sent
    stack.run_schedules_once()
    assert [m for m in stack.sent_mail() if m["subject"] == "pump test"]


def test_the_same_mail_posted_three_times_at_once_to_the_local_server_is_one_request(served):
    import threading

    stack, url = served
    raw = (CORPUS / "new_09_zh_big5_base64_outlook_question.eml").read_bytes()
    outcomes = []

    def post():
        request = urllib.request.Request(f"{url}/_local/inbound", data=raw, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            outcomes.append(json.loads(response.read()))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 3 and len({o["ticket"] for o in outcomes}) == 1
    assert sorted(o["duplicate"] for o in outcomes) == [False, True, True]
    acks = [m for m in stack.sent_mail() if m["message_id"] == outcomes[0]["ack_message_id"]]
    assert len(acks) == 1
