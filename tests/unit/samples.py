"""A request as the desk stores it, for the unit tests of what is written about it (mail, pages)."""
from __future__ import annotations

from chalicelib.core.requests.models import Request


def a_request(**overrides) -> Request:
    """An English order of Pieter's in sales, with ivan, just received; `overrides` change any field."""
    values = dict(request_id="RF-2611-0042", ticket="RF-2611-0042", status="new", source="email",
                  category="order", department="sales", priority="normal", language="en",
                  customer_email="buyer@example.com", customer_name="Pieter", subject="Quote: film",
                  assignee="ivan", created_at="2026-11-02T09:00:00.000000Z",
                  due_first_response="2026-11-03T09:00:00.000000Z", due_resolution="2026-11-05T09:00:00.000000Z",
                  reply_address="desk+r.rf-2611-0042.abc@requestflow.example")
    values.update(overrides)
    return Request(**values)
