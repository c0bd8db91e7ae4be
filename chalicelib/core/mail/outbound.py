"""Outgoing email: the acknowledgement, staff notifications, staff answers, the desk's other mail in the
customer's thread, rendered and composed as MIME."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from email.utils import format_datetime

from chalicelib.core.config import LANGUAGES, DeskConfig, StaffMember
from chalicelib.core.requests.models import AttachmentRef, Outbound, Request
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


_DESK_ID = re.compile(r"<?[a-z0-9_]+(?:\.[^.@<>\s]+)+\.[0-9a-f]{10,12}@(?P<domain>[^<>\s]+?)>?")


def desk_message_id(message_id: str, domain: str) -> bool:
    """An id `message_id_for` made (or its signed form) in the desk's mail `domain`."""
    found = _DESK_ID.fullmatch((message_id or "").strip().lower())
    return bool(found) and found["domain"] == domain.lower()


def summary_of(text: str, limit: int = 600) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def _investigated(config: DeskConfig, request: Request) -> bool:
    """The request's route looks into what went wrong (a complaint) rather than approves something."""
    name = (request.route or {}).get("name")
    route = next((r for r in config.routes if r.id == name), None)
    return bool(route) and any(stage.kind == "investigate" for stage in route.stages)


def acknowledgement(config: DeskConfig, templates: Templates, request: Request, text: str,
                    status_url: str | None, in_reply_to: str | None, references: list[str]) -> Outbound:
    lang = customer_language(request.language)
    category = config.category(request.category)
    missing = [f.label.get(lang) for f in category.required_facts if f.id in request.missing_facts]
    hours = config.sla.hours("first_response", request.category, request.priority)
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
        "in_approval": request.status == "in_approval" and not _investigated(config, request),
        "in_investigation": request.status == "in_approval" and _investigated(config, request),
    }
    domain = config.desk.mail_domain
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


def thread_references(in_reply_to: str | None, references: list[str]) -> list[str]:
    """References of a reply in the customer's thread: the thread's, then the message it answers."""
    refs = [r for r in references if r]
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    return refs


def customer_thread_mail(config: DeskConfig, request: Request, *, kind: str, prefix: str, key: str, lang: str,
                         text: str, html: str | None = None, in_reply_to: str | None,
                         references: list[str]) -> Outbound:
    """An automatic mail from the desk to the request's customer, in their thread: "Re:" the tagged
    subject, In-Reply-To their latest message, Reply-To the request's own address. `prefix` and `key`
    make the outbox id and the Message-ID (the same key always names the same mail)."""
    return Outbound(
        outbox_id=f"{prefix}.{key}", kind=kind, request_id=request.request_id,
        to=[request.customer_email] if request.customer_email else [],
        from_address=str(config.desk.address), from_name=config.desk.name,
        subject="Re: " + tagged_subject(request.ticket, single_line(request.subject, 250)),
        text=text, html=html, message_id=message_id_for(prefix, key, config.desk.mail_domain),
        reply_to=request.reply_address, in_reply_to=in_reply_to,
        references=thread_references(in_reply_to, references), automatic=True, language=lang)


STAFF_LANGUAGES = LANGUAGES
"""Staff mail is written in the same languages as customer mail."""

_PRIORITY = {"normal": {"en": "normal", "ru": "обычный", "zh": "普通"},
             "urgent": {"en": "URGENT", "ru": "СРОЧНО", "zh": "紧急"}}


def staff_language(member: StaffMember) -> str:
    """The first of the member's languages that staff mail is written in; English otherwise."""
    return next((lang for lang in member.languages if lang in STAFF_LANGUAGES), "en")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def staff_notification(config: DeskConfig, templates: Templates, request: Request, member: StaffMember, *,
                       event: str, text: str, reply_to: str, attachments: list[AttachmentRef] = (),
                       signature: str = "", sender: str | None = None, ident: str = "",
                       note: str = "", page_url: str = "", passed_by: str = "") -> Outbound:
    """Tell a staff member about a request: `event` is 'assigned', 'customer_replied' (from `sender`) or
    'reassigned' (with the colleague's `note`).

    Everything staff need to answer is in it (the phone, the form's facts, the attachments, the
    signature block cut from the text), in the member's language; replying to it answers the customer.
    `page_url` opens the request's page (a sign-in link for this member).
    """
    lang = staff_language(member)
    category = config.category(request.category)
    answered = bool(request.first_response_at)
    due = datetime.strptime(request.due_resolution if answered else request.due_first_response,
                            "%Y-%m-%dT%H:%M:%S.%fZ")
    labels = {f.id: f.label.get(lang) for c in config.categories for f in c.required_facts}
    view = {
        "desk_name": config.desk.name,
        "staff_name": member.name,
        "event": event,
        "ticket": request.ticket,
        "follow_up_of": request.follow_up_of,
        "customer": single_line(sender or f"{request.customer_name} <{request.customer_email or '-'}>", 300),
        "phone": single_line(request.phone or "", 60),
        "category": category.name.get(lang),
        "department": config.department(request.department).name.get(lang),
        "priority": _PRIORITY.get(request.priority, {}).get(lang, request.priority),
        "urgent": request.priority == "urgent",
        "due_first_response": f"{due:%Y-%m-%d %H:%M} UTC",
        "answered": answered,
        "passed_by": single_line(passed_by, 120),
        "more_chars": max(0, len(text or "") - 4000),
        "subject": single_line(request.subject, 300),
        "facts": [(labels.get(k, k), single_line(str(v), 300)) for k, v in (request.facts or {}).items()],
        "missing": [f.label.get(lang) for f in category.required_facts if f.id in request.missing_facts],
        "attachments": [(a.filename, _size(a.size)) for a in attachments],
        "text": summary_of(text, 4000),
        "signature": summary_of(signature, 800),
        "note": summary_of(note, 2000),
        "page_url": page_url,
        "standard_replies": [r.name for r in config.replies if r.offered_for(request.category)],
    }
    domain = config.desk.mail_domain
    first = message_id_for("assigned", f"{request.request_id}.{member.id}", domain)
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
        reply_to=reply_to,
        in_reply_to=None if event == "assigned" else first,
        references=[] if event == "assigned" else [first],
        automatic=True,
        language=lang,
    )


