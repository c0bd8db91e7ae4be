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


_TICKET = re.compile(r"[a-z]{1,6}-\d{4}-\d{4,}")
_TAG = re.compile(r"\[#\s*([A-Z]{1,6}-\d{4}-\d{4,})\s*\]", re.IGNORECASE)


def tags_in(subject: str) -> list[str]:
    """Ticket numbers tagged in a subject, upper-cased, in order of appearance."""
    return [m.group(1).upper() for m in _TAG.finditer(subject or "")]


def plain_subject(subject: str) -> str:
    """The subject without ticket tags and reply prefixes ('Re:', 'Fwd:', 'Ответ:', '回复：')."""
    clean = _TAG.sub("", subject or "").strip()
    return re.sub(r"^(?:(?:re|fwd?|aw|ответ|回复|答复)\s*[:：]\s*)+", "", clean, flags=re.IGNORECASE).strip()


def tagged_subject(ticket: str, subject: str) -> str:
    """The subject with our tag in front, once; prefixes like 'Re:' dropped."""
    return f"{subject_tag(ticket)} {plain_subject(subject)}".strip()


class ReplyAddresses:
    """Plus-addressed reply addresses signed with HMAC.

    A customer's: desk+r.rf-2611-0042.<sig>@example.com. A staff member's, on every desk email sent
    to them about a request: desk+s.rf-2611-0042.olga.<sig>@example.com, so that a staff reply is
    recognised by the address it was sent to, not only by its sender. The signature is lower-case hex
    so that mail systems that fold the local part's case keep it valid.
    """

    def __init__(self, desk_address: str, secret: bytes):
        self._local, _, self._domain = desk_address.lower().partition("@")
        self._secret = secret

    def _sign(self, kind: str, ident: str) -> str:
        return hmac.new(self._secret, f"{kind}.{ident}".encode(), hashlib.sha256).hexdigest()[:12]

    def _address(self, kind: str, ident: str) -> str:
        return f"{self._local}+{kind}.{ident}.{self._sign(kind, ident)}@{self._domain}"

    def for_request(self, request_id: str) -> str:
        return self._address("r", request_id.lower())

    def for_staff(self, request_id: str, staff_id: str) -> str:
        return self._address("s", f"{request_id.lower()}.{staff_id.lower()}")

    def for_task(self, request_id: str, stage: str, cycle: int, staff_id: str) -> str:
        """desk+t.rf-2611-0042.approve.1.olga.<sig>@…: a reply decides that person's task."""
        return self._address("t", f"{request_id.lower()}.{stage}.{cycle}.{staff_id.lower()}")

    def task_of(self, address: str) -> tuple[str, str, int, str] | None:
        """(request id, stage, cycle, staff id) of a task reply address; None for any other address."""
        parsed = self._parse(address)
        if parsed is None or parsed[0] != "t":
            return None
        request_id, _, rest = parsed[1].partition(".")
        stage, _, rest = rest.partition(".")
        cycle, _, staff_id = rest.partition(".")
        if not (stage and cycle.isdigit() and staff_id):
            return None
        return request_id.upper(), stage, int(cycle), staff_id

    def _parse(self, address: str) -> tuple[str, str] | None:
        local, _, domain = (address or "").lower().partition("@")
        base, plus, tag = local.partition("+")
        if domain != self._domain or base != self._local or not plus:
            return None
        kind, _, rest = tag.partition(".")
        ident, _, signature = rest.rpartition(".")
        if kind not in ("r", "s", "t") or not ident or not hmac.compare_digest(signature, self._sign(kind, ident)):
            return None
        return kind, ident

    def request_of(self, address: str) -> str | None:
        """The request id a reply address (customer's or staff's) names; None when not ours or forged."""
        parsed = self._parse(address)
        if parsed is None:
            return None
        kind, ident = parsed
        return ident.partition(".")[0].upper()

    def staff_of(self, address: str) -> tuple[str, str] | None:
        """(request id, staff id) of a staff reply address; None for any other address."""
        parsed = self._parse(address)
        if parsed is None or parsed[0] != "s":
            return None
        request_id, _, staff_id = parsed[1].partition(".")
        return request_id.upper(), staff_id

    def thread_root(self, request_id: str, domain: str | None = None) -> str:
        """<rf.rf-2611-0042.<sig>@domain>: the request's signed thread id, last in the References of every
        desk mail of the request. SES replaces a sent mail's Message-ID with its own, but a reply keeps
        the References of the mail it answers, so it names its request without a lookup."""
        return self._message_id(f"rf.{request_id.lower()}", domain or self._domain)

    def message_id(self, request_id: str, message_id: str) -> str:
        """A desk Message-ID (<kind.ident.digest@domain>) signed for its request: the digest becomes the
        signature of kind and ident, which name the request (<ack.rf-2611-0042.<sig>@domain>). The
        same id always signs the same; an id already signed for the request stays as it is."""
        if self.request_of_message_id(message_id) == request_id.upper():
            return message_id
        local, _, domain = message_id.strip().strip("<>").lower().rpartition("@")
        body = local.rpartition(".")[0] or local
        kind, _, ident = body.partition(".")
        if request_id.lower() not in ident.split("."):
            body = f"{kind}.{request_id.lower()}" + (f".{ident}" if ident else "")
        return self._message_id(body, domain or self._domain)

    def _message_id(self, body: str, domain: str) -> str:
        return f"<{body}.{self._sign('m', body)}@{domain}>"

    def request_of_message_id(self, message_id: str) -> str | None:
        """The request a signed Message-ID or thread id of ours names; None for any other id (a forged
        or altered one included)."""
        body, _, signature = (message_id or "").strip().strip("<>").lower().rpartition("@")[0].rpartition(".")
        if not body or not hmac.compare_digest(signature, self._sign("m", body)):
            return None
        return next((t.upper() for t in body.split(".")[1:] if _TICKET.fullmatch(t)), None)
