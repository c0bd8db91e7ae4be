"""The digest bench runs the real write path: a small volume through add_event leaves the same
aggregate items as the summed contributions, and the digest reads them."""
from __future__ import annotations

from bench.digest import one_volume


def test_a_small_month_through_add_event_is_read_back_by_the_digest():
    lines = []
    run = one_volume(30, lines.append, events=True)
    assert run["same_items_as_summed"] is True
    assert run["resolved"] == 30 and run["items_read"] > 0
    assert "30 requests" in lines[0]
