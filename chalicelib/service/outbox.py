"""Sending queued mail: every email is first written to the outbox, then sent by whoever claims it.

The claim is a conditional write (queued → sending → sent), so two senders never send one email twice;
what failed stays queued for the `send_outbox` schedule.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from ..core.clock import Clock, iso
from ..core.mail.outbound import compose
from ..core.requests.intake import valid_address
from ..core.requests.models import Message

MAX_ATTEMPTS = 5


def message_seq(text: str) -> str:
    """A short, stable key part for an item derived from `text` (a Message-ID, an outbox id)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Outbox:
    def __init__(self, *, table, store, mailer, clock: Clock, count: Callable[[str], None] = lambda _: None):
        self.table = table
        self.store = store
        self.mailer = mailer
        self.clock = clock
        self.count = count

    def queue_and_send(self, mail, at: str) -> bool:
        """Queue `mail` once (a retry of the same step queues nothing) and try to send it now."""
        if not self.table.enqueue(mail, at):
            return False
        self.send(mail.outbox_id)
        return True

    def send(self, outbox_id: str) -> bool:
        """Send one queued email if nobody else is sending it. Failures stay queued for send_outbox."""
        now = self.clock.now()
        mail = self.table.claim_outbound(outbox_id, now)
        if mail is None:
            return False
        recipients = [a for a in (valid_address(t) for t in mail.to) if a]
        if not recipients:
            self.table.mark_unsent(outbox_id, "no valid recipient", give_up=True)
            return False
        try:
            files = [(a["filename"], a["content_type"], self.store.read_attachment(a["key"]))
                     for a in mail.attachments]
            ses_id = self.mailer.send_raw(compose(mail, now, files), mail.from_address, recipients)
        except Exception as exc:  # noqa: BLE001 - a failed send is retried by the schedule
            attempts = (self.table.outbound(outbox_id) or {}).get("attempts", 1)
            self.table.mark_unsent(outbox_id, f"{type(exc).__name__}: {exc}", give_up=attempts >= MAX_ATTEMPTS)
            self.count("send_failed")
            return False
        self.table.mark_sent(outbox_id, ses_id, iso(now))
        if mail.request_id:
            region_domain = getattr(self.mailer, "message_id_domain", None)
            if region_domain:
                self.table.index_message_id(f"<{ses_id}@{region_domain}>", mail.request_id, "out")
            self.table.add_message(Message(mail.request_id, "out", iso(now), mail.author, mail.kind, mail.subject,
                                           mail.text, mail.message_id), message_seq(mail.outbox_id))
        self.count("sent")
        return True

    def send_pending(self) -> int:
        return sum(1 for outbox_id in self.table.pending_outbound() if self.send(outbox_id))
