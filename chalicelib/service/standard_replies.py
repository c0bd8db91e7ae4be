"""Standard replies: a staff member sends a configured text (price list, delivery terms, documents) by
name, from a reply mail (`#reply <name>`) or from the request's page. Both go through `send`, which
hands the filled text to the staff answer path: the customer gets it in their language, in their thread,
through the outbox, and it counts as an answer (first response, status) like any other.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Callable

from ..core.clock import iso
from ..core.config import DeskConfig, StaffMember, StandardReply
from ..core.render import Templates
from ..core.requests import standard_replies
from ..core.requests.models import Message, Request
from ..core.requests.tickets import ReplyAddresses
from .outbox import Outbox, message_seq

if TYPE_CHECKING:
    from datetime import datetime

    from .answers import StaffReplies, StaffReplyResult

MAX_OWN_WORDS_CHARS = 20000


class StandardReplies:
    def __init__(self, *, config: DeskConfig, table, templates: Templates, outbox: Outbox,
                 reply_addresses: ReplyAddresses, answers: "StaffReplies",
                 new_id: Callable[[], str] = lambda: secrets.token_urlsafe(18)):
        self.config = config
        self.table = table
        self.templates = templates
        self.outbox = outbox
        self.reply_addresses = reply_addresses
        self.answers = answers
        self.new_id = new_id

    def find(self, request: Request, name: str) -> StandardReply | None:
        return standard_replies.find(self.config, name, request.category)

    def choices(self, request: Request, member: StaffMember, lang: str) -> list[dict]:
        return standard_replies.choices(self.config, request, member, lang)

    def text(self, request: Request, member: StaffMember, reply: StandardReply, own_words: str) -> str:
        """What the customer reads: the staff member's own words, then the reply filled from the request.
        It is also the staff message kept on the request, which the customer's status page shows."""
        return standard_replies.answer_text(standard_replies.fill(self.config, reply, request, member), own_words)

    def send(self, request: Request, member: StaffMember, reply: StandardReply, *, own_words: str, resolve: bool,
             refs, at: str, seq: str, message_id: str | None) -> "StaffReplyResult":
        """The one way a standard reply reaches a customer (the caller kept the staff message and wrote
        `staff_replied`)."""
        from .answers import StaffReplyResult

        text = self.text(request, member, reply, own_words)
        answer_id = self.answers.answer(request, member, text, refs, resolve, at, seq, message_id)
        return StaffReplyResult("resolved" if resolve else "answered", answer_id)

    def by_mail(self, request: Request, member: StaffMember, reply: StandardReply | None, *, name: str,
                own_words: str, resolve: bool, refs, at: str, seq: str,
                message_id: str | None) -> "StaffReplyResult":
        """`#reply <name>` in a staff reply mail. A name this request's category does not have gets the
        sender the list of those it has, and the customer nothing."""
        from .answers import StaffReplyResult

        if reply is None:
            notice = standard_replies.unknown_reply_notice(
                self.config, self.templates, request, member, name=name, ident=seq,
                reply_to=self.reply_addresses.for_staff(request.request_id, member.id), in_reply_to=message_id)
            self.outbox.queue_and_send(notice, at)
            return StaffReplyResult("unknown_reply")
        return self.send(request, member, reply, own_words=own_words, resolve=resolve, refs=refs, at=at, seq=seq,
                         message_id=message_id)

    def from_page(self, member: StaffMember, request_id: str, name: str, *, own_words: str = "",
                  resolve: bool = False, once: str | None, now: "datetime") -> str:
        """The request page's "Send this reply": 'sent', 'busy' (the same form is being sent right now),
        'no_request' or 'unknown_reply'. `once` is the page's own id: the same form posted twice (a
        double click, a reload) sends one answer."""
        request = self.table.get_request(request_id)
        if request is None:
            return "no_request"
        reply = self.find(request, name)
        if reply is None:
            return "unknown_reply"
        key = hashlib.sha256(f"reply:{request_id}:{member.id}:{reply.name}:{once or self.new_id()}".encode()).hexdigest()
        state, _ = self.table.claim(key, now)
        if state != "claimed":
            return "sent" if state == "done" else "busy"
        try:
            at = self.table.reserve(key, "at", {"at": iso(now)})["at"]
            seq = message_seq(key)
            own_words = (own_words or "")[:MAX_OWN_WORDS_CHARS]
            self.answers.conversation.keep(Message(request_id, "in", at, member.id, "staff", request.subject,
                                                   self.text(request, member, reply, own_words)), seq)
            self.table.add_event(request_id, at, seq, "staff_replied", author=member.id, command="reply",
                                 template=reply.name, via="page")
            self.table.touch_request(request_id, at, "last_staff_message_at")
            self.send(request, member, reply, own_words=own_words, resolve=resolve,
                      refs=(), at=at, seq=seq, message_id=None)
        except Exception:
            self.table.release(key)
            raise
        self.table.finish(key, {"answer": seq}, now)
        return "sent"
