"""The outbox on the embedded stack, as a user checks it: with RF_SES_FAILURE_RATE=0.3 every email
goes out exactly once in the end, a bounced address is not written to again, and `./rf outbox` lists
what died and retries it."""
from __future__ import annotations

import json
import secrets
import time
import urllib.request
from collections import Counter

import pytest

from devstack.cli import main
from devstack.faults import FlakySes, failure_settings
from devstack.resources import load_template
from devstack.server import DeskServer
from devstack.stack import ACCOUNT, REGION, EmbeddedStack, free_port


def _question(sender: str, n: int) -> bytes:
    return (f"From: Customer {n} <{sender}>\r\nTo: desk@requestflow.example\r\nSubject: Where is my invoice {n}?\r\n"
            f"Message-ID: <{secrets.token_hex(8)}@client.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hello, I have not received the invoice for delivery {n}. Could you send it again? Thanks\r\n").encode()


def _sent_messages() -> list:
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT][REGION].sent_messages)


@pytest.fixture(scope="module")
def desk():
    from chalicelib import observability

    observability.logger()
    port = free_port()
    stack = EmbeddedStack(time_scale=3600, public_url=f"http://127.0.0.1:{port}", prefix="rfoutbox",
                          ses_failure_rate=0.3, ses_failure_seed=11).start()
    server = DeskServer(stack, port).start_background()
    try:
        yield stack, server.url, len(_sent_messages())
    finally:
        server.stop()
        stack.stop()
        from chalicelib import composition

        composition.install(None)


def _message_ids(mark: int) -> Counter:
    from devstack.outbox import describe

    return Counter(describe(m)["message_id"] for m in _sent_messages()[mark:])


def _run_schedules_until_sent(stack, rounds: int = 80) -> None:
    """send_outbox every 0.05 s (three desk minutes) until nothing waits; dead letters retried by hand."""
    for _ in range(rounds):
        stack.run_schedules_once()
        rows = stack.outbox_queue()
        for row in rows:
            if row["state"] == "dead":
                stack.outbox_retry(row["outbox_id"])
        if not rows:
            return
        time.sleep(0.05)


def _post(url: str, body: dict) -> list:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_with_30_percent_of_ses_sends_failing_every_email_is_delivered_exactly_once(desk):
    stack, _, mark = desk
    assert isinstance(stack.flaky_ses, FlakySes) and stack.flaky_ses.rate == 0.3
    outcomes = [stack.ingest(_question(f"buyer{n}@shops.example", n)) for n in range(10)]
    assert {o["outcome"] for o in outcomes} == {"created"}
    _run_schedules_until_sent(stack)
    sent = _message_ids(mark)
    assert stack.outbox_queue() == [] and stack.flaky_ses.failures > 0
    assert set(sent.values()) == {1}, "nothing twice"
    assert {o["ack_message_id"] for o in outcomes} <= set(sent), "every acknowledgement went out"
    assert len(sent) >= 20, "and every staff notification"


def test_a_bounced_address_is_not_written_to_again(desk):
    stack, url, mark = desk
    stack.flaky_ses.rate = 0
    found = _post(f"{url}/_local/feedback", {
        "eventType": "Bounce", "mail": {"messageId": "x"},
        "bounce": {"bounceType": "Permanent", "bounceSubType": "NoEmail",
                   "bouncedRecipients": [{"emailAddress": "gone@shops.example"}]}})
    assert found == [{"address": "gone@shops.example", "reason": "bounce", "detail": "NoEmail"}]
    outcome = stack.ingest(_question("gone@shops.example", 99))
    assert outcome["outcome"] == "created"
    _run_schedules_until_sent(stack)
    from devstack.outbox import describe

    assert not [m for m in _sent_messages()[mark:] if "gone@shops.example" in describe(m)["to"]]
    events = stack.request_json(outcome["ticket"])["events"]
    assert [(e["address"], e["reason"]) for e in events if e["event"] == "mail_suppressed"] == [
        ("gone@shops.example", "bounce")]


def test_rf_outbox_lists_a_dead_email_and_retry_sends_it_once(desk, capsys):
    stack, url, mark = desk
    stack.flaky_ses.rate = 1.0
    outcome = stack.ingest(_question("late@shops.example", 7))
    ack_id = f"ack.{outcome['ticket']}"
    for _ in range(80):
        stack.run_schedules_once()
        if (stack.desk.table.outbound(ack_id) or {}).get("status") == "dead":
            break
        time.sleep(0.05)
    capsys.readouterr()
    assert main(["outbox", "--to", url]) == 0
    listing = capsys.readouterr().out
    [line] = [row for row in listing.splitlines() if row.startswith(ack_id)]
    assert "dead" in line and "late@shops.example" in line and "Throttling" in line and " 5 " in line
    assert main(["outbox", "--to", url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"outbox_id": ack_id, "state": "dead", "attempts": 5} .items() <= next(
        r for r in rows if r["outbox_id"] == ack_id).items()

    stack.flaky_ses.rate = 0
    assert main(["outbox", "retry", ack_id, "--to", url]) == 0
    assert capsys.readouterr().out.strip() == f"{ack_id}: sent"
    assert main(["outbox", "retry", ack_id, "--to", url]) == 1
    assert "nothing to retry" in capsys.readouterr().out
    events = stack.request_json(outcome["ticket"])["events"]
    assert any(e["event"] == "mail_dead_lettered" and e["outbox_id"] == ack_id for e in events)
    _run_schedules_until_sent(stack)
    assert _message_ids(mark)[outcome["ack_message_id"]] == 1


def test_rf_outbox_without_a_running_desk_looks_at_an_empty_one_of_its_own(capsys):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "TZ": "UTC", "RF_SES_FAILURE_RATE": "0.3"}
    run = subprocess.run([sys.executable, "-m", "devstack.cli", "outbox"], cwd=root, env=env, capture_output=True,
                         text=True, timeout=120)
    assert (run.returncode, run.stdout.strip()) == (0, "no unsent mail: everything queued has been sent"), run.stderr
    assert main(["outbox", "resend", "x"]) == 2
    assert main(["outbox", "--to", f"http://127.0.0.1:{free_port()}"]) == 2
    assert "cannot reach the desk" in capsys.readouterr().err


def test_the_failure_rate_comes_from_the_environment_and_must_be_a_share():
    assert failure_settings({"RF_SES_FAILURE_RATE": "0.3", "RF_SES_FAILURE_SEED": "5"}) == (0.3, 5)
    assert failure_settings({}) == (0, 0)
    for bad in ("1.5", "-0.1", "lots"):
        with pytest.raises(ValueError, match="RF_SES_FAILURE_RATE"):
            failure_settings({"RF_SES_FAILURE_RATE": bad})


def test_bounces_and_complaints_of_sent_mail_reach_the_feedback_topic_the_app_subscribes_to(desk):
    from chalicelib.entrypoints import FEEDBACK_TOPIC

    stack, _, _ = desk
    template = load_template()
    destination = template["Resources"]["OutboundFeedbackDestination"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert template["Resources"]["MailFeedbackTopic"]["Properties"]["TopicName"] == FEEDBACK_TOPIC
    ses = stack.session.client("ses", endpoint_url=stack.endpoint)
    described = ses.describe_configuration_set(ConfigurationSetName=stack.resources.configuration_set,
                                               ConfigurationSetAttributeNames=["eventDestinations"])
    [embedded] = described["EventDestinations"]
    assert embedded["SNSDestination"]["TopicARN"] == stack.resources.feedback_topic_arn
    assert stack.settings.ses_configuration_set == stack.resources.configuration_set, "sends name the set"
