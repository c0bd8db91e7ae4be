"""View models of the staff pages ("my work", a request's page) from the desk's records. Pure.

Links inside the pages are relative (a page under /staff/ links its neighbours), so the pages work
behind any host or API Gateway stage.
"""
from __future__ import annotations

import re
from datetime import datetime

from chalicelib.core.clock import parse_iso
from chalicelib.core.config import DeskConfig, StaffMember
from chalicelib.core.requests.lifecycle import OPEN_STATUSES
from chalicelib.core.requests.models import Request

from . import texts
from .texts import word

CUSTOMER_KINDS = ("email", "form", "reply")
_PERSONAL_LINK = re.compile(r"(/(?:staff/signin|act|survey)/)[A-Za-z0-9_.=-]+")
INTERNAL_KINDS = ("note", "notification", "notice")


def when(at: str | None) -> str:
    return (at or "")[:16].replace("T", " ") + " UTC" if at else ""


def size_text(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def due_of(request: Request) -> tuple[str, str]:
    """What is owed next and by when: the first answer until there is one, then the resolution."""
    if request.first_response_at:
        return "resolution", request.due_resolution
    return "first_response", request.due_first_response


def _staff_name(config: DeskConfig, staff_id: str | None) -> str:
    return config.staff_name(staff_id) if staff_id else ""


def work_item(config: DeskConfig, request: Request, lang: str, now: datetime) -> dict:
    owed, due = due_of(request)
    return {
        "ticket": request.ticket,
        "url": f"requests/{request.request_id}",
        "subject": request.subject,
        "customer": request.customer_name or request.customer_email or "",
        "status": word(texts.STATUS, request.status, lang),
        "priority": word(texts.PRIORITY, request.priority, lang),
        "urgent": request.priority == "urgent",
        "due_what": word(texts.DUE, owed, lang),
        "due": when(due),
        "due_at": due,
        "overdue": parse_iso(due) < now,
    }


def task_item(task: dict, lang: str, now: datetime) -> dict:
    due = task.get("due") or ""
    try:
        overdue = bool(due) and parse_iso(due) < now
    except ValueError:
        overdue = False
    request_id = task.get("request_id") or ""
    return {"request_id": request_id, "url": f"requests/{request_id}" if request_id else "",
            "stage_name": task.get("stage_name") or "", "due": when(due),
            "overdue": overdue, "action_url": task.get("action_url") or ""}


def work_view(config: DeskConfig, member: StaffMember, requests: list[Request], tasks: list[dict], lang: str,
              now: datetime) -> dict:
    """The person's open requests, overdue first, then by what is due soonest; and their open tasks."""
    mine = [work_item(config, r, lang, now) for r in requests
            if r.assignee == member.id and r.status in OPEN_STATUSES]
    mine.sort(key=lambda item: (not item["overdue"], item["due_at"]))
    open_tasks = [task_item(t, lang, now) for t in tasks if t.get("state") == "open"]
    open_tasks.sort(key=lambda t: (not t["overdue"], t["due"]))
    return {"requests": mine, "tasks": open_tasks,
            "overdue_count": sum(1 for item in mine if item["overdue"])}


def without_personal_links(text: str) -> str:
    """The desk's mail carries links that act for its recipient (sign in, decide a task, answer a
    survey); a page every colleague can open shows them cut, so nobody acts as somebody else by
    reading a request."""
    return _PERSONAL_LINK.sub(r"\1…", text)


def message_item(config: DeskConfig, request: Request, message: dict, lang: str) -> dict:
    """One message as staff see it: everything, with internal and unverified mail marked as such.

    `message` is a stored message whose `text` is already whole and whose attachments carry a `url`.
    """
    kind, direction, author = message.get("kind", ""), message.get("direction", ""), message.get("author", "")
    if direction == "in" and kind in CUSTOMER_KINDS:
        who, side = request.customer_name or author, "customer"
    elif kind == "unverified":
        who, side = author, "unverified"
    elif author == "desk" or not author:
        who, side = config.desk.name, "desk"
    else:
        who, side = _staff_name(config, author), "staff"
    return {
        "who": who,
        "side": side,
        "direction": direction,
        "kind": word(texts.KIND, kind, lang),
        "internal": kind in INTERNAL_KINDS,
        "unverified": kind == "unverified",
        "when": when(message.get("at")),
        "subject": message.get("subject") or "",
        "text": without_personal_links((message.get("text") or "").strip()),
        "attachments": [{"name": a.get("filename") or "", "size": size_text(int(a.get("size") or 0)),
                         "url": a.get("url") or ""} for a in message.get("attachments") or []],
    }


def _event_detail(config: DeskConfig, request: Request, event: dict, lang: str) -> str:
    name = event.get("event")
    if name == "status_changed":
        return f"{word(texts.STATUS, event.get('from', ''), lang)} → {word(texts.STATUS, event.get('to', ''), lang)}"
    if name == "reassigned":
        return f"{_staff_name(config, event.get('from'))} → {_staff_name(config, event.get('to'))}"
    if name == "assigned":
        return _staff_name(config, event.get("assignee"))
    if name == "classified":
        category = next((c for c in config.categories if c.id == event.get("category")), None)
        shown = category.name.get(lang) if category else event.get("category", "")
        return f"{shown}, {word(texts.PRIORITY, event.get('priority', ''), lang)}"
    if name == "staff_replied" and event.get("template"):
        reply = next((r for r in config.replies if r.name == event.get("template")), None)
        return reply.title.get(lang) if reply else str(event.get("template"))
    if name == "facts_provided":
        labels = {f.id: f.label.get(lang) for c in config.categories for f in c.required_facts}
        return ", ".join(labels.get(f, f) for f in event.get("facts") or [])
    if name in ("survey_answered", "low_rating_alerted"):
        comment = (event.get("comment") or "").strip()
        return f"{event.get('score')}/5" + (f": “{comment}”" if comment else "")
    return ""


def event_item(config: DeskConfig, request: Request, event: dict, lang: str) -> dict:
    by = event.get("by") or event.get("author") or ""
    if by == "customer" or (by and by == request.customer_email):
        by_name = texts.CUSTOMER.get(lang, texts.CUSTOMER["en"])
    else:
        by_name = _staff_name(config, by) if by else ""
    return {"name": word(texts.EVENT, event.get("event", ""), lang), "when": when(event.get("at")),
            "by": by_name, "detail": _event_detail(config, request, event, lang)}


def request_view(config: DeskConfig, request: Request, messages: list[dict], events: list[dict], lang: str,
                 now: datetime, extras: dict | None = None) -> dict:
    """The request's page. `extras` may fill the blocks of route work: route_map_svg (trusted SVG
    markup), analysis (a list of strings or {label, value}) and actions ({label, url, method})."""
    category = config.category(request.category)
    labels = {f.id: f.label.get(lang) for c in config.categories for f in c.required_facts}
    owed, due = due_of(request)
    extras = extras or {}
    return {
        "request_id": request.request_id,
        "ticket": request.ticket,
        "follow_up_of": request.follow_up_of or "",
        "subject": request.subject,
        "status": word(texts.STATUS, request.status, lang),
        "status_code": request.status,
        "category": category.name.get(lang),
        "department": config.department(request.department).name.get(lang),
        "priority": word(texts.PRIORITY, request.priority, lang),
        "urgent": request.priority == "urgent",
        "assignee": _staff_name(config, request.assignee),
        "created": when(request.created_at),
        "due_what": word(texts.DUE, owed, lang),
        "due": when(due),
        "overdue": request.status in OPEN_STATUSES and parse_iso(due) < now,
        "customer": {"name": request.customer_name, "email": request.customer_email or "",
                     "phone": request.phone or ""},
        "facts": [(labels.get(k, k), str(v)) for k, v in (request.facts or {}).items()],
        "missing": [f.label.get(lang) for f in category.required_facts if f.id in request.missing_facts],
        "messages": [message_item(config, request, m, lang) for m in sorted(messages, key=lambda m: m.get("at", ""))],
        "events": [event_item(config, request, e, lang) for e in sorted(events, key=lambda e: e.get("SK", e.get("at", "")))],
        "route_map_svg": extras.get("route_map_svg") or "",
        "analysis": list(extras.get("analysis") or []),
        "actions": list(extras.get("actions") or []),
    }
