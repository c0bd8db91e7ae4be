"""KPIs computed from hand-made event sequences: what each event adds, and the figures of a period."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.core.kpi.contributions import Context, bucket, contributions, first_contact
from chalicelib.core.kpi.digest import csv_rows, digest_view, due_period
from chalicelib.core.kpi.metrics import percentile, report, score

CREATED = "2026-11-02T09:00:00Z"
REQUEST = {"request_id": "RF-1", "created_at": CREATED, "assignee": "olga", "customer_email": "c@x.example",
           "due_resolution": "2026-11-05T09:00:00Z"}


def ev(event: str, at: str, **fields) -> dict:
    return {"event": event, "at": at, "SK": f"EVT#{at}#{event}", **fields}


def items_of(events: list[tuple[str, str, dict, Context]]) -> tuple[list[dict], list[dict]]:
    """Apply contributions as the table would (ADD per day and dimension): (day items, now items)."""
    agg: dict[tuple[str, str], dict[str, int]] = {}
    for event, at, fields, context in events:
        for c in contributions(event, at, fields, context):
            counters = agg.setdefault((c.day, c.dimension), {})
            for k, v in c.counters.items():
                counters[k] = counters.get(k, 0) + v
    days = [{"PK": f"KPI#{d}", "SK": dim, **c} for (d, dim), c in agg.items() if d != "now"]
    now = [{"PK": "KPI#now", "SK": dim, **c} for (d, dim), c in agg.items() if d == "now"]
    return days, now


def week_report(days_items, now_items=(), **kw):
    days = [f"2026-11-{d:02d}" for d in range(2, 9)]
    return report(days_items, [], list(now_items), days=days, cost_per_month=kw.get("cost", 0.0),
                  order_categories=("order",), staff_names={"olga": "Olga", "ivan": "Ivan"},
                  stage_names={"approve": "Approve"})


def test_first_response_time_counts_from_receipt_to_the_first_answer_of_a_person():
    got = contributions("first_response", "2026-11-02T10:30:00Z", {"author": "olga"}, Context(request=REQUEST))
    desk = next(c for c in got if c.dimension == "desk")
    assert desk.counters == {"frt_n": 1, "frt_s": 5400, "h_frt_90": 1}
    assert {c.dimension for c in got} == {"desk", "staff#olga"}


def test_median_and_p90_are_nearest_rank_over_the_minute_histogram():
    hist = {m: 1 for m in (5, 10, 15, 20, 25, 30, 35, 40, 45, 100)}
    assert percentile(hist, 0.5) == 25
    assert percentile(hist, 0.9) == 45
    assert percentile({}, 0.5) is None


def test_durations_fall_into_a_bounded_set_of_buckets_so_an_item_stays_small():
    assert (bucket(0), bucket(4), bucket(5), bucket(59), bucket(60), bucket(125)) == (0, 0, 5, 45, 60, 120)
    assert (bucket(1500), bucket(3000), bucket(20000), bucket(90 * 1440)) == (1440, 2880, 10080, 43200)
    assert len({bucket(m) for m in range(0, 90 * 1440)}) == 24


def test_a_median_is_the_lower_edge_of_the_bucket_the_middle_duration_falls_into():
    hist: dict[int, int] = {}
    for minutes in (50, 70, 80, 100, 130):
        hist[bucket(minutes)] = hist.get(bucket(minutes), 0) + 1
    assert percentile(hist, 0.5) == 60, "80 minutes lies in [60, 90)"
    assert percentile(hist, 0.9) == 120


def test_median_resolution_and_mean_come_from_aggregates_of_several_requests():
    events = []
    for i, minutes in enumerate((60, 120, 240)):
        request = {**REQUEST, "request_id": f"RF-{i}"}
        at = datetime(2026, 11, 2, 9 + minutes // 60, minutes % 60, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        events.append(("status_changed", at, {"from": "open", "to": "resolved", "by": "olga"},
                       Context(request=request, events=[])))
    days, _ = items_of(events)
    rep = week_report(days)
    assert rep.figures.resolved == 3
    assert rep.figures.resolution.median == 120
    assert rep.figures.resolution.mean == 140
    assert rep.figures.on_time_share == 1.0


def test_a_resolution_after_one_answer_and_no_follow_up_is_first_contact():
    answered = [ev("received", CREATED), ev("staff_replied", CREATED, author="olga", command=None)]
    assert first_contact(answered)
    assert not first_contact(answered + [ev("customer_replied", CREATED)])
    assert not first_contact(answered + [ev("staff_replied", CREATED, author="olga", command="resolve")])
    assert first_contact(answered + [ev("staff_replied", CREATED, author="olga", command="note")])
    assert not first_contact([ev("received", CREATED)])


def test_a_reopen_takes_back_the_first_contact_resolution_and_counts_as_a_repeat():
    resolved_at = "2026-11-03T09:00:00Z"
    before = [ev("received", CREATED), ev("staff_replied", CREATED, author="olga", command="resolve")]
    resolution = ev("status_changed", resolved_at, **{"from": "new", "to": "resolved", "by": "olga"},
                    assignee="olga")
    days, _ = items_of([
        ("status_changed", resolved_at, {"from": "new", "to": "resolved", "by": "olga"},
         Context(request=REQUEST, events=before)),
        ("status_changed", "2026-11-04T09:00:00Z", {"from": "resolved", "to": "open", "by": "c@x.example"},
         Context(request=REQUEST, events=before + [resolution])),
    ])
    rep = week_report(days)
    assert rep.figures.fcr == 0 and rep.figures.reopens == 1 and rep.figures.repeats == 1
    olga = next(r for r in rep.staff if r.staff_id == "olga")
    assert olga.fcr_share == 0.0


def test_a_request_in_the_same_category_resolved_within_seven_days_is_a_repeat_contact():
    earlier = {"request_id": "RF-0", "category": "order", "resolved_at": "2026-10-30T09:00:00Z"}
    long_ago = {"request_id": "RF-9", "category": "order", "resolved_at": "2026-10-20T09:00:00Z"}
    other = {"request_id": "RF-8", "category": "complaint", "resolved_at": "2026-11-01T09:00:00Z"}
    repeat = contributions("classified", CREATED, {"category": "order"},
                           Context(request=REQUEST, customer_requests=[earlier]))
    fresh = contributions("classified", CREATED, {"category": "order"},
                          Context(request=REQUEST, customer_requests=[long_ago, other]))
    assert repeat[0].counters == {"cat_order": 1, "repeats": 1}
    assert fresh[0].counters == {"cat_order": 1}


def test_csat_is_the_share_of_four_and_five_and_the_mean_score():
    days, _ = items_of([("survey_answered", CREATED, {"score": s}, Context(request=REQUEST)) for s in (5, 4, 2, 1)])
    rep = week_report(days)
    assert rep.figures.csat_share == 0.5 and rep.figures.csat_mean == 3.0 and rep.figures.csat_answers == 4


def test_stage_bottlenecks_count_waiting_now_and_time_spent():
    stage = {"started_at": "2026-11-02T09:00:00Z"}
    days, now = items_of([
        ("stage_started", "2026-11-02T09:00:00Z", {"stage": "approve", "cycle": 1, "state": "waiting"}, Context()),
        ("stage_started", "2026-11-02T09:00:00Z", {"stage": "approve", "cycle": 1, "state": "waiting"}, Context()),
        ("stage_decided", "2026-11-02T11:00:00Z", {"stage": "approve", "cycle": 1}, Context(stage=stage)),
        ("stage_started", "2026-11-02T09:00:00Z", {"stage": "approve", "cycle": 1, "state": "disabled"}, Context()),
    ])
    row = week_report(days, now).stages[0]
    assert (row.stage, row.waiting_now, row.decided, row.median, row.p90) == ("approve", 1, 1, 120, 120)


def test_conversion_counts_orders_approvals_and_execution_starts():
    days, _ = items_of([
        ("classified", CREATED, {"category": "order"}, Context(request=REQUEST)),
        ("classified", CREATED, {"category": "order"}, Context(request=REQUEST)),
        ("route_finished", CREATED, {"result": "approved"}, Context()),
        ("route_finished", CREATED, {"result": "not_approved"}, Context()),
        ("execution_started", CREATED, {"stage": "execute"}, Context()),
    ])
    f = week_report(days).figures
    assert (f.orders, f.approved, f.executions) == (2, 1, 1)


def test_red_zone_alerts_count_for_the_desk_and_the_holder():
    days, _ = items_of([("sla_red_zone", CREATED, {"target": "resolution", "holder": "ivan"}, Context())])
    rep = week_report(days)
    assert rep.figures.red_zone == 1
    assert next(r for r in rep.staff if r.staff_id == "ivan").red_zone == 1


def test_cost_per_request_spreads_the_monthly_cost_over_the_resolved_requests():
    days, _ = items_of([("status_changed", CREATED, {"from": "open", "to": "resolved"},
                         Context(request=REQUEST, events=[]))] * 2)
    assert week_report(days, cost=3000.0).figures.cost_per_request == 3000 * 7 / 30 / 2


def test_the_score_weighs_resolved_on_time_csat_and_fcr_and_drops_parts_without_data():
    assert score(10, 10, 1.0, 5.0, 1.0) == 100.0
    assert score(5, 10, 0.5, None, 0.0) == round(100 * (0.4 * 0.5 + 0.3 * 0.5) / 0.8, 1)
    assert score(0, 10, None, None, None) == 0.0


def test_a_weekly_digest_is_due_from_monday_at_the_managers_hour_for_the_week_before():
    sunday_night = datetime(2026, 11, 9, 4, 0, tzinfo=timezone.utc)  # Monday 07:00 in Moscow
    monday_late = datetime(2026, 11, 9, 6, 0, tzinfo=timezone.utc)  # Monday 09:00 in Moscow
    assert due_period(sunday_night, "weekly", "Europe/Moscow", 8) is None
    key, days, previous = due_period(monday_late, "weekly", "Europe/Moscow", 8)
    assert key == "2026-11-02" and days[-1] == "2026-11-08" and previous[0] == "2026-10-26"


def test_the_digest_view_has_bars_and_a_csv_of_its_rows():
    days, _ = items_of([("status_changed", CREATED, {"from": "open", "to": "resolved"},
                         Context(request=REQUEST, events=[]))])
    view = digest_view(week_report(days), lang="ru", currency="EUR", overdue=[], red_zone=[], link=lambda r: r)
    olga = next(s for s in view["staff"] if s["staff_id"] == "olga")
    assert olga["bar"] == 100
    assert view["headline"][1]["label"] == "Решено заявок"
    text = csv_rows(view)
    assert "staff,olga,0,1" in text and text.startswith("section,name,value")
