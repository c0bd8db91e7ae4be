"""The mail an approval route sends: a person's task (and its reminders), the escalation to the
manager, and the customer's updates. View models in, Outbound out. Pure."""
from __future__ import annotations

from chalicelib.core.config import DeskConfig, StaffMember
from chalicelib.core.mail.outbound import (customer_language, customer_thread_mail, message_id_for, single_line,
                                           staff_language, summary_of)
from chalicelib.core.pages.texts import word as label
from chalicelib.core.render import Templates
from chalicelib.core.requests.models import Outbound, Request
from chalicelib.core.requests.tickets import tagged_subject
from chalicelib.core.routes.model import RouteVersion, StageSpec

ACTION_LABELS = {
    "approve": {"en": "Approve", "ru": "Согласовать", "zh": "批准"},
    "reject": {"en": "Reject", "ru": "Отклонить", "zh": "驳回"},
    "read": {"en": "I have read", "ru": "Ознакомлен", "zh": "已阅"},
    "start": {"en": "Start", "ru": "Начать", "zh": "开始执行"},
    "answer": {"en": "Answer", "ru": "Ответить", "zh": "答复"},
}
DECISION_LABELS = {
    "approve": {"en": "approved", "ru": "согласовано", "zh": "已批准"},
    "reject": {"en": "rejected", "ru": "отклонено", "zh": "已驳回"},
    "read": {"en": "read", "ru": "ознакомлен", "zh": "已阅"},
    "start": {"en": "started", "ru": "начато", "zh": "已开始"},
    "answer": {"en": "answered", "ru": "отвечено", "zh": "已答复"},
}
REPLY_WORDS = {
    "approve": {"en": "approve", "ru": "согласовано", "zh": "同意"},
    "reject": {"en": "reject", "ru": "отклонено", "zh": "驳回"},
    "read": {"en": "read", "ru": "ознакомлен", "zh": "已阅"},
    "start": {"en": "start", "ru": "начать", "zh": "开始"},
    "answer": {"en": "answer", "ru": "ответ", "zh": "答复"},
}


_BY_DEFAULT = {"default": {"en": "by default: no decision by the deadline", "ru": "по умолчанию: нет решения в срок",
                           "zh": "默认：截止前未处理"}}


def results_view(route: RouteVersion, tasks: list[dict], names: dict[str, str], lang: str,
                 before_stage: str | None = None) -> list[dict]:
    """What earlier stages decided, as 1C's "Results" tab: stage, person, visa, comment."""
    order = {s.id: i for i, s in enumerate(route.stages)}
    limit = order.get(before_stage, len(route.stages)) if before_stage else len(route.stages)
    rows = []
    for t in sorted(tasks, key=lambda t: (int(t["cycle"]), order.get(t["stage"], 99), t.get("decided_at") or "")):
        if order.get(t["stage"], 99) >= limit and before_stage:
            continue
        if t["state"] == "open" or not t.get("decision"):
            continue
        rows.append({"stage": route.stage(t["stage"]).label(lang), "cycle": int(t["cycle"]),
                     "person": names.get(t["person"], t["person"]),
                     "decision": label(DECISION_LABELS, t["decision"], lang) + (
                         f" ({label(_BY_DEFAULT, 'default', lang)})" if t.get("note") == "default" else ""),
                     "comment": single_line(t.get("comment") or "", 500),
                     "when": (t.get("decided_at") or "")[:16].replace("T", " ")})
    return rows


def task_mail(config: DeskConfig, templates: Templates, request: Request, route: RouteVersion, stage: StageSpec,
              cycle: int, member: StaffMember, *, kind: str, action_urls: dict[str, str], open_url: str | None,
              reply_to: str, results: list[dict], due: str, text: str, ident: str = "") -> Outbound:
    """A person's task in a stage (`kind` 'new' or 'reminder'): the request, earlier visas, the deadline,
    the stage's actions as links (each opens a confirmation page) and how to answer by reply."""
    lang = staff_language(member)
    category = config.category(request.category)
    labels = {f.id: f.label.get(lang) for c in config.categories for f in c.required_facts}
    view = {
        "lang": lang, "title": request.ticket, "kind": kind, "desk_name": config.desk.name, "staff_name": member.name,
        "ticket": request.ticket, "subject": single_line(request.subject, 300),
        "customer": single_line(f"{request.customer_name} <{request.customer_email or '-'}>", 300),
        "category": category.name.get(lang), "route": route.label(lang), "stage": stage.label(lang),
        "stage_kind": stage.kind, "cycle": cycle, "mode": stage.mode,
        "due": due[:16].replace("T", " ") + " UTC",
        "facts": [(labels.get(k, k), single_line(str(v), 300)) for k, v in (request.facts or {}).items()],
        "text": summary_of(text, 2000),
        "results": results,
        "actions": [{"label": label(ACTION_LABELS, a, lang), "url": action_urls[a],
                     "word": label(REPLY_WORDS, a, lang)} for a in stage.actions],
        "open_url": open_url,
    }
    domain = config.desk.mail_domain
    key = f"{request.request_id}.{stage.id}.{cycle}.{member.id}{ident}"
    return Outbound(
        outbox_id=f"task.{key}", kind="task", request_id=request.request_id, to=[str(member.email)],
        from_address=str(config.desk.address), from_name=config.desk.name,
        subject=tagged_subject(request.ticket, f"{stage.label(lang)}: {single_line(request.subject, 200)}"),
        text=templates.render(f"email/{lang}/task.txt.j2", **view),
        html=templates.render(f"email/{lang}/task.html.j2", **view),
        message_id=message_id_for("task", key, domain), reply_to=reply_to, automatic=True, language=lang,
    )


