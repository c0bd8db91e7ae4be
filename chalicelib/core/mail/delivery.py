"""The outbox's pure rules: when a failed email is tried again, and which window a customer's status
update belongs to. Time is always passed in."""
from __future__ import annotations

from datetime import datetime, timedelta


def retry_delay(attempts: int, base_seconds: int, max_seconds: int) -> timedelta:
    """Exponential backoff: after the first failed attempt `base`, then twice as long each time, capped."""
    exponent = max(attempts - 1, 0)
    seconds = base_seconds * (2 ** min(exponent, 32))
    return timedelta(seconds=min(seconds, max_seconds))


def next_attempt(now: datetime, attempts: int, base_seconds: int, max_seconds: int) -> datetime:
    return now + retry_delay(attempts, base_seconds, max_seconds)


def update_window(anchor: datetime, now: datetime, window: timedelta) -> int:
    """The number of the status-update window `now` falls in, counting from `anchor` (the request's
    creation): window k runs from anchor + k·window to anchor + (k+1)·window."""
    if window <= timedelta(0) or now <= anchor:
        return 0
    return int((now - anchor) // window)


def window_start(anchor: datetime, number: int, window: timedelta) -> datetime:
    return anchor + number * window
