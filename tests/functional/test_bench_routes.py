"""The approval route's Step Functions cost, counted as `make bench` counts it: an order on the embedded
stack, every task decided through its signed link. A machine shape that bills more than the budget
fails here, not only in the bench's report."""
from __future__ import annotations

import pytest
from chalice.test import Client

from bench import routes
from devstack.stack import EmbeddedStack


@pytest.fixture(scope="module")
def walked():
    stack = EmbeddedStack(time_scale=routes.TIME_SCALE, prefix="rfroutebench").start()
    try:
        with Client(stack.app) as client:
            yield lambda scenario, n: routes.count_route(stack, client, scenario, n)
    finally:
        stack.stop()


def test_the_happy_order_route_bills_at_most_two_transitions_per_person_task(walked):
    count = walked(routes.HAPPY, 1)
    assert (count.route_result, count.status) == ("approved", "in_execution")
    assert [(s.stage, s.cycle) for s in count.stages] == [
        ("approve", 1), ("summarize", 1), ("acknowledge", 1), ("execute", 1)]
    assert count.person_tasks == sum(len(s.decisions) for s in count.stages) == 6
    assert count.per_person_task <= routes.BUDGET_PER_PERSON_TASK, count.states_entered
    assert count.usd_per_1000_requests == pytest.approx(count.transitions * routes.USD_PER_1000_TRANSITIONS)


def test_a_rejection_at_summarize_goes_back_to_approve_and_is_counted_with_its_second_cycle(walked):
    count = walked(routes.REJECTED_ONCE, 2)
    assert [(s.stage, s.cycle) for s in count.stages] == [
        ("approve", 1), ("summarize", 1), ("approve", 2), ("summarize", 2), ("acknowledge", 2), ("execute", 2)]
    assert dict(count.stages[1].decisions) == {"sergey": "reject"}
    assert (count.route_result, count.status) == ("approved", "in_execution")
    assert count.person_tasks == 9
    assert count.states_entered.count("Stage_approve") == 2
    assert count.transitions == len(count.states_entered)


@pytest.mark.parametrize(("transitions", "tasks", "per_task", "usd"), [
    (4, 6, 4 / 6, 0.10), (8, 9, 8 / 9, 0.20), (12, 5, 2.4, 0.30)])
def test_the_figures_are_transitions_per_person_task_and_dollars_per_thousand_requests(transitions, tasks,
                                                                                        per_task, usd):
    assert routes.per_person_task(transitions, tasks) == pytest.approx(per_task)
    assert routes.usd_per_1000_requests(transitions) == pytest.approx(usd)
