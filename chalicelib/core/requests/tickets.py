"""Ticket numbers (RF-2611-0042), subject tags ([#RF-2611-0042]) and signed reply addresses."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime


def ticket_number(prefix: str, moment: datetime, counter: int) -> str:
    return f"{prefix}-{moment:%y%m}-{counter:04d}"


def ticket_period(moment: datetime) -> str:
    return f"{moment:%y%m}"


def subject_tag(ticket: str) -> str:
    return f"[#{ticket}]"


_TAG = re.compile(r"\[#\s*([A-Z]{1,6}-\d{4}-\d{4,})\s*\]", re.IGNORECASE)


def tags_in(subject: str) -> list[str]:
    """Ticket numbers tagged in a subject, upper-cased, in order of appearance."""
    return [m.group(1).upper() for m in _TAG.finditer(subject or "")]


def tagged_subject(ticket: str, subject: str) -> str:
    """The subject with our tag in front, once; prefixes like 'Re:' dropped."""
    clean = _TAG.sub("", subject or "").strip()
    clean = re.sub(r"^(?:(?:re|fwd?|aw|ответ|回复|答复)\s*[:：]\s*)+", "", clean, flags=re.IGNORECASE).strip()
    return f"{subject_tag(ticket)} {clean}".strip()


class ReplyAddresses:
    """Plus-addressed reply addresses signed with HMAC: desk+r.rf-2611-0042.<sig>@example.com.

    The signature is lower-case hex so that mail systems that fold the local part's case keep it valid.
    """

    def __init__(self, desk_address: str, secret: bytes):
        self._local, _, self._domain = desk_address.lower().partition("@")
        self._secret = secret

    def _sign(self, kind: str, ident: str) -> str:
        return hmac.new(self._secret, f"{kind}.{ident}".encode(), hashlib.sha256).hexdigest()[:12]

    def for_request(self, request_id: str) -> str:
        ident = request_id.lower()
        return f"{self._local}+r.{ident}.{self._sign('r', ident)}@{self._domain}"

    def request_of(self, address: str) -> str | None:
        """The request id a reply address names, or None when it is not ours or the signature is wrong."""
        local, _, domain = (address or "").lower().partition("@")
        base, plus, tag = local.partition("+")
        if domain != self._domain or base != self._local or not plus:
            return None
        kind, _, rest = tag.partition(".")
        ident, _, signature = rest.rpartition(".")
        if kind != "r" or not ident or not hmac.compare_digest(signature, self._sign("r", ident)):
            return None
        return ident.upper()
