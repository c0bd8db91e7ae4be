"""The approval analysis of a request (as 1C's "analysis" report): every visa, per stage and cycle.

A view model for templates/pages/_analysis.html.j2: display strings only, already localized.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from .model import POSITIVE, RouteVersion

TEXTS = {
    "en": {
        "decisions": {"approve": "Approved", "reject": "Rejected", "read": "Read", "start": "Started",
                      "answer": "Answered"},
        "waiting": "Waiting",
        "closed": "Closed without decision",
        "default": "Decided by default",
        "decided_by": "decided by {name}",
        "outcomes": {"approved": "Approved", "completed": "Completed", "rejected": "Rejected",
                     "waiting": "Waiting", "closed": "Closed without decision"},
        "counts": {"approved": "approved", "done": "done", "rejected": "rejected", "waiting": "waiting"},
        "cycle": "Cycle {n}",
    },
    "ru": {
        "decisions": {"approve": "Согласовано", "reject": "Отклонено", "read": "Ознакомлен(а)",
                      "start": "Начато", "answer": "Ответ дан"},
        "waiting": "Ожидает",
        "closed": "Закрыто без решения",
        "default": "Решено по умолчанию",
        "decided_by": "решение принял(а) {name}",
        "outcomes": {"approved": "Согласовано", "completed": "Выполнено", "rejected": "Отклонено",
                     "waiting": "Ожидает решения", "closed": "Закрыто без решения"},
        "counts": {"approved": "согласовали", "done": "выполнили", "rejected": "отклонили", "waiting": "ожидают"},
        "cycle": "Цикл {n}",
    },
    "zh": {
        "decisions": {"approve": "已批准", "reject": "已驳回", "read": "已阅", "start": "已开始",
                      "answer": "已答复"},
        "waiting": "等待中",
        "closed": "未决定即关闭",
        "default": "按默认决定",
        "decided_by": "由 {name} 决定",
        "outcomes": {"approved": "已批准", "completed": "已完成", "rejected": "已驳回",
                     "waiting": "等待决定", "closed": "未决定即关闭"},
        "counts": {"approved": "批准", "done": "完成", "rejected": "驳回", "waiting": "等待"},
        "cycle": "第 {n} 轮",
    },
}

_DECIDED_BY = re.compile(r"^decided by (?P<person>\S+)$")


def utc(value: str | None) -> datetime | None:
    """An ISO time in UTC (a time without an offset is taken as UTC)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def when(value: str | None) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM' UTC."""
    moment = utc(value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _decision(task: dict, t: dict) -> str:
    decision = task.get("decision")
    made = t["decisions"].get(decision, decision or "")
    if task.get("note") == "default":
        return f"{t['default']} ({made})" if made else t["default"]
    if made:
        return made
    return t["waiting"] if task.get("state") == "open" else t["closed"]


def _note(task: dict, staff_names: dict[str, str], t: dict) -> str:
    note = task.get("note") or ""
    if note == "default":
        return ""
    match = _DECIDED_BY.match(note)
    if match:
        person = match.group("person")
        return t["decided_by"].format(name=staff_names.get(person, person))
    return note


_NEVER = datetime.max.replace(tzinfo=timezone.utc)


def _visa_order(task: dict) -> tuple:
    """By the moment of the decision (offsets differ, so not by the text), the undecided last."""
    return (utc(task.get("decided_at")) or _NEVER, task.get("person") or "")


def outcome(mode: str, tasks: list[dict]) -> str:
    """'approved', 'rejected', 'waiting' or 'closed' for one stage cycle from its tasks.

    'any': the earliest decision decides; 'all': one rejection decides, else everyone must act.
    A cycle with no decision and nobody waiting was closed (force-completed)."""
    decided = sorted((t for t in tasks if t.get("decision")), key=_visa_order)
    waiting = any(t.get("state") == "open" for t in tasks)
    if mode == "any" and decided:
        return "approved" if decided[0]["decision"] in POSITIVE else "rejected"
    if any(t["decision"] not in POSITIVE for t in decided):
        return "rejected"
    if waiting:
        return "waiting"
    return "approved" if decided else "closed"


def _stage_order(route: RouteVersion, stage_id: str) -> int:
    ids = [s.id for s in route.stages]
    return ids.index(stage_id) if stage_id in ids else len(ids)


def analysis_view(route: RouteVersion, tasks: list[dict], staff_names: dict[str, str], lang: str) -> list[dict]:
    """One group per stage and cycle, in route order then cycle order, each with its visas (oldest
    decision first, the waiting after) and a summary."""
    t = TEXTS.get(lang, TEXTS["en"])
    groups: dict[tuple[str, int], list[dict]] = {}
    for task in tasks:
        groups.setdefault((task["stage"], int(task.get("cycle") or 1)), []).append(task)
    view = []
    for stage_id, cycle in sorted(groups, key=lambda key: (_stage_order(route, key[0]), key[0], key[1])):
        members = sorted(groups[(stage_id, cycle)], key=_visa_order)
        number = _stage_order(route, stage_id)
        stage = route.stages[number] if number < len(route.stages) else None
        result = outcome(stage.mode if stage else "all", members)
        approving = stage is None or "reject" in stage.actions
        counts = {"approved" if approving else "done": sum(1 for m in members if m.get("decision") in POSITIVE),
                  "rejected": sum(1 for m in members if m.get("decision") and m["decision"] not in POSITIVE),
                  "waiting": sum(1 for m in members if m.get("state") == "open" and not m.get("decision"))}
        label = "completed" if result == "approved" and not approving else result
        view.append({
            "stage_id": stage_id,
            "number": number + 1 if stage else None,
            "stage": stage.label(lang) if stage else stage_id,
            "cycle": cycle,
            "cycle_label": t["cycle"].format(n=cycle),
            "outcome": result,
            "summary": t["outcomes"][label],
            "counts": ", ".join(f"{t['counts'][k]}: {n}" for k, n in counts.items() if n) if len(members) > 1 else "",
            "visas": [{
                "who": staff_names.get(m.get("person") or "", m.get("person") or ""),
                "decision": _decision(m, t),
                "decision_code": m.get("decision") or ("waiting" if m.get("state") == "open" else "closed"),
                "comment": m.get("comment") or "",
                "when": when(m.get("decided_at")),
                "when_iso": utc(m.get("decided_at")).isoformat() if m.get("decided_at") else "",
                "note": _note(m, staff_names, t),
            } for m in members],
        })
    return view
