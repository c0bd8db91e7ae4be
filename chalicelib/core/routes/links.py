"""Signed action links for tasks: bound to the task (request, stage, cycle, person) and the action,
with an expiry. Using a link once is enforced by the task's state (a conditional write), not here.

A link never carries a Step Functions token: a new token is issued each time a stage's state is
entered (after a reminder), so links name the task and the desk keeps the latest token.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LINK_DAYS = 30


@dataclass(frozen=True)
class TaskAction:
    request_id: str
    stage: str
    cycle: int
    person: str
    action: str


class BadLink(Exception):
    def __init__(self, reason: str, person: str | None = None):
        super().__init__(reason)
        self.reason = reason
        """'tampered' or 'expired'."""
        self.person = person
        """Whom an expired link was for (its page speaks their language)."""


class ActionLinks:
    def __init__(self, secret: bytes, public_url: str):
        self._secret = secret
        self._base = public_url.rstrip("/")

    def _serializer(self):
        from itsdangerous import URLSafeSerializer

        return URLSafeSerializer(self._secret, salt="task-action")

    def token(self, action: TaskAction, now: datetime) -> str:
        """The expiry is desk time (the scaled clock on the embedded stack), signed with the rest."""
        expires = int((now + timedelta(days=LINK_DAYS)).timestamp())
        return self._serializer().dumps([action.request_id, action.stage, action.cycle, action.person,
                                         action.action, expires])

    def url(self, action: TaskAction, now: datetime) -> str:
        return f"{self._base}/act/{self.token(action, now)}"

    def read(self, token: str, now: datetime) -> TaskAction:
        """The action a token names; BadLink('tampered'|'expired') otherwise."""
        from itsdangerous import BadSignature

        try:
            values = self._serializer().loads(token)
            request_id, stage, cycle, person, action, expires = values
            parsed = TaskAction(str(request_id), str(stage), int(cycle), str(person), str(action))
            expires = int(expires)
        except (BadSignature, TypeError, ValueError):
            raise BadLink("tampered") from None
        if now.timestamp() > expires:
            raise BadLink("expired", parsed.person)
        return parsed
