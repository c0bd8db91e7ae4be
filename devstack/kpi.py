"""The digest and the event export for the command line and the local control API."""
from __future__ import annotations

CONTEXT_FIELDS = ("PK", "SK", "type", "event", "at")
ACTOR_FIELDS = ("by", "author", "actor")


def export_line(item: dict) -> dict:
    """One exported event: request, type, time, actor, then the fields of its type.

    `actor` is who did it: the event's `by` or `author`; for assignments, the desk."""
    fields = {k: v for k, v in item.items() if k not in CONTEXT_FIELDS}
    actor = next((fields[k] for k in ACTOR_FIELDS if fields.get(k)), None)
    if actor is None and item.get("event") in ("received", "classified", "assigned", "stage_started",
                                                "route_started", "route_finished", "cycle_started"):
        actor = "desk"
    return {"request": item["PK"].removeprefix("REQ#"), "type": item["event"], "time": item["at"],
            "actor": actor, **{k: v for k, v in fields.items() if k != "actor"}}


def export_events(desk, since: str | None = None) -> list[dict]:
    return [export_line(e) for e in desk.table.all_events(since)]


def digest_json(desk, period: str = "week") -> dict:
    from chalicelib.core.kpi.digest import report_json
    from chalicelib.service.digests import digests_of

    digests = digests_of(desk)
    rep, view = digests.rolling(period, "en", link=lambda rid: f"{desk.signin_links.base_url}/staff/requests/{rid}"
                                if desk.signin_links else rid)
    return {**report_json(rep), "overdue": view["overdue"], "red_zone": view["red_zone"],
            "overdue_count": view["overdue_count"], "red_count": view["red_count"],
            "conversion": {c["label"]: c["value"] for c in view["conversion"]}, "text": desk.templates.render(
                "email/digest.txt.j2", **{**view, "page_url": ""})}
