"""Staff answer through the desk: a staff member replies to a desk email, the desk answers the customer.

The answer goes out from the desk's address, in the request's thread, with the staff member's quotes
and signature removed and their attachments passed on. Commands on the first line: `#resolve` (send
and resolve), `#note` (internal, never sent), `#assign <person>`, `#reply <name>` (a standard reply,
see standard_replies.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.config import DeskConfig, StaffMember
from ..core.links import StatusLinks
from ..core.mail.outbound import staff_answer, staff_notice, staff_notification
from ..core.render import Templates
from ..core.requests.lifecycle import after_staff_answer, parse_staff_reply, staff_member_named
from ..core.requests.models import Message, Request
from ..core.requests.tickets import ReplyAddresses
from .conversation import Conversation
from .outbox import Outbox
from .standard_replies import StandardReplies


@dataclass
class StaffReplyResult:
    action: str
    """'answered', 'resolved', 'note', 'assigned', 'empty', 'unknown_command', 'unknown_person', 'unknown_reply'."""
    answer_message_id: str | None = None


class StaffReplies:
    def __init__(self, *, config: DeskConfig, table, templates: Templates, conversation: Conversation,
                 outbox: Outbox, reply_addresses: ReplyAddresses, status_links: StatusLinks,
                 signin_links=None, after_resolution=None):
        self.config = config
        self.after_resolution = after_resolution
        """Called with (request id, time) after a `#resolve`: the survey goes out (service/closure.py)."""
        self.table = table
        self.templates = templates
        self.conversation = conversation
        self.outbox = outbox
        self.reply_addresses = reply_addresses
        self.status_links = status_links
        self.signin_links = signin_links
        self.standard = StandardReplies(config=config, table=table, templates=templates, outbox=outbox,
                                        reply_addresses=reply_addresses, answers=self)

    def handle(self, request: Request, member: StaffMember, *, text: str, subject: str, message_id: str | None,
               attachments: list, raw_key: str | None, at: str, seq: str) -> StaffReplyResult:
        reply = parse_staff_reply(text)
        refs = self.conversation.store_attachments(request.request_id, seq, attachments)
        standard = self.standard.find(request, reply.argument) if reply.command == "reply" else None
        # A `#reply` naming nothing this request has is kept internal: the customer gets nothing.
        refused = reply.command == "reply" and standard is None
        kind = "note" if reply.command in ("note", "assign") or refused else "staff"
        kept = self.standard.text(request, member, standard, reply.body) if standard else (
            reply.body if reply.command else text)
        self.conversation.keep(Message(request.request_id, "in", at, member.id, kind, subject,
                                       kept, message_id, refs, raw_key), seq)
        self.table.add_event(request.request_id, at, seq, "staff_replied", author=member.id,
                             message_id=message_id, command=reply.command,
                             **({"template": standard.name} if standard else {}))
        self.table.touch_request(request.request_id, at, "last_staff_message_at")

        if reply.command == "note":
            self.table.add_event(request.request_id, at, f"{seq}.note", "note_added", author=member.id)
            return StaffReplyResult("note")
        if reply.command == "unknown":
            self._notice(request, member, "unknown_command", seq, at, reply.argument, message_id)
            return StaffReplyResult("unknown_command")
        if reply.command == "assign":
            return self._assign(request, member, reply.argument, reply.body, at, seq, message_id)
        if reply.command == "reply":
            return self.standard.by_mail(request, member, standard, name=reply.argument, own_words=reply.body,
                                         resolve=reply.resolve, refs=refs, at=at, seq=seq, message_id=message_id)
        resolve = reply.command == "resolve"
        if not reply.body and not resolve:
            self._notice(request, member, "empty", seq, at, "", message_id)
            return StaffReplyResult("empty")
        answer_id = self.answer(request, member, reply.body, refs, resolve, at, seq, message_id)
        return StaffReplyResult("resolved" if resolve else "answered", answer_id)

    def answer(self, request: Request, member: StaffMember, body: str, refs, resolve: bool, at: str, seq: str,
               message_id: str | None = None) -> str | None:
        """Send `body` to the customer as the desk's answer (the first one is the first response) and move
        the status as an answer does; returns the answer's Message-ID (None when nothing was sent)."""
        answer_id = None
        if body:
            if not request.customer_email:
                self._notice(request, member, "no_customer", seq, at, "", message_id)
            else:
                answer_id = self._send_answer(request, member, body, refs, resolve, at, seq)
            if self.table.set_first_response(request.request_id, at):
                self.table.add_event(request.request_id, at, f"{seq}.first", "first_response", author=member.id)
        self.conversation.move_status(request.request_id, lambda status: after_staff_answer(status, resolve),
                                      at, seq, by=member.id)
        if resolve and self.after_resolution is not None:
            self.after_resolution(request.request_id, at)
        return answer_id

    def _send_answer(self, request: Request, member: StaffMember, body: str, refs, resolve: bool, at: str,
                     seq: str) -> str:
        in_reply_to, references = self._thread_of(request)
        answer = self.outbox.signed(staff_answer(
            self.config, self.templates, request, member, text=body, ident=seq,
            status_url=self.status_links.url(request.request_id), in_reply_to=in_reply_to,
            references=references, attachments=refs, resolved=resolve))
        self.outbox.queue_and_send(answer, at)
        return answer.message_id

    def _thread_of(self, request: Request) -> tuple[str | None, list[str]]:
        return self.conversation.thread_of(request.request_id)

    def _assign(self, request: Request, member: StaffMember, name: str, note: str, at: str, seq: str,
                message_id: str | None) -> StaffReplyResult:
        target = staff_member_named(self.config, name)
        if target is None or not target.active:
            self._notice(request, member, "unknown_person", seq, at, name, message_id)
            return StaffReplyResult("unknown_person")
        if target.id != request.assignee:
            if not self.table.reassign(request.request_id, request.assignee, target.id, target.department):
                current = self.table.get_request(request.request_id)
                if current is None or current.assignee != target.id:
                    raise RuntimeError(f"{request.request_id} was reassigned meanwhile; retry")
            else:
                self.table.add_event(request.request_id, at, f"{seq}.assign", "reassigned",
                                     **{"from": request.assignee, "to": target.id, "by": member.id})
                if request.status not in ("resolved", "closed"):
                    self.table.increment(f"open#{request.assignee}", -1)
                    self.table.increment(f"open#{target.id}")
            request.assignee, request.department = target.id, target.department
        notification = staff_notification(
            self.config, self.templates, request, target, event="reassigned", text=self.conversation.first_customer_text(request.request_id),
            reply_to=self.reply_addresses.for_staff(request.request_id, target.id), note=note, ident=f".{seq}",
            passed_by=member.name, page_url=self.signin_links.page_url(target.id, request.request_id) if self.signin_links else "")
        self.outbox.queue_and_send(notification, at)
        return StaffReplyResult("assigned")

    def _notice(self, request: Request, member: StaffMember, notice: str, seq: str, at: str, detail: str,
                in_reply_to: str | None) -> None:
        mail = staff_notice(self.config, self.templates, request, member, notice=notice, ident=seq,
                            reply_to=self.reply_addresses.for_staff(request.request_id, member.id),
                            detail=detail, in_reply_to=in_reply_to)
        self.outbox.queue_and_send(mail, at)
