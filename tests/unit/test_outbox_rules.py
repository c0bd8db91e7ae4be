"""The outbox's pure rules: the retry schedule, status-update windows, SES bounce and complaint notices."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from chalicelib.core.mail.delivery import next_attempt, retry_delay, update_window, window_start
from chalicelib.core.mail.feedback import parse_feedback

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def test_a_failed_email_waits_a_minute_then_twice_as_long_after_each_further_failure_up_to_an_hour():
    waits = [retry_delay(n, 60, 3600).total_seconds() for n in range(1, 10)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert next_attempt(T0, 3, 60, 3600) == T0 + timedelta(minutes=4)


def test_the_schedule_never_overflows_however_many_attempts_were_made():
    assert retry_delay(10_000, 60, 3600) == timedelta(hours=1)
    assert retry_delay(0, 60, 3600) == timedelta(minutes=1)


def test_status_update_windows_are_counted_from_the_request_creation():
    window = timedelta(hours=4)
    assert update_window(T0, T0, window) == 0
    assert update_window(T0, T0 + timedelta(hours=3, minutes=59), window) == 0
    assert update_window(T0, T0 + timedelta(hours=4), window) == 1
    assert update_window(T0, T0 + timedelta(hours=9), window) == 2
    assert window_start(T0, 2, window) == T0 + timedelta(hours=8)
    assert update_window(T0, T0 - timedelta(minutes=5), window) == 0, "a clock a little behind stays in window 0"


def _bounce(kind: str, *addresses: str, key: str = "notificationType") -> str:
    return json.dumps({key: "Bounce", "mail": {"messageId": "0102-ses-id"},
                       "bounce": {"bounceType": kind, "bounceSubType": "General", "timestamp": "2026-11-02T09:00:00Z",
                                  "bouncedRecipients": [{"emailAddress": a} for a in addresses]}})


def test_a_permanent_bounce_suppresses_every_bounced_recipient_once_lower_cased():
    found = parse_feedback(_bounce("Permanent", "Gone@Example.com", "Pieter <p@example.nl>", "gone@example.com"))
    assert [(s.address, s.reason, s.detail, s.ses_message_id) for s in found] == [
        ("gone@example.com", "bounce", "General", "0102-ses-id"), ("p@example.nl", "bounce", "General", "0102-ses-id")]


def test_a_transient_or_undetermined_bounce_suppresses_nobody():
    assert parse_feedback(_bounce("Transient", "full@example.com")) == []
    assert parse_feedback(_bounce("Undetermined", "odd@example.com")) == []


def test_a_complaint_suppresses_the_complaining_recipient():
    note = {"notificationType": "Complaint", "mail": {"messageId": "m1"},
            "complaint": {"complaintFeedbackType": "abuse", "complainedRecipients": [{"emailAddress": "angry@x.org"}]}}
    [found] = parse_feedback(note)
    assert (found.address, found.reason, found.detail) == ("angry@x.org", "complaint", "abuse")


def test_configuration_set_events_are_read_as_the_identity_notifications_are():
    [found] = parse_feedback(_bounce("Permanent", "gone@example.com", key="eventType"))
    assert (found.address, found.reason) == ("gone@example.com", "bounce")


def test_other_notifications_and_garbage_suppress_nobody():
    assert parse_feedback(json.dumps({"notificationType": "Delivery", "delivery": {"recipients": ["a@b.c"]}})) == []
    assert parse_feedback("not json at all") == []
    assert parse_feedback("[1, 2]") == []
    assert parse_feedback({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",
                                                                     "bouncedRecipients": [{"emailAddress": "x"}]}}) == []
