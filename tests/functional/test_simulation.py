"""`rf simulate` on a small scale: the traffic runs through the real desk, what its summary says was
created and sent is what the desk stored and SES sent, and the digest it ends with adds up to what
the exported event log says."""
from __future__ import annotations

import pytest

from chalicelib.core.clock import FixedClock
from chalicelib.core.config import load_config
from chalicelib.settings import DEFAULT_CONFIG
from devstack.simulate import START, LocalDesk, Simulation, format_summary
from devstack.stack import EmbeddedStack


@pytest.fixture(scope="module")
def simulated():
    stack = EmbeddedStack(clock=FixedClock(START), in_process=True, prefix="rfsimtest", task_pump=False).start()
    try:
        desk = LocalDesk(stack)
        mark = desk.mark
        simulation = Simulation(desk, load_config(DEFAULT_CONFIG), days=2, per_day=4, seed=11)
        summary = simulation.run()
        table = stack.session.resource("dynamodb").Table(stack.resources.table_name)
        items = []
        kwargs = {}
        while True:
            page = table.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        requests = [i for i in items if i["PK"].startswith("REQ#") and i["SK"] == "META"]
        sent = list(LocalDesk._ses_sent())[mark:]
        yield summary, requests, sent, stack
    finally:
        stack.stop()


def test_every_request_the_summary_counts_is_in_the_desks_table(simulated):
    summary, requests, _, _ = simulated
    assert summary["first_messages"] == 8
    assert summary["requests_created"] == len(requests) > 0
    assert summary["stored"]["requests"] == len(requests)
    assert sum(summary["stored"]["by_status"].values()) == len(requests)
    assert summary["requests_created"] + summary["ignored"] + summary["other_outcomes"] == 8


def test_the_mail_the_summary_counts_is_what_ses_sent(simulated):
    summary, requests, sent, _ = simulated
    assert summary["mails_sent"] == len(sent)
    customers = {r["customer_email"] for r in requests if r.get("customer_email")}
    reached = {d for m in sent for d in m.destinations}
    assert customers <= reached, "every customer got at least their acknowledgement"


def test_staff_answers_reach_the_desk_as_authenticated_staff_replies(simulated):
    summary, requests, _, _ = simulated
    assert summary["answered"] > 0
    assert summary["staff_actions"].get("unverified", 0) == 0
    assert summary["answered"] == summary["staff_actions"].get("answered", 0) + summary["staff_actions"].get("resolved", 0)
    answered = [r for r in requests if r.get("first_response_at")]
    assert len(answered) >= 1


def test_the_summary_reads_as_a_report(simulated):
    summary, _, _, _ = simulated
    text = format_summary(summary)
    assert "requests created" in text and "mails sent" in text and "the desk stored" in text
    assert f"surveys answered   {summary['surveys_answered']} of {summary['surveys_sent']} sent" in text


def test_the_closing_digest_equals_a_recomputation_from_the_exported_events(simulated):
    from tests.functional.test_kpi_recompute import recompute

    summary, requests, _, stack = simulated
    digest = LocalDesk(stack).digest("week")
    mine = recompute(stack.events_export())
    headline = digest["figures"]
    assert mine["received"] == len(requests)
    assert headline["received"] == mine["received"]
    assert headline["resolved"] == mine["resolved"] > 0
    assert headline["reopens"] == mine["reopens"]
    assert headline["fcr"] == mine["fcr"]
    assert headline["first_response"]["count"] == len(mine["frt"]) > 0
    assert headline["csat_answers"] == len(mine["csat"]) == summary["surveys_answered"]
    assert headline["red_zone"] == mine["red_zone"]
    assert headline["repeats"] == mine["repeats"] + mine["reopens"]
    assert headline["first_response"]["mean"] == pytest.approx(sum(mine["frt"]) / len(mine["frt"]), abs=1 / 60), \
        "the desk sums whole seconds"
    for row in digest["staff"]:
        assert row["resolved"] == mine["resolved_by"].get(row["staff_id"], 0)
        assert row["assigned"] == mine["assigned"].get(row["staff_id"], 0)
