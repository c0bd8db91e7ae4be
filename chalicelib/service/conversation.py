"""Keeping a request's messages and moving its status: shared by the customer and the staff paths.

A text of any size is kept whole: one too large for a table item goes to S3 and the item keeps its
beginning and the key. Every write is a conditional create or a conditional update, so a retry of
the same inbound message writes nothing twice.
"""
from __future__ import annotations

from typing import Callable

from ..core.requests.closure import CLOSABLE
from ..core.requests.lifecycle import OPEN_STATUSES
from ..core.requests.models import AttachmentRef, Message, Request

MAX_ITEM_TEXT_BYTES = 64 * 1024
"""Texts above this go to S3 (a DynamoDB item holds 400 KB in all)."""
PREVIEW_CHARS = 8000
CUSTOMER_KINDS = ("email", "form", "reply")
"""Messages the customer wrote."""


class Conversation:
    def __init__(self, *, table, store, calendar=None):
        self.table = table
        self.store = store
        self.calendar = calendar
        """The business calendar the SLA clock runs on (core.sla.calendar); None: the clock never pauses."""

    def store_attachments(self, request_id: str, seq: str, attachments: list) -> list[AttachmentRef]:
        refs = []
        for index, part in enumerate(attachments):
            key = self.store.put_attachment(request_id, seq, index, part.filename, part.content_type, part.data)
            refs.append(AttachmentRef(part.filename, part.content_type, part.size, key))
        return refs

    def keep(self, message: Message, seq: str) -> bool:
        """Store a message (its text in S3 when large) and index its Message-ID for threading."""
        if len(message.text.encode("utf-8", "surrogatepass")) > MAX_ITEM_TEXT_BYTES:
            message.text_key = self.store.put_text(message.request_id, seq, message.text)
            message.text = message.text[:PREVIEW_CHARS]
        created = self.table.add_message(message, seq)
        if message.message_id:
            self.table.index_message_id(message.message_id, message.request_id, message.direction)
        return created

    def thread_of(self, request_id: str) -> tuple[str | None, list[str]]:
        """In-Reply-To: the customer's latest message; References: the customer's messages and our
        mail to them, oldest first, so every client files our mail in the customer's thread."""
        ids, latest_customer = [], None
        for m in self.table.messages(request_id, text=False):
            mid = m.get("message_id")
            if not mid:
                continue
            if m["direction"] == "in" and m["kind"] in CUSTOMER_KINDS:
                latest_customer = mid
                ids.append(mid)
            elif m["direction"] == "out" and m["kind"] in ("ack", "answer", "update"):
                ids.append(mid)
        return latest_customer or (ids[-1] if ids else None), ids[-10:]

    def first_customer_text(self, request_id: str) -> str:
        """The customer's first message in full: what staff mail about the request quotes."""
        for m in self.table.messages(request_id, text=False):
            if m["direction"] == "in" and m["kind"] in CUSTOMER_KINDS:
                return self.full_text(m)
        return ""

    def full_text(self, message: dict) -> str:
        key = message.get("text_key")
        return self.store.read_text(key) if key else message.get("text") or ""

    def move_status(self, request_id: str, decide: Callable[[str], str], at: str, seq: str, by: str,
                    attempts: int = 3) -> Request | None:
        """Apply `decide(current status) → new status` with a conditional write, re-reading on a race.

        Records a `status_changed` event for a real change; keeps the per-person count of open requests.
        Returns the request as it is afterwards.
        """
        for _ in range(attempts):
            request = self.table.get_request(request_id)
            if request is None:
                return None
            new = decide(request.status)
            if new == request.status:
                return request
            pause = self._sla_pause(request, new, at)
            if self.table.change_status(request_id, request.status, new, at, open_due=pause.open_due,
                                        extra=pause.set, remove=pause.remove):
                self.table.add_event(request_id, at, f"{seq}.status", "status_changed",
                                     **{"from": request.status, "to": new, "by": by})
                was_open, is_open = request.status in OPEN_STATUSES, new in OPEN_STATUSES
                if was_open != is_open:
                    self.table.increment(f"open#{request.assignee}", 1 if is_open else -1)
                if new in CLOSABLE:
                    self.table.mark_for_closure(request_id, new, at)
                request.status = new
                return request
        raise RuntimeError(f"status of {request_id} kept changing; giving up after {attempts} attempts")

    def _sla_pause(self, request: Request, new: str, at: str):
        """The SLA clock's part of a status change: it stops while the request waits for the customer."""
        from ..core.sla.targets import PauseChange, current_target, status_change

        if self.calendar is None:
            due = request.due_resolution if current_target(request) == "resolution" else request.due_first_response
            return PauseChange({}, (), due)
        return status_change(request, new, at, self.calendar)
