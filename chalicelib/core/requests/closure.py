"""Closing requests by the desk and reopening them on a customer's reply. Pure.

resolved ──customer replies within closure.reopen_days──► open (reopened)
resolved ──closure.reopen_days pass──► closed (reason "resolved")
waiting_customer ──closure.waiting_customer_days pass──► closed (reason "no_customer_reply"), the
    customer told; a reply within closure.reopen_days of that reopens it.
A reply to a request closed longer ago joins it as a message for the assignee and leaves it closed.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.core.clock import parse_iso
from chalicelib.core.config import DeskConfig
from chalicelib.core.mail.outbound import customer_language, customer_thread_mail, single_line
from chalicelib.core.render import Templates
from chalicelib.core.requests.lifecycle import after_customer_message
from chalicelib.core.requests.models import Outbound, Request

CLOSABLE = ("resolved", "waiting_customer")
"""The statuses the desk closes by itself once they last long enough."""
REASONS = {"resolved": "resolved", "waiting_customer": "no_customer_reply"}


def closes_after(config: DeskConfig, status: str) -> timedelta:
    days = config.closure.reopen_days if status == "resolved" else config.closure.waiting_customer_days
    return timedelta(days=days)


def after_customer_reply(status: str, *, since: str | None, closed_reason: str | None, now: datetime,
                         reopen_days: int) -> str:
    """The status a customer's reply leaves: a resolved request (and one the desk closed for want of
    a reply) reopens within `reopen_days` of the resolution or the closing; later it stays as it is."""
    recent = since is not None and now - parse_iso(since) <= timedelta(days=reopen_days)
    if status == "resolved":
        return "open" if recent else status
    if status == "closed":
        return "open" if recent and closed_reason == "no_customer_reply" else status
    return after_customer_message(status)


def starts_follow_up(status: str, *, since: str | None, closed_reason: str | None, now: datetime,
                     reopen_days: int) -> bool:
    """A customer's mail about a finished request that it does not reopen (closed, or resolved longer
    ago than `reopen_days`) opens a new request that refers to the old one: on the old one it would
    sit where nobody looks."""
    return status in ("resolved", "closed") and after_customer_reply(
        status, since=since, closed_reason=closed_reason, now=now, reopen_days=reopen_days) == status


TEXTS = {
    "en": {"dear": "Dear {name},", "customer": "customer",
           "closed": "we have not heard from you about your request {ticket} (“{subject}”) for {days} days, "
                     "so we have closed it.",
           "reopen": "If you still need our help, simply reply to this email within {reopen} days and we will "
                     "open it again.",
           "status": "Status of your request"},
    "ru": {"dear": "Здравствуйте, {name}!", "customer": "уважаемый клиент",
           "closed": "мы не получали от вас ответа по заявке {ticket} («{subject}») {days} дней, поэтому "
                     "закрыли её.",
           "reopen": "Если помощь ещё нужна, просто ответьте на это письмо в течение {reopen} дней — мы снова "
                     "откроем заявку.",
           "status": "Статус вашей заявки"},
    "zh": {"dear": "{name}，您好：", "customer": "尊敬的客户",
           "closed": "关于您的请求 {ticket}（“{subject}”），我们已有 {days} 天未收到您的回复，因此已将其关闭。",
           "reopen": "如果您仍需要帮助，请在 {reopen} 天内直接回复此邮件，我们将重新打开该请求。",
           "status": "请求状态"},
}


def closure_notice(config: DeskConfig, templates: Templates, request: Request, *, since: str,
                   status_url: str | None, in_reply_to: str | None, references: list[str]) -> Outbound:
    """"We closed your request; reply to reopen", once per waiting period (`since` names it)."""
    lang = customer_language(request.language)
    t = TEXTS[lang]
    view = {"desk_name": config.desk.name,
            "dear": t["dear"].format(name=single_line(request.customer_name, 80) or t["customer"]),
            "closed": t["closed"].format(ticket=request.ticket, subject=single_line(request.subject, 200),
                                         days=config.closure.waiting_customer_days),
            "reopen": t["reopen"].format(reopen=config.closure.reopen_days),
            "status": t["status"], "status_url": status_url}
    return customer_thread_mail(config, request, kind="update", prefix="closed", key=f"{request.request_id}.{since}",
                                lang=lang, text=templates.render("email/closed.txt.j2", **view),
                                in_reply_to=in_reply_to, references=references)
