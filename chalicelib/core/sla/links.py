"""The red-zone email's one-click action: a signed link that reassigns the request to the suggested
colleague. Bound to the request, the person holding it now, the colleague, the manager and the due
time, with an expiry in desk time. That it works once is the request's conditional write on the
assignee, not the link's business."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REASSIGN_LINK_DAYS = 7


@dataclass(frozen=True)
class Reassign:
    request_id: str
    holder: str
    """Who holds the request when the link was made: the reassignment happens only if they still do."""
    to: str
    manager: str
    due: str


class BadReassignLink(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        """'tampered' or 'expired'."""


class ReassignLinks:
    def __init__(self, secret: bytes, public_url: str):
        self._secret = secret
        self._base = public_url.rstrip("/")

    def _serializer(self):
        from itsdangerous import URLSafeSerializer

        return URLSafeSerializer(self._secret, salt="sla-reassign")

    def token(self, action: Reassign, now: datetime) -> str:
        expires = int((now + timedelta(days=REASSIGN_LINK_DAYS)).timestamp())
        return self._serializer().dumps([action.request_id, action.holder, action.to, action.manager, action.due,
                                         expires])

    def url(self, action: Reassign, now: datetime) -> str:
        return f"{self._base}/sla/reassign/{self.token(action, now)}"

    def read(self, token: str, now: datetime) -> Reassign:
        from itsdangerous import BadSignature

        try:
            request_id, holder, to, manager, due, expires = self._serializer().loads(token)
            action = Reassign(str(request_id), str(holder), str(to), str(manager), str(due))
            expires = int(expires)
        except (BadSignature, TypeError, ValueError):
            raise BadReassignLink("tampered") from None
        if now.timestamp() > expires:
            raise BadReassignLink("expired")
        return action
