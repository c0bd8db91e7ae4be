"""What the browser tests share about the running desk: its local control API (the outbox, a request's
JSON, inbound mail) and waiting for what the desk does in its own time."""
from __future__ import annotations

import json
import time
import urllib.request


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def sent_mail(desk_url: str) -> list[dict]:
    """Every email the desk sent so far (`GET /_local/outbox`)."""
    return get_json(f"{desk_url}/_local/outbox")


def post_mail(desk_url: str, raw: bytes) -> dict:
    """Raw MIME through the inbound path, as SES would deliver it: the outcome JSON."""
    request = urllib.request.Request(f"{desk_url}/_local/inbound", data=raw, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def wait_until(predicate, what: str, timeout: float = 20.0):
    """Poll `predicate` until it returns something truthy, and return that; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")
