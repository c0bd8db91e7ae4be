"""GET /_local/requests/<id>: one request as JSON, for the demo, the browser tests and curious users."""
from __future__ import annotations

from dataclasses import asdict

from chalicelib.core.routes.progress import stage_states

_HIDDEN = ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "type")


def _plain(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in _HIDDEN and k != "token"}


def request_view(desk, request_id: str) -> dict | None:
    table = desk.table
    request = table.get_request(request_id)
    if request is None:
        return None
    tasks = table.tasks(request_id)
    stages = table.stages(request_id)
    route = None
    if request.route and desk.approvals is not None:
        version = desk.approvals.registry.version(request.route["name"], int(request.route["version"]))
        names = {m.id: m.name for m in desk.config.staff}
        views = stage_states(version, stages, tasks, names)
        route = {"name": version.name, "version": version.version, "run": request.route.get("run", 1),
                 "cycle": max((int(s["cycle"]) for s in stages), default=1),
                 "result": request.route_result,
                 "stages": [{"id": v.stage_id, "name": version.stage(v.stage_id).label("en"),
                             "kind": version.stage(v.stage_id).kind, "state": v.state, "cycle": v.cycle,
                             "acting": list(v.acting), "decided_by": list(v.decided_by)} for v in views]}
    return {
        **{k: v for k, v in asdict(request).items()},
        "status": request.status,
        "route": route,
        "tasks": [{"stage": t["stage"], "cycle": int(t["cycle"]), "person": t["person"], "state": t["state"],
                   "decision": t.get("decision"), "comment": t.get("comment"), "due": t.get("due"),
                   "reminders_sent": int(t.get("reminders_sent") or 0), "note": t.get("note"),
                   "decided_at": t.get("decided_at")} for t in tasks],
        "stages": [_plain(s) for s in stages],
        "messages": [_plain(m) for m in table.messages(request_id)],
        "events": [_plain(e) for e in table.events(request_id)],
    }
