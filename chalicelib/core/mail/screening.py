"""Decide before anything else whether an inbound message must not become a request."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from chalicelib.core.mail.mail_model import ParsedMail

__all__ = ["Screening", "screen"]


@dataclass(frozen=True)
class Screening:
    outcome: Literal["ignored", "quarantined"]
    reason: str
    """malformed | virus | spam | loop | bounce | auto_reply | bulk | list"""


# Subject prefixes of out-of-office and other automatic replies (en, ru, zh, de, fr, es, it, pt, nl,
# Nordic, pl), optionally in brackets.
_AUTO_SUBJECT = re.compile(
    r"^\s*[\[(（【]?\s*(?:"
    r"automatic reply|auto(?:matic)?[- ]?reply|auto(?:matic)?[- ]?response|auto:|autoreply|autorespon"
    r"|out of (?:the )?office"
    r"|автоответ|автоматический ответ"
    r"|自动回复|自动答复|自動回覆|自動回復|自動答覆|自動応答|自動返信|休假自动回复"
    r"|automatische antwort|abwesenheitsnotiz|automatische abwesenheit"
    r"|réponse automatique|reponse automatique|message d'absence"
    r"|respuesta automática|respuesta automatica"
    r"|risposta automatica|resposta automática|resposta automatica"
    r"|automatisch antwoord"
    r"|autosvar|automatisk svar|automaattinen vastaus|poissa toimistolta"
    r"|automatyczna odpowiedź|autoodpowiedź|odpowiedź automatyczna"
    r")",
    re.I,
)
# Looser words that only count together with Outlook's X-Auto-Response-Suppress header.
_AUTO_SUBJECT_WORDS = re.compile(
    r"automatic|auto[- ]?reply|auto[- ]?response|out of (?:the )?office|\booo\b|vacation|holiday|\baway\b"
    r"|absence|abwesen|ausencia|отпуск|автоматическ|автоответ|не в офисе|вне офиса|нет на месте"
    r"|自动|自動|休假|不在办公室|不在辦公室|外出",
    re.I,
)
# set by vacation programs and autoresponders (vpopmail, cPanel, Plesk, procmail recipes)
_AUTOREPLY_FLAGS = ("x-autoreply-from", "x-mail-autoreply", "x-auto-reply")
_RULES_AGENT = re.compile(r"mailbox rules agent", re.I)
_COMMENT = re.compile(r"\([^()]*\)")
_ROBOT_LOCALPARTS = frozenset({"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "post_master"})
# "From: MAILER-DAEMON <>", "From: Mail Delivery Subsystem <MAILER-DAEMON>", "From: <>": bounces whose
# From holds no usable address, so only the raw header tells
_ROBOT_FROM = re.compile(r"(?:^|[\s<\"'(])(?:mailer-?daemon|mail-daemon|postmaster|post_master)(?:$|[\s>@\"')])|<\s*>", re.I)
_UNUSABLE = ("empty message", "no headers", "unparseable message")
_NO = frozenset({"no", "false", "0", ""})


def _local(address: str | None) -> str:
    return (address or "").rpartition("@")[0].lower()


def _is_own(address: str | None, own: set[str]) -> bool:
    if not address or "@" not in address:
        return False
    address = address.strip().strip("<>").lower()
    local, _, domain = address.rpartition("@")
    return address in own or f"{local.split('+', 1)[0]}@{domain}" in own


def _addr_in(value: str | None) -> str | None:
    if not value:
        return None
    m = re.search(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+", value)
    return m.group(0).lower() if m else None


def _first(mail: ParsedMail, name: str) -> str:
    return (mail.header(name) or "").strip()


def screen(mail: ParsedMail, own_addresses: Iterable[str]) -> Screening | None:
    """Why this message must not become a request, or None when it is ordinary customer mail."""
    if any(defect.startswith(_UNUSABLE) for defect in mail.defects):
        return Screening("quarantined", "malformed")
    verdicts = mail.verdicts
    if (verdicts.virus or "").upper() == "FAIL":
        return Screening("quarantined", "virus")
    if (verdicts.spam or "").upper() == "FAIL":
        return Screening("quarantined", "spam")

    own = {a.strip().lower() for a in own_addresses if a and "@" in a}
    senders = (mail.from_address, mail.return_path, _addr_in(mail.header("sender")))
    loops = [_addr_in(value) for value in mail.headers.get("x-loop", [])]
    if any(_is_own(addr, own) for addr in (*senders, *loops)):
        return Screening("ignored", "loop")

    content_type = _first(mail, "content-type").lower()
    report = mail.content_type == "multipart/report"
    if (
        (report and "delivery-status" in content_type)
        or _local(mail.from_address) in _ROBOT_LOCALPARTS
        or _local(mail.return_path) in _ROBOT_LOCALPARTS
        or (mail.from_address is None and _ROBOT_FROM.search(_first(mail, "from")))
        or mail.header("x-failed-recipients") is not None
    ):
        return Screening("ignored", "bounce")

    precedence = _first(mail, "precedence").lower() or _first(mail, "x-precedence").lower()
    auto_subject = bool(_AUTO_SUBJECT.match(mail.subject))
    suppress = mail.header("x-auto-response-suppress") is not None
    if (
        (mail.header("auto-submitted") is not None and _token(_first(mail, "auto-submitted")) not in _NO)
        or (mail.header("x-autoreply") is not None and _first(mail, "x-autoreply").lower() not in _NO)
        or mail.header("x-autorespond") is not None
        or mail.header("x-autogenerated") is not None
        or any(mail.header(name) is not None and _first(mail, name).lower() not in _NO for name in _AUTOREPLY_FLAGS)
        or _first(mail, "x-loop").lower() in ("yes", "true")
        or "autoresponder" in _first(mail, "x-post-messageclass").lower()
        or any(value.strip().lower() == "autoresponder" for value in mail.headers.get("delivered-to", []))
        or precedence == "auto_reply"
        or report  # read receipts, abuse and DMARC feedback reports (RFC 6522): written by software
        or auto_subject
        or _RULES_AGENT.search(_first(mail, "x-ms-exchange-generated-message-source"))
        or mail.header("x-ms-exchange-inbox-rules-loop") is not None
        or (suppress and _AUTO_SUBJECT_WORDS.search(mail.subject))
    ):
        return Screening("ignored", "auto_reply")
    if mail.return_path == "":
        return Screening("ignored", "bounce")

    if precedence in ("bulk", "junk"):
        return Screening("ignored", "bulk")
    if (
        precedence == "list"
        or mail.header("list-id") is not None
        or mail.header("list-post") is not None
    ):
        return Screening("ignored", "list")
    if mail.header("list-unsubscribe") is not None:
        # newsletters and marketing platforms; a person writing to a desk never sends it
        return Screening("ignored", "bulk")
    return None


def _token(value: str) -> str:
    """The keyword of a header like Auto-Submitted, without RFC 5322 comments or parameters:
    'no (manual)' -> 'no', 'auto-replied; owner-email=…' -> 'auto-replied'."""
    value = _COMMENT.sub(" ", value).split(";")[0].strip().lower()
    return value.split()[0] if value.split() else ""
