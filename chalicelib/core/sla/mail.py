"""The SLA ladder's mail: the soft reminder to the assignee and the red-zone email to the manager,
in the staff member's language. Pure: view models in, Outbound out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config import DeskConfig, StaffMember
from ..mail.outbound import message_id_for, single_line, staff_language
from ..render import Templates
from ..requests.models import Outbound, Request
from ..requests.tickets import tagged_subject

_WORDS = {
    "first_response": {"en": "first response", "ru": "первый ответ", "zh": "首次回复"},
    "resolution": {"en": "resolution", "ru": "решение", "zh": "解决"},
    "reminder": {"en": "Due now", "ru": "Срок наступил", "zh": "已到期"},
    "red_zone": {"en": "Red zone", "ru": "Красная зона", "zh": "红色区域"},
    "hours": {"en": "{n} business hours", "ru": "{n} раб. ч", "zh": "{n} 个工作小时"},
    "hour": {"en": "{n} business hour", "ru": "{n} раб. ч", "zh": "{n} 个工作小时"},
}
"""The ladder's words in the staff languages: the targets, the subjects' first words, the lateness."""


def local_time(moment: datetime, zone) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def business_hours(minutes: float, lang: str) -> str:
    hours = round(minutes / 60, 1)
    return _WORDS["hour" if hours == 1 else "hours"][lang].format(n=f"{hours:g}")


@dataclass(frozen=True)
class Colleague:
    name: str
    open_requests: int
    speaks_customer_language: bool


def _ladder_mail(config: DeskConfig, templates: Templates, request: Request, member: StaffMember, *, level: str,
                 target: str, due: datetime, view: dict, reply_to: str | None = None) -> Outbound:
    """One rung of the ladder (`level`: reminder, red_zone) to `member`, in their language, named after
    the request, the target and the due time: the same rung is the same mail."""
    lang = staff_language(member)
    kind = f"sla_{level}"
    key = f"{request.request_id}.{target}.{due:%Y%m%d%H%M}"
    view = {"desk_name": config.desk.name, "staff_name": member.name, "ticket": request.ticket,
            "subject": single_line(request.subject, 300),
            "customer": single_line(f"{request.customer_name} <{request.customer_email or '-'}>", 300),
            "target": _WORDS[target][lang], **view}
    return Outbound(
        outbox_id=f"{kind}.{key}", kind=kind, request_id=request.request_id, to=[str(member.email)],
        from_address=str(config.desk.address), from_name=config.desk.name,
        subject=tagged_subject(request.ticket, f"{_WORDS[level][lang]}: {single_line(request.subject, 200)}"),
        text=templates.render(f"email/{lang}/{kind}.txt.j2", **view),
        message_id=message_id_for(kind, key, config.desk.mail_domain), reply_to=reply_to,
        automatic=True, language=lang)


def reminder_mail(config: DeskConfig, templates: Templates, request: Request, member: StaffMember, *,
                  target: str, due: datetime, zone, reply_to: str, page_url: str) -> Outbound:
    return _ladder_mail(config, templates, request, member, level="reminder", target=target, due=due,
                        reply_to=reply_to, view={"due": local_time(due, zone), "page_url": page_url})


def red_zone_mail(config: DeskConfig, templates: Templates, request: Request, manager: StaffMember, *,
                  target: str, due: datetime, zone, late_minutes: float, holder: StaffMember,
                  colleagues: list[Colleague], suggested: StaffMember | None, reassign_url: str | None,
                  page_url: str) -> Outbound:
    lang = staff_language(manager)
    view = {"phone": single_line(request.phone or "", 60), "due": local_time(due, zone),
            "late": business_hours(late_minutes, lang), "holder": holder.name, "colleagues": colleagues,
            "suggested": suggested.name if suggested else "", "reassign_url": reassign_url or "",
            "page_url": page_url}
    return _ladder_mail(config, templates, request, manager, level="red_zone", target=target, due=due, view=view)


def least_loaded_colleague(config: DeskConfig, request: Request, loads: dict[str, int]) -> StaffMember | None:
    """Whom to give the request: the active colleague of the holder's department, speaking the
    customer's language, with the fewest open requests (ties: the order of the config)."""
    holder = config.holder(request.assignee, request.department)
    speaking = [m for m in config.staff_of(holder.department)
                if m.id != holder.id and request.language in m.languages]
    return min(speaking, key=lambda m: loads.get(m.id, 0), default=None)


_PAGE = {
    "en": {"title": "Reassign the request", "request": "Request", "customer": "Customer", "holder": "Now with",
           "to": "Give it to", "due": "Was due", "confirm": "Reassign",
           "note": "Nothing changes until you press the button.",
           "done": ("Reassigned", "The request is now with {to}; they have been told."),
           "moved": ("Already moved on", "The request is no longer with {holder}: nothing was changed."),
           "tampered": ("This link is not valid", "The link is damaged or not ours. Nothing was changed."),
           "expired": ("This link has expired", "Red-zone links work for 7 days. Nothing was changed."),
           "missing": ("No such request", "Nothing was changed.")},
    "ru": {"title": "Передать заявку", "request": "Заявка", "customer": "Клиент", "holder": "Сейчас у",
           "to": "Передать", "due": "Срок был", "confirm": "Передать",
           "note": "Пока вы не нажмёте кнопку, ничего не изменится.",
           "done": ("Заявка передана", "Теперь заявка у сотрудника {to}; ему отправлено письмо."),
           "moved": ("Заявка уже не у {holder}", "Её уже передали или закрыли: ничего не изменено."),
           "tampered": ("Ссылка недействительна", "Ссылка повреждена или не наша. Ничего не изменено."),
           "expired": ("Срок действия ссылки истёк", "Ссылки из писем красной зоны действуют 7 дней. Ничего не изменено."),
           "missing": ("Заявка не найдена", "Ничего не изменено.")},
    "zh": {"title": "转交请求", "request": "请求", "customer": "客户", "holder": "当前处理人", "to": "转交给",
           "due": "原定期限", "confirm": "转交", "note": "点击按钮之前不会有任何更改。",
           "done": ("已转交", "该请求现由 {to} 处理，已通知对方。"),
           "moved": ("请求已不在 {holder} 处", "未做任何更改。"),
           "tampered": ("链接无效", "链接已损坏或不是本系统的链接。未做任何更改。"),
           "expired": ("链接已过期", "红色区域邮件中的链接有效期为 7 天。未做任何更改。"),
           "missing": ("找不到该请求", "未做任何更改。")},
}


def page_texts(lang: str) -> dict:
    return _PAGE.get(lang) or _PAGE["en"]