_OVERDUE = {"en": "Overdue", "ru": "Просрочено", "zh": "已逾期"}


def escalation_recipient(config: DeskConfig, department: str, waiting: list[str]) -> str:
    """Who hears that a stage is overdue: the department's manager, unless the manager is one of those
    late, then the first director (role `director`) who is not; the manager when nobody else is left."""
    manager = config.department(department).manager
    for person in (manager, *config.roles.get("director", [])):
        if person not in waiting:
            return person
    return manager


def escalation_mail(config: DeskConfig, templates: Templates, request: Request, route: RouteVersion,
                    stage: StageSpec, cycle: int, manager: StaffMember, *, waiting: list[str], due: str,
                    open_url: str | None, ident: str = "") -> Outbound:
    lang = staff_language(manager)
    view = {"lang": lang, "desk_name": config.desk.name, "staff_name": manager.name, "ticket": request.ticket,
            "subject": single_line(request.subject, 300), "route": route.label(lang), "stage": stage.label(lang),
            "cycle": cycle, "due": due[:16].replace("T", " ") + " UTC",
            "waiting": [config.staff_name(p) for p in waiting], "open_url": open_url}
    domain = config.desk.mail_domain
    key = f"{request.request_id}.{stage.id}.{cycle}.{manager.id}{ident}"
    return Outbound(
        outbox_id=f"escalation.{key}", kind="escalation", request_id=request.request_id, to=[str(manager.email)],
        from_address=str(config.desk.address), from_name=config.desk.name,
        subject=tagged_subject(request.ticket, f"{_OVERDUE.get(lang, _OVERDUE['en'])}: {stage.label(lang)}: "
                                               f"{single_line(request.subject, 200)}"),
        text=templates.render(f"email/{lang}/escalation.txt.j2", **view),
        message_id=message_id_for("escalation", key, domain), automatic=True, language=lang,
    )


def customer_update_mail(config: DeskConfig, templates: Templates, request: Request, route: RouteVersion, *,
                         event: str, status_url: str | None, in_reply_to: str | None,
                         references: list[str]) -> Outbound:
    """The customer hears how the approval goes, in their language, threaded into their request."""
    lang = customer_language(request.language)
    view = {"lang": lang, "title": request.ticket, "desk_name": config.desk.name, "ticket": request.ticket,
            "customer_name": single_line(request.customer_name, 80), "subject": single_line(request.subject, 300),
            "event": event, "status_url": status_url}
    key = f"{request.request_id}.{event}.{(request.route or {}).get('run', 1)}"
    return customer_thread_mail(config, request, kind="update", prefix="update", key=key, lang=lang,
                                text=templates.render(f"email/{lang}/update.txt.j2", **view),
                                in_reply_to=in_reply_to, references=references)


def task_reply_notice(config: DeskConfig, templates: Templates, request: Request, *, to: str, lang: str,
                      reason: str, stage: StageSpec | None, title: str, detail: str, ident: str,
                      in_reply_to: str | None) -> Outbound:
    """One polite answer to a reply on a task email: what was understood, or why nothing changed."""
    words = [label(REPLY_WORDS, a, lang) for a in stage.actions] if stage else []
    view = {"lang": lang, "desk_name": config.desk.name, "ticket": request.ticket, "reason": reason,
            "title": title, "detail": detail, "words": words}
    domain = config.desk.mail_domain
    return Outbound(
        outbox_id=f"taskreply.{request.request_id}.{ident}", kind="notice", request_id=request.request_id, to=[to],
        from_address=str(config.desk.address), from_name=config.desk.name,
        subject="Re: " + tagged_subject(request.ticket, single_line(request.subject, 250)),
        text=templates.render(f"email/{lang}/task_reply.txt.j2", **view),
        message_id=message_id_for("taskreply", f"{request.request_id}.{ident}", domain),
        in_reply_to=in_reply_to, references=[in_reply_to] if in_reply_to else [], automatic=True, language=lang,
    )