def staff_answer(config: DeskConfig, templates: Templates, request: Request, member: StaffMember, *,
                 text: str, ident: str, status_url: str | None, in_reply_to: str | None,
                 references: list[str], attachments: list[AttachmentRef] = (),
                 resolved: bool = False) -> Outbound:
    """A staff member's answer, sent to the customer from the desk's address, in the request's thread."""
    lang = customer_language(request.language)
    view = {
        "lang": lang,
        "title": request.ticket,
        "desk_name": config.desk.name,
        "ticket": request.ticket,
        "customer_name": single_line(request.customer_name, 80),
        "staff_name": member.name,
        "text": text.strip(),
        "resolved": resolved,
        "status_url": status_url,
    }
    domain = config.desk.mail_domain
    return Outbound(
        outbox_id=f"answer.{request.request_id}.{ident}",
        kind="answer",
        request_id=request.request_id,
        to=[request.customer_email] if request.customer_email else [],
        from_address=str(config.desk.address),
        from_name=f"{member.name} ({config.desk.name})",
        subject="Re: " + tagged_subject(request.ticket, single_line(request.subject, 250)),
        text=templates.render(f"email/{lang}/answer.txt.j2", **view),
        html=templates.render(f"email/{lang}/answer.html.j2", **view),
        message_id=message_id_for("answer", f"{request.request_id}.{ident}", domain),
        reply_to=request.reply_address,
        in_reply_to=in_reply_to,
        references=thread_references(in_reply_to, references),
        automatic=False,
        language=lang,
        attachments=[{"filename": a.filename, "content_type": a.content_type, "size": a.size, "key": a.key}
                     for a in attachments],
        author=member.id,
    )


def staff_notice(config: DeskConfig, templates: Templates, request: Request, member: StaffMember, *,
                 notice: str, ident: str, reply_to: str, detail: str = "",
                 in_reply_to: str | None = None) -> Outbound:
    """A short reply to a staff member about their own reply: the note was kept, the command was not
    understood, the person to assign was not found. `notice` names the template's case."""
    lang = staff_language(member)
    view = {"desk_name": config.desk.name, "staff_name": member.name, "ticket": request.ticket,
            "notice": notice, "detail": single_line(detail, 200),
            "staff": [(m.id, m.name) for m in config.staff if m.active]}
    return notice_to_staff(config, request, member, ident=ident, lang=lang, reply_to=reply_to,
                           in_reply_to=in_reply_to,
                           text=templates.render(f"email/{lang}/staff_notice.txt.j2", **view))


def notice_to_staff(config: DeskConfig, request: Request, member: StaffMember, *, ident: str, lang: str,
                    text: str, reply_to: str, in_reply_to: str | None) -> Outbound:
    """The desk's short answer to a staff member's own reply, in the request's thread."""
    domain = config.desk.mail_domain
    return Outbound(
        outbox_id=f"notice.{request.request_id}.{member.id}.{ident}",
        kind="notice",
        request_id=request.request_id,
        to=[str(member.email)],
        from_address=str(config.desk.address),
        from_name=config.desk.name,
        subject="Re: " + tagged_subject(request.ticket, single_line(request.subject, 250)),
        text=text,
        message_id=message_id_for("notice", f"{request.request_id}.{member.id}.{ident}", domain),
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else [],
        automatic=True,
        language=lang,
    )


def _header(name: str, value: str) -> bytes:
    """One header line; non-ASCII values become RFC 2047 encoded-words, folded."""
    from email.header import Header

    if value.isascii():
        return f"{name}: {value}".encode()
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=chr(10))}".encode()


def compose(mail: Outbound, date: datetime, attachments: list[tuple[str, str, bytes]] = ()) -> bytes:
    """The raw MIME of an outgoing email. Names are single-lined, so no header can be split.

    The address headers are written here and only the body goes through the email package: its
    generic header folding and per-message boundary regex cost more than the rest of the pipeline.
    Bodies are base64, so the boundary (with '_' and '=') can never occur inside a part.
    `attachments` are (filename, content type, bytes), read by the caller from where they are kept.
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
    if attachments:
        body = _with_attachments(body, mail.message_id, attachments)
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


def _with_attachments(body, message_id: str, attachments: list[tuple[str, str, bytes]]):
    from email.mime.base import MIMEBase
    from email.mime.multipart import MIMEMultipart
    from email import encoders

    boundary = "=_rf_m" + hashlib.sha256(message_id.encode()).hexdigest()[:27]
    mixed = MIMEMultipart("mixed", boundary=boundary)
    mixed.attach(body)
    for filename, content_type, data in attachments:
        maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
        part = MIMEBase(maintype or "application", subtype or "octet-stream")
        part.set_payload(data)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
        mixed.attach(part)
    return mixed


def due(received: datetime, hours: float) -> datetime:
    return received + timedelta(hours=hours)
