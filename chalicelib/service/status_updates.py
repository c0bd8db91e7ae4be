"""Customer status updates, coalesced: at most one status update email per request per window.

Windows are counted from the request's creation (`outbox.status_update_window_hours` long). The first
update of a window goes out at once, as the outbox item `update.<request>.w<k>`; a later one in the
same window becomes (or replaces the content of) the next window's item, due when that window
starts, so the customer gets the newest news then instead of a mail per step. Each update carries
its own key (`update.<request>.<event>.<run>`), kept on the item it joined: delivering the same
update twice (a redelivered machine message) changes nothing.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ..core.clock import iso, parse_iso
from ..core.mail.delivery import update_window, window_start
from ..core.requests.models import Outbound, Request

_CONTENT = ("to", "subject", "text", "html", "message_id", "reply_to", "in_reply_to", "references", "language")


class StatusUpdates:
    def __init__(self, *, table, outbox, window_hours: float):
        self.table = table
        self.outbox = outbox
        self.window = timedelta(hours=window_hours)

    def tell(self, request: Request, mail: Outbound, at: str) -> str:
        """Queue `mail`, a status update to the customer: 'sent' (queued and sent now), 'deferred' (to the
        next window), 'replaced' (it replaced the update waiting), 'duplicate' or 'dropped' (it changed
        nothing)."""
        key = mail.outbox_id
        mail = self.outbox.signed(mail)
        if self.window <= timedelta(0):
            return self._at_once(request, mail, at)
        anchor, now = parse_iso(request.created_at), parse_iso(at)
        current = update_window(anchor, now, self.window)
        slots = [n for n in (current - 1, current, current + 1) if n >= 0]
        if any(key in ((self.table.outbound(self._slot_id(request, n)) or {}).get("update_keys") or [])
               for n in slots):
            return "duplicate"
        for n in (current, current + 1):
            slot = replace(mail, outbox_id=self._slot_id(request, n))
            due = None if n == current else iso(window_start(anchor, n, self.window))
            queued = (self.outbox.queue_to_send(slot, at, extra={"update_keys": [key]}) if due is None else
                      self.table.enqueue(slot, at, not_before=due, extra={"update_keys": [key]}))
            if queued:
                if n == current:
                    self.outbox.send(slot.outbox_id)
                    return "sent"
                return "deferred"
            if self.table.replace_queued(slot.outbox_id, {f: getattr(mail, f) for f in _CONTENT}, key):
                if n == current:
                    self.outbox.send(slot.outbox_id)
                return "replaced"
        return "dropped"

    def _at_once(self, request: Request, mail: Outbound, at: str) -> str:
        if not self.outbox.queue_to_send(mail, at):
            return "duplicate"
        self.outbox.send(mail.outbox_id)
        return "sent"

    @staticmethod
    def _slot_id(request: Request, number: int) -> str:
        return f"update.{request.request_id}.w{number}"
