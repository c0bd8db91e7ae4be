"""Sending queued mail: every email is first written to the outbox, then sent by whoever claims it.

The claim is a conditional write (queued → sending → sent) with a lease: two senders never send one
email twice, and a sender whose lease ran out cannot mark it sent or unsent over the one that took it
over. A failed send goes back to the queue with its next attempt time (exponential backoff), and
after `outbox.max_attempts` failures to the dead letters (`dead`, event `mail_dead_lettered`), from
which `./rf outbox retry` revives it. Addresses on the suppression list (a permanent bounce, a
complaint) are never written to again: such mail ends `suppressed` (event `mail_suppressed`).

The lease is longer than a send can take (the functions time out after 60 s), so it only runs out
when its sender died; SES accepting a mail and the sender dying before marking it sent is the one
case where a mail may go out twice.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable

from ..core.clock import Clock, iso
from ..core.config import OutboxSection
from ..core.mail.delivery import next_attempt
from ..core.mail.outbound import compose, desk_message_id
from ..core.requests.intake import valid_address
from ..core.requests.models import Message

MAX_ATTEMPTS = OutboxSection().max_attempts


def message_seq(text: str) -> str:
    """A short, stable key part for an item derived from `text` (a Message-ID, an outbox id)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class QueuedMail:
    """One row of `./rf outbox`: mail not sent (yet)."""
    outbox_id: str
    state: str
    """'queued' (waiting for its next attempt), 'stuck' (a sender's lease ran out) or 'dead'."""
    request_id: str | None
    recipients: list[str]
    subject: str
    attempts: int
    last_error: str | None
    next_attempt_at: str | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Outbox:
    def __init__(self, *, table, store, mailer, clock: Clock, count: Callable[[str], None] = lambda _: None,
                 settings: OutboxSection | None = None, thread_ids=None):
        self.table = table
        self.thread_ids = thread_ids
        """Signs the Message-IDs of a request's mail (`ReplyAddresses`); None: ids as they are built."""
        self.store = store
        self.mailer = mailer
        self.clock = clock
        self.count = count
        self.settings = settings or OutboxSection()
        self._held: dict[str, tuple] = {}
        """Mail this sender queued already claimed (`queue_to_send`): outbox id → (mail, lease's end)."""

    def queue_and_send(self, mail, at: str) -> bool:
        """Queue `mail` once (a retry of the same step queues nothing) and try to send it now."""
        if not self.queue_to_send(mail, at):
            return False
        self.send(mail.outbox_id)
        return True

    def signed(self, mail):
        """`mail` with the desk's signed Message-ID and its request's thread id last in its References:
        a reply names its request through either, with no thread index item written per mail (SES
        replaces the Message-ID on the way out; the References stay). The same mail, signed again, is
        unchanged."""
        if self.thread_ids is None or not mail.request_id or not mail.message_id:
            return mail
        domain = mail.message_id.strip("<> ").rpartition("@")[2].lower()

        def sign(message_id):
            """The desk's own ids (`message_id_for`'s, in its mail domain) signed, as the mail they name
            was; others (a customer's, a staff member's) as they are."""
            return (self.thread_ids.message_id(mail.request_id, message_id)
                    if message_id and desk_message_id(message_id, domain) else message_id)

        root = self.thread_ids.thread_root(mail.request_id, domain or None)
        references = [*(sign(r) for r in mail.references), root]
        return replace(mail, message_id=sign(mail.message_id), in_reply_to=sign(mail.in_reply_to),
                       references=list(dict.fromkeys(references)))

    def queue_to_send(self, mail, at: str, extra: dict | None = None) -> bool:
        """Queue `mail` (signed) once, claimed for the `send` that follows in this invocation (one
        write: the queued item is already the claimed one). False when it was queued before. If this
        sender dies before sending, the mail is in the queue under its lease's end, where send_outbox
        finds it."""
        mail = self.signed(mail)
        now = self.clock.now()
        lease_until = self.table.enqueue_claimed(mail, at, now, self.settings.lease_seconds, extra)
        if lease_until is None:
            return False
        self._held[mail.outbox_id] = (mail, lease_until)
        return True

    def send(self, outbox_id: str) -> bool:
        """Send one queued email if it is due and nobody else is sending it. Failures wait for their
        next attempt time, when send_outbox tries again."""
        now = self.clock.now()
        held = self._held.pop(outbox_id, None)
        if held is not None and int(now.timestamp()) <= held[1]:
            mail, claim_no, attempts = held[0], 1, 1
        else:
            claim = self.table.claim_outbound_lease(outbox_id, now, self.settings.lease_seconds)
            if claim is None:
                return False
            mail, claim_no, attempts = claim
        recipients = list(dict.fromkeys(a for a in (valid_address(t) for t in mail.to) if a))
        if not recipients:
            self._failed(mail, claim_no, attempts, "no valid recipient", now, give_up=True)
            return False
        suppressed = [(a, s) for a in recipients if (s := self.table.suppression(a))]
        if suppressed:
            self._note_suppressed(mail, suppressed, now)
            recipients = [a for a in recipients if a not in dict(suppressed)]
            if not recipients:
                self.table.mark_suppressed(outbox_id, [a for a, _ in suppressed], iso(now), claim_no)
                self.count("suppressed")
                return False
            mail = replace(mail, to=[t for t in mail.to if valid_address(t) in recipients])
        try:
            files = [(a["filename"], a["content_type"], self.store.read_attachment(a["key"]))
                     for a in mail.attachments]
            ses_id = self.mailer.send_raw(compose(mail, now, files), mail.from_address, recipients)
        except Exception as exc:  # noqa: BLE001 - a failed send is retried by the schedule
            self._failed(mail, claim_no, attempts, f"{type(exc).__name__}: {exc}", now,
                         give_up=attempts >= self.settings.max_attempts)
            self.count("send_failed")
            return False
        if not self.table.mark_sent(outbox_id, ses_id, iso(now), claim_no):
            return False
        if mail.request_id:
            self.table.add_message(Message(mail.request_id, "out", iso(now), mail.author, mail.kind, mail.subject,
                                           mail.text, mail.message_id), message_seq(mail.outbox_id),
                                   content_of=mail.outbox_id)
        self.count("sent")
        return True

    def _failed(self, mail, claim_no: int, attempts: int, error: str, now, give_up: bool) -> None:
        s = self.settings
        due = next_attempt(now, attempts, s.retry_base_seconds, s.retry_max_seconds)
        if not self.table.mark_unsent(mail.outbox_id, error, give_up, claim_no, iso(due), iso(now)):
            return
        if give_up:
            self.count("dead_lettered")
            if mail.request_id:
                self.table.add_event(mail.request_id, iso(now), message_seq(f"dead.{mail.outbox_id}.{claim_no}"),
                                     "mail_dead_lettered", outbox_id=mail.outbox_id, error=error[:1000])

    def _note_suppressed(self, mail, suppressed: list[tuple[str, dict]], now) -> None:
        if not mail.request_id:
            return
        for address, entry in suppressed:
            self.table.add_event(mail.request_id, iso(now), message_seq(f"sup.{mail.outbox_id}.{address}"),
                                 "mail_suppressed", address=address, reason=entry.get("reason", "bounce"))

    def send_pending(self) -> int:
        """Send what is due: queued mail whose next attempt time has come, and mail whose sender died."""
        due = self.table.pending_outbound(until=iso(self.clock.now()))
        return sum(1 for outbox_id in due if self.send(outbox_id))

    # --- what `./rf outbox` shows and does ----------------------------------------------------

    def unsent(self) -> list[QueuedMail]:
        """Mail not sent: dead letters, mail stuck with a sender whose lease ran out, queued mail."""
        now = self.clock.now()
        rows = []
        for item in self.table.dead_outbound() + self.table.queued_outbound():
            state = item.get("status")
            if state == "sending":
                if int(item.get("lease_until") or 0) >= int(now.timestamp()):
                    continue
                state = "stuck"
            rows.append(QueuedMail(
                outbox_id=item["outbox_id"], state=state, request_id=item.get("request_id"),
                recipients=list(item.get("to") or []), subject=item.get("subject") or "",
                attempts=int(item.get("attempts") or 0), last_error=item.get("last_error"),
                next_attempt_at=None if state == "dead" else item.get("next_attempt_at") or item.get("GSI2SK")))
        return rows

    def retry(self, outbox_id: str) -> str:
        """Put a dead email back in the queue and send it now: 'sent', 'queued' (it failed again and
        waits for its next attempt), 'suppressed', 'dead', or 'not_dead' (nothing was changed) /
        'unknown'."""
        if self.table.outbound(outbox_id) is None:
            return "unknown"
        if not self.table.revive_outbound(outbox_id, iso(self.clock.now())):
            return "not_dead"
        self.send(outbox_id)
        return (self.table.outbound(outbox_id) or {}).get("status", "unknown")
