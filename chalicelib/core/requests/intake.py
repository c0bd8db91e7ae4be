"""The pure intake pipeline for one email: parse, screen, find thread signals, classify.

No I/O: the service layer looks the signals up in the store and decides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chalicelib.core.requests.classify import Classification, classify
from chalicelib.core.config import DeskConfig
from chalicelib.core.mail.mail_model import ParsedMail
from chalicelib.core.requests.tickets import ReplyAddresses, tags_in

_ADDRESS = re.compile(r"^[^\s@<>(),;:\"\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z0-9-]{2,63}$")


def valid_address(address: str | None) -> str | None:
    """A single plain address we may write to, lower-cased; None for anything else.

    An internationalised domain (упаковка-плюс.рф) is written in its punycode form, which every mail
    system accepts; a non-ASCII local part cannot be sent to through SES and is refused.
    """
    if not address:
        return None
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if not local.isascii():
        return None
    if at and not domain.isascii():
        try:
            address = f"{local}@{domain.encode('idna').decode('ascii')}"
        except UnicodeError:
            return None
    return address if _ADDRESS.match(address) and ".." not in address else None


@dataclass
class MailAnalysis:
    mail: ParsedMail
    screening: object | None
    """A `screening.Screening` when the message must not become a request."""
    text: str
    """The new text: quotes and signature removed."""
    language: str
    customer: str | None
    reply_to_requests: list[str] = field(default_factory=list)
    """Request ids named by valid signed reply addresses among the recipients."""
    referenced_ids: list[str] = field(default_factory=list)
    tagged_tickets: list[str] = field(default_factory=list)
    signature: str = ""
    """The signature block cut from the end of the new text (names, phones, company)."""
    staff_addressed: list[tuple[str, str]] = field(default_factory=list)
    """(request id, staff id) of each staff reply address among the recipients."""
    task_addressed: list[tuple[str, str, int, str]] = field(default_factory=list)
    """(request id, stage, cycle, staff id) of each task reply address among the recipients."""

    @property
    def authenticated(self) -> bool:
        """The From address's own domain vouches for this message: DMARC passes, or (DMARC not failing)
        DKIM or SPF passes for a domain aligned with the From address. A pass for some other domain
        (an attacker's envelope sender) vouches for nothing, nor does mail without SES's verdicts."""
        v = self.mail.verdicts
        dmarc = (v.dmarc or "").upper()
        if dmarc == "FAIL":
            return False
        if dmarc == "PASS":
            return True
        sender_domain = (self.mail.from_address or "").rpartition("@")[2].lower()
        if not sender_domain:
            return False
        aligned = [d for status, d in ((v.dkim, v.dkim_domain), (v.spf, v.spf_domain))
                   if (status or "").upper() == "PASS" and d]
        return any(_aligned(d, sender_domain) for d in aligned)

    @property
    def looks_like_mail(self) -> bool:
        """Mail headers and something from a person: a sender, a subject or words in the body.

        Headers followed by binary garbage (no From, no Subject, no text) are a corrupt object.
        """
        mail = self.mail
        if not any(h in mail.headers for h in ("from", "subject", "message-id", "date", "to", "return-path")):
            return False
        return bool(mail.header("from") or mail.subject.strip() or (self.text or mail.text).strip())


def _aligned(domain: str, sender_domain: str) -> bool:
    """Relaxed DMARC alignment: the same domain or one a subdomain of the other."""
    domain = domain.lower().strip(".")
    return domain == sender_domain or domain.endswith("." + sender_domain) or sender_domain.endswith("." + domain)


def analyze(raw: bytes, config: DeskConfig, reply_addresses: ReplyAddresses,
            envelope_recipients: list[str] = (), verdicts: dict | None = None) -> MailAnalysis:
    """`verdicts` are SES's from its notification (spam, virus, spf, dkim, dmarc): they win over the
    X-SES-* headers, since a notification cannot be forged by a sender."""
    from chalicelib.core.mail.language import detect_language
    from chalicelib.core.mail.mime import parse_mime
    from chalicelib.core.mail.quotes import is_forward_subject, new_text
    from chalicelib.core.mail.screening import screen

    mail = parse_mime(raw)
    for name, value in (verdicts or {}).items():
        if value and hasattr(mail.verdicts, name):
            setattr(mail.verdicts, name, value)
    recipients = [*envelope_recipients, *mail.to, *mail.cc, *mail.headers.get("delivered-to", []),
                  *mail.headers.get("x-original-to", [])]
    named, staff_addressed, task_addressed = [], [], []
    for address in recipients:
        request_id = reply_addresses.request_of(address)
        if request_id and request_id not in named:
            named.append(request_id)
        staff = reply_addresses.staff_of(address)
        if staff and staff not in staff_addressed:
            staff_addressed.append(staff)
        task = reply_addresses.task_of(address)
        if task and task not in task_addressed:
            task_addressed.append(task)
    tagged = tags_in(mail.subject)
    # A forward (not into one of our threads) brings its forwarded text as part of the request.
    forwarded = is_forward_subject(mail.subject) and not named and not tagged
    text = new_text(mail.text, forwarded=forwarded) or _attached_text(mail)
    return MailAnalysis(
        mail=mail,
        screening=screen(mail, config.desk.own_addresses),
        text=text,
        signature=signature_block(mail.text, text),
        language=detect_language(mail.subject, text or mail.text, also=config.languages),
        customer=valid_address(mail.customer_address),
        reply_to_requests=named,
        referenced_ids=[*mail.references, *(i for i in mail.in_reply_to if i not in mail.references)],
        tagged_tickets=tagged,
        staff_addressed=staff_addressed,
        task_addressed=task_addressed,
    )


_HISTORY_START = re.compile(
    r"^\s*(?:>|-{3,}|_{5,}|\*?(?:from|von|de|от|発信者|差出人|发件人|發件人|寄件者)\s*\*?\s*[:：])", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"[:：]\s*$")
_SEPARATOR = re.compile(r"^\s*(?:--\s*|—|__)\s*$")


def signature_block(full: str, new: str, max_lines: int = 12, max_chars: int = 800) -> str:
    """The lines that followed the new text in the message, up to the quoted history: the signature
    that `new_text` cut off (staff need the phone number in it). Empty when nothing was cut."""
    last = next((line.strip() for line in reversed((new or "").split("\n")) if line.strip()), "")
    if not last or not full:
        return ""
    lines = full.replace("\r\n", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == last), None)
    if start is None:
        return ""
    block: list[str] = []
    for line in lines[start + 1:]:
        if _HISTORY_START.match(line) or (_ATTRIBUTION_END.search(line) and len(line) > 20):
            break
        if _SEPARATOR.match(line) and not block:
            continue
        block.append(line.rstrip())
        if len(block) >= max_lines:
            break
    text = "\n".join(block).strip()
    return text[:max_chars]


def _attached_text(mail: ParsedMail, limit: int = 200_000) -> str:
    """When the body is empty and the request came as a small .txt attachment, read it from there."""
    if mail.text.strip():
        return ""
    from chalicelib.core.mail.mime import decode_bytes

    for part in mail.attachments:
        if part.content_type == "text/plain" and 0 < part.size <= limit:
            return decode_bytes(part.data)[0].strip()
    return ""


def classify_mail(config: DeskConfig, analysis: MailAnalysis) -> Classification:
    return classify(config, analysis.mail.subject, analysis.text or analysis.mail.text,
                    headers=analysis.mail.headers)
