"""Outgoing email: the acknowledgement and staff notification, rendered and composed as MIME."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from email.utils import format_datetime

from chalicelib.core.config import LANGUAGES, DeskConfig
from chalicelib.core.requests.models import Outbound, Request
from chalicelib.core.render import Templates
from chalicelib.core.requests.tickets import tagged_subject

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def single_line(text: str, limit: int = 200) -> str:
    """Header-safe text: control characters (CR/LF included) become spaces; long text is cut."""
    clean = _CONTROL.sub(" ", text or "").strip()
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def customer_language(language: str) -> str:
    """The language a customer is written to: the request's own where templates exist (English, Russian,
    Chinese), English for every other (a German or Japanese request is stored as 'de' or 'ja')."""
    return language if language in LANGUAGES else "en"


def message_id_for(kind: str, ident: str, domain: str) -> str:
    digest = hashlib.sha256(f"{kind}.{ident}".encode()).hexdigest()[:10]
    return f"<{kind}.{ident.lower()}.{digest}@{domain}>"


def summary_of(text: str, limit: int = 600) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def acknowledgement(config: DeskConfig, templates: Templates, request: Request, text: str,
                    status_url: str | None, in_reply_to: str | None, references: list[str]) -> Outbound:
    lang = customer_language(request.language)
    category = config.category(request.category)
    missing = [f.label.get(lang) for f in category.required_facts if f.id in request.missing_facts]
    hours = config.sla.first_response_hours[request.priority]  # type: ignore[index]
    view = {
        "lang": lang,
        "title": request.ticket,
        "desk_name": config.desk.name,
        "ticket": request.ticket,
        "customer_name": single_line(request.customer_name, 80),
        "subject": single_line(request.subject, 300),
        "summary": summary_of(text),
        "category": category.name.get(lang),
        "department": config.department(request.department).name.get(lang),
        "urgent": request.priority == "urgent",
        "response_hours": f"{hours:g}",
        "missing": missing,
        "status_url": status_url,
    }
    domain = str(config.desk.address).split("@", 1)[1]
    return Outbound(
        outbox_id=f"ack.{request.request_id}",
        kind="ack",
        request_id=request.request_id,
        to=[request.customer_email] if request.customer_email else [],
        from_address=str(config.desk.address),
        from_name=config.desk.name,
        subject=tagged_subject(request.ticket, single_line(request.subject, 250)),
        text=templates.render(f"email/{lang}/ack.txt.j2", **view),
        html=templates.render(f"email/{lang}/ack.html.j2", **view),
        message_id=message_id_for("ack", request.request_id, domain),
        reply_to=request.reply_address,
        in_reply_to=in_reply_to,
        references=[*references, *([in_reply_to] if in_reply_to and in_reply_to not in references else [])],
        automatic=True,
        language=lang,
    )


def assignee_notification(config: DeskConfig, templates: Templates, request: Request, text: str,
                          attachment_names: list[str], event: str = "assigned", ident: str = "",
                          sender: str | None = None) -> Outbound:
    """Tell the assignee about their request: `event` is 'assigned' or 'customer_replied' (from `sender`)."""
    member = config.staff_member(request.assignee)
    lang = "ru" if member.languages and member.languages[0] == "ru" else "en"
    category = config.category(request.category)
    due = datetime.strptime(request.due_first_response, "%Y-%m-%dT%H:%M:%S.%fZ")
    view = {
        "desk_name": config.desk.name,
        "staff_name": member.name,
        "event": event,
        "ticket": request.ticket,
        "customer": single_line(sender or f"{request.customer_name} <{request.customer_email or '-'}>", 300),
        "category": category.name.get(lang),
        "priority": request.priority,
        "due_first_response": f"{due:%Y-%m-%d %H:%M} UTC",
        "subject": single_line(request.subject, 300),
        "missing": [f.label.get(lang) for f in category.required_facts if f.id in request.missing_facts],
        "attachments": attachment_names,
        "text": summary_of(text, 4000),
    }
    domain = str(config.desk.address).split("@", 1)[1]
    return Outbound(
        outbox_id=f"{event}.{request.request_id}.{member.id}{ident}",
        kind="notification",
        request_id=request.request_id,
        to=[str(member.email)],
        from_address=str(config.desk.address),
        from_name=config.desk.name,
        subject=tagged_subject(request.ticket, single_line(request.subject, 250)),
        text=templates.render(f"email/{lang}/assigned.txt.j2", **view),
        html=None,
        message_id=message_id_for(event, f"{request.request_id}.{member.id}{ident}", domain),
        reply_to=request.reply_address,
        automatic=True,
        language=lang,
    )


def _header(name: str, value: str) -> bytes:
    """One header line; non-ASCII values become RFC 2047 encoded-words, folded."""
    from email.header import Header

    if value.isascii():
        return f"{name}: {value}".encode()
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=chr(10))}".encode()


def compose(mail: Outbound, date: datetime) -> bytes:
    """The raw MIME of an outgoing email. Names are single-lined, so no header can be split.

    The address headers are written here and only the body goes through the email package: its
    generic header folding and per-message boundary regex cost more than the rest of the pipeline.
    Bodies are base64, so the boundary (with '_' and '=') can never occur inside a part.
    """
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import formataddr

    text_part = MIMEText(mail.text, "plain", "utf-8")
    if mail.html:
        boundary = "=_rf_" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:28]
        body = MIMEMultipart("alternative", boundary=boundary)
        body.attach(text_part)
        body.attach(MIMEText(mail.html, "html", "utf-8"))
    else:
        body = text_part
    headers = [
        _header("From", formataddr((single_line(mail.from_name, 80), mail.from_address), charset="utf-8")),
        _header("To", ", ".join(single_line(to, 320) for to in mail.to)),
        *([_header("Reply-To", single_line(mail.reply_to, 320))] if mail.reply_to else []),
        _header("Subject", single_line(mail.subject, 400)),
        _header("Date", format_datetime(date)),
        _header("Message-ID", single_line(mail.message_id, 500)),
        *([_header("In-Reply-To", single_line(mail.in_reply_to, 500))] if mail.in_reply_to else []),
        *([_header("References", "\n ".join(single_line(r, 500) for r in mail.references[-10:]))]
          if mail.references else []),
        *([_header("Auto-Submitted", "auto-replied"), _header("X-Auto-Response-Suppress", "All")]
          if mail.automatic else []),
        _header("Content-Language", mail.language),
    ]
    return b"\n".join(headers) + b"\n" + body.as_bytes()


def due(received: datetime, hours: float) -> datetime:
    return received + timedelta(hours=hours)
