"""Intake use cases: an email arrives, a form is posted, queued mail is sent.

The service holds no AWS code: it is handed the store, the mail store and the mailer (adapters),
the configuration, the templates and a clock.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Callable

from ..core.requests import assignment
from ..core.requests.classify import Classification, classify, stated_facts
from ..core.clock import Clock, iso, parse_iso
from ..core.config import DeskConfig
from ..core.requests.intake import MailAnalysis, analyze, classify_mail, valid_address
from ..core.links import StatusLinks
from ..core.pages.session import Sessions, SigninLinks
from ..core.requests.closure import starts_follow_up
from ..core.requests.lifecycle import after_customer_message
from ..core.requests.models import AttachmentRef, InboundOutcome, Message, Request
from ..core.mail.outbound import acknowledgement, single_line, staff_notification
from ..core.render import Templates
from ..core.sla.targets import due_times
from ..core.requests.tickets import ReplyAddresses, plain_subject, ticket_number, ticket_period
from .answers import StaffReplies
from .conversation import PREVIEW_CHARS, Conversation
from .outbox import Outbox, message_seq as _seq


class StillInProgress(Exception):
    """The same inbound message is being handled by another invocation; retry later."""


class RateLimited(Exception):
    def __init__(self, what: str):
        super().__init__(f"too many requests from this {what}; try again later")
        self.what = what


@dataclass
class FormReceipt:
    request_id: str
    ticket: str
    status_url: str
    language: str
    duplicate: bool = False


@dataclass
class NewRequest:
    """What the mail and the form paths both hand over to open a request."""
    source: str
    customer_email: str | None
    customer_name: str
    subject: str
    text: str
    language: str
    classification: Classification
    received_at: datetime
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    raw_key: str | None = None
    phone: str | None = None
    facts: dict | None = None
    attachments: list = field(default_factory=list)
    signature: str = ""
    """The signature block cut from the text (staff need the phone number in it)."""
    follow_up_of: str | None = None


Telemetry = Callable[[str], None]


class IntakeService:
    def __init__(self, *, config: DeskConfig, table, store, mailer, templates: Templates, clock: Clock,
                 reply_addresses: ReplyAddresses, status_links: StatusLinks, count: Telemetry = lambda _: None,
                 wait_for_duplicate_seconds: float = 10.0, signin_links: SigninLinks | None = None,
                 sessions: Sessions | None = None, approvals_factory=None, closure_factory=None):
        self.config = config
        self.table = table
        self.store = store
        self.mailer = mailer
        self.templates = templates
        self.clock = clock
        self.reply_addresses = reply_addresses
        self.status_links = status_links
        self.count = count
        self.wait_for_duplicate_seconds = wait_for_duplicate_seconds
        self._staff_by_email = {str(s.email).lower(): s for s in config.staff}
        self.outbox = Outbox(table=table, store=store, mailer=mailer, clock=clock, count=count,
                             settings=config.outbox, thread_ids=reply_addresses)
        self.conversation = Conversation(table=table, store=store, calendar=config.calendar.business)
        self.staff_replies = StaffReplies(config=config, table=table, templates=templates,
                                          conversation=self.conversation, outbox=self.outbox,
                                          reply_addresses=reply_addresses, status_links=status_links,
                                          signin_links=signin_links, after_resolution=self._after_resolution)
        self.signin_links = signin_links
        self.sessions = sessions
        self._approvals_factory = approvals_factory
        self._closure_factory = closure_factory

    @cached_property
    def approvals(self):
        """The approval routes (built on first use: most mail opens no route, and a cold start should
        not pay for loading them)."""
        return self._approvals_factory(self) if self._approvals_factory else None

    @cached_property
    def closure(self):
        """Closure and the survey (service/closure.py), built on first use."""
        return self._closure_factory(self) if self._closure_factory else None

    def _after_resolution(self, request_id: str, at: str) -> None:
        if self.closure is not None:
            self.closure.after_resolution(request_id, at)

    def _may_route(self, category: str) -> bool:
        return self._approvals_factory is not None and any(category in r.categories for r in self.config.routes)

    @cached_property
    def staff_pages(self):
        """The staff pages' use cases (built on the first staff page: mail intake never needs them)."""
        if self.signin_links is None or self.sessions is None:
            return None
        from .staff_pages import StaffPages

        return StaffPages(config=self.config, table=self.table, store=self.store, templates=self.templates,
                          clock=self.clock, outbox=self.outbox, conversation=self.conversation,
                          signin_links=self.signin_links, sessions=self.sessions,
                          request_extras=self.approvals.page_extras if self.approvals else None,
                          standard_replies=self.staff_replies.standard)

    # --- email ----------------------------------------------------------------------------------

    def receive_mail(self, raw_key: str, envelope_recipients: list[str] = (),
                     verdicts: dict | None = None) -> InboundOutcome:
        """Handle one raw message SES stored under `raw_key`. Safe to call again for the same key."""
        self.count("received")
        now = self.clock.now()
        outcome = self._receive(raw_key, list(envelope_recipients), verdicts or {}, now)
        outcome.raw_key = raw_key
        if not outcome.duplicate:
            self.table.record_inbound(raw_key, _outcome_record(outcome), iso(now))
        self.count(outcome.outcome)
        return outcome

    def _receive(self, raw_key: str, recipients: list[str], verdicts: dict, now: datetime) -> InboundOutcome:
        size = self.store.size(raw_key)
        if size == 0:
            return InboundOutcome("quarantined", "malformed", defects=["empty message"])
        if size > self.config.desk.max_message_bytes:
            return InboundOutcome("quarantined", "too_large",
                                  defects=[f"{size} bytes, limit {self.config.desk.max_message_bytes}"])
        raw = self.store.read(raw_key)
        analysis = analyze(raw, self.config, self.reply_addresses, recipients, verdicts)
        mail = analysis.mail
        base = dict(subject=mail.subject, message_id=mail.message_id, language=analysis.language,
                    defects=list(mail.defects))
        if analysis.screening is not None:
            return InboundOutcome(analysis.screening.outcome, analysis.screening.reason, **base)
        if not analysis.looks_like_mail:
            return InboundOutcome("quarantined", "malformed", **base)

        key = "mail:" + (f"{mail.message_id}|{analysis.customer}" if mail.message_id
                         else hashlib.sha256(raw).hexdigest())
        return self._once(key, now, lambda claim: self._thread_or_create(analysis, raw_key, now, claim))

    def _once(self, key: str, now: datetime, work: Callable[[str], InboundOutcome]) -> InboundOutcome:
        """Run `work(claim)` at most once for `key`; a concurrent or later duplicate gets the first outcome.

        A failed attempt releases the claim but keeps what it reserved (ticket, assignee, time), so the
        retry writes the very same items and every conditional create of the first attempt is a no-op.
        """
        key = hashlib.sha256(key.encode()).hexdigest()
        deadline = time.monotonic() + self.wait_for_duplicate_seconds
        while True:
            state, stored = self.table.claim(key, now)
            if state == "claimed":
                break
            if state == "done":
                outcome = InboundOutcome(**stored)
                outcome.duplicate = True
                return outcome
            if time.monotonic() > deadline:
                raise StillInProgress(key)
            time.sleep(0.05)
        try:
            outcome = work(key)
        except Exception:
            self.table.release(key)
            raise
        self.table.finish(key, _dedupe_record(outcome), self.clock.now())
        return outcome

    def _thread_or_create(self, analysis: MailAnalysis, raw_key: str, now: datetime, claim: str) -> InboundOutcome:
        request = self._find_thread(analysis)
        follow_up_of = None
        if request is not None and self._starts_follow_up(request, analysis, now):
            follow_up_of, request = request.request_id, None
        if request is not None:
            at = self.table.reserve(claim, "reply", {"at": iso(now)})["at"]
            return self._thread(request, analysis, raw_key, at)
        mail = analysis.mail
        new = NewRequest(
            source="email", customer_email=analysis.customer, customer_name=mail.from_name,
            subject=(plain_subject(mail.subject) or mail.subject) if follow_up_of else mail.subject,
            text=analysis.text or mail.text, language=analysis.language,
            classification=classify_mail(self.config, analysis), received_at=now,
            message_id=mail.message_id, in_reply_to=mail.message_id,
            references=tuple(mail.references), raw_key=raw_key, attachments=mail.attachments,
            signature=analysis.signature, follow_up_of=follow_up_of,
        )
        return self._open(new, claim)

    def _starts_follow_up(self, request: Request, analysis: MailAnalysis, now: datetime) -> bool:
        """The request's customer (not staff) writes about it after it was finished for good."""
        if request.status not in ("resolved", "closed") or (analysis.customer or "") in self._staff_by_email:
            return False
        record = self.table.request_record(request.request_id) or {}
        return starts_follow_up(request.status, since=record.get("status_since"),
                                closed_reason=record.get("closed_reason"), now=now,
                                reopen_days=self.config.closure.reopen_days)

    def _find_thread(self, analysis: MailAnalysis) -> Request | None:
        for request_id in analysis.reply_to_requests:
            request = self.table.get_request(request_id)
            if request:
                return request
        for message_id in reversed(analysis.referenced_ids):
            request_id = self.reply_addresses.request_of_message_id(message_id)
            request = self.table.get_request(request_id) if request_id else None
            if request:
                return request
        if analysis.referenced_ids:
            # Ids of inbound mail, and of desk mail sent before its ids were signed.
            request_id = self.table.request_for_message_ids(analysis.referenced_ids)
            request = self.table.get_request(request_id) if request_id else None
            if request:
                return request
        for ticket in analysis.tagged_tickets:
            request = self.table.get_request(ticket)
            # A tag alone is easy to copy: it counts only when the request's own customer or an
            # authenticated staff member writes.
            if request and analysis.customer and (request.customer_email == analysis.customer
                                                  or self._verified_staff(analysis) is not None):
                return request
        return None

    def _verified_staff(self, analysis: MailAnalysis):
        """The staff member who wrote this, when the sender is configured staff and authenticated."""
        member = self._staff_by_email.get(analysis.customer or "")
        return member if member is not None and member.active and analysis.authenticated else None

    def _thread(self, request: Request, analysis: MailAnalysis, raw_key: str, at: str) -> InboundOutcome:
        mail = analysis.mail
        seq = _seq(mail.message_id or raw_key)
        sender = analysis.customer or ""
        addressed_staff = {staff for rid, staff in analysis.staff_addressed if rid == request.request_id}
        member = self._verified_staff(analysis)
        # A staff member who is also this request's customer and writes to the customer's reply
        # address writes as the customer.
        # Mail to one staff member's reply address counts as staff only from that member.
        as_staff = member is not None and (member.id in addressed_staff if addressed_staff
                                           else sender != request.customer_email)
        claims_staff = sender in self._staff_by_email or (addressed_staff and sender != request.customer_email)
        base = dict(request_id=request.request_id, ticket=request.ticket,
                    language=request.language if sender in self._staff_by_email else analysis.language,
                    category=request.category, priority=request.priority, subject=mail.subject,
                    text=analysis.text, message_id=mail.message_id, reply_to=request.reply_address,
                    defects=list(mail.defects))
        task = next((t for t in analysis.task_addressed if t[0] == request.request_id), None)
        if task is not None and self._approvals_factory is not None:
            return self._task_reply(request, analysis, task, member, raw_key, at, seq, base)
        if as_staff:
            result = self.staff_replies.handle(request, member, text=analysis.text, subject=mail.subject,
                                               message_id=mail.message_id, attachments=mail.attachments,
                                               raw_key=raw_key, at=at, seq=seq)
            self.count("threaded_staff")
            current = self.table.get_request(request.request_id) or request
            return InboundOutcome("threaded", None, assignee=current.assignee, author="staff",
                                  staff_action=result.action, answer_message_id=result.answer_message_id,
                                  attachments=_attachment_view(self._refs_of(request.request_id, seq)),
                                  status=current.status, **base)
        if claims_staff:
            return self._unverified(request, analysis, raw_key, at, seq, base)
        refs = self.conversation.store_attachments(request.request_id, seq, mail.attachments)
        self.conversation.keep(Message(request.request_id, "in", at, sender or "unknown", "reply", mail.subject,
                                       analysis.text, mail.message_id, refs, raw_key), seq)
        self.table.add_event(request.request_id, at, seq, "customer_replied", author=sender or "unknown",
                             message_id=mail.message_id)
        self.table.touch_request(request.request_id, at, "last_customer_message_at")
        self.count("threaded_customer")
        if self._facts_given(request, analysis.text or mail.text, at, seq) and self._may_route(request.category):
            self.approvals.start_if_ready(self.table.get_request(request.request_id) or request)
        current = (self.closure.customer_replied(request.request_id, at, seq) if self.closure is not None else
                   self.conversation.move_status(request.request_id, after_customer_message, at, seq,
                                                 by="customer")) or request
        member = self.config.holder(current.assignee, current.department)
        notification = staff_notification(
            self.config, self.templates, current, member, event="customer_replied", text=analysis.text,
            reply_to=self.reply_addresses.for_staff(request.request_id, member.id), attachments=refs,
            signature=analysis.signature, sender=f"{mail.from_name} <{sender or '-'}>", ident=f".{seq}",
            page_url=self._page_url(member.id, request.request_id))
        self.outbox.queue_and_send(notification, at)
        return InboundOutcome("threaded", None, assignee=current.assignee, author="customer",
                              attachments=_attachment_view(refs), status=current.status,
                              missing_facts=list(current.missing_facts), **base)

    def _task_reply(self, request: Request, analysis: MailAnalysis, task: tuple, member, raw_key: str, at: str,
                    seq: str, base: dict) -> InboundOutcome:
        """A reply to a task email: kept (a note when the task's own person wrote it, unverified
        otherwise), then decided by the approvals (Approvals.reply_to_task)."""
        mail = analysis.mail
        _, stage_id, cycle, person = task
        sender = analysis.customer or ""
        by_owner = member is not None and member.id == person
        self.conversation.keep(Message(request.request_id, "in", at, member.id if by_owner else sender or "unknown",
                                       "note" if by_owner else "unverified", mail.subject, analysis.text,
                                       mail.message_id, [], raw_key), seq)
        reason = self.approvals.reply_to_task(request, stage_id, cycle, person, by_owner=by_owner, sender=sender,
                                              text=analysis.text, message_id=mail.message_id, at=at, seq=seq)
        current = self.table.get_request(request.request_id) or request
        return InboundOutcome("threaded", None if reason == "done" else reason, assignee=current.assignee,
                              author="staff" if by_owner else "unverified", staff_action=f"task_{reason}",
                              status=current.status, **base)

    def _unverified(self, request: Request, analysis: MailAnalysis, raw_key: str, at: str, seq: str,
                    base: dict) -> InboundOutcome:
        """Mail that claims to come from staff but is not vouched for by its domain (or comes to a staff
        reply address from someone else) is kept for the record and changes nothing: no answer is sent,
        no command runs, the status stays."""
        mail = analysis.mail
        v = mail.verdicts
        self.conversation.keep(Message(request.request_id, "in", at, analysis.customer or "unknown", "unverified",
                                       mail.subject, analysis.text, mail.message_id, [], raw_key), seq)
        self.table.add_event(request.request_id, at, seq, "unverified_staff_message",
                             author=analysis.customer or "unknown", spf=v.spf, dkim=v.dkim, dmarc=v.dmarc)
        self.count("unverified_staff")
        return InboundOutcome("threaded", "unverified", assignee=request.assignee, author="unverified",
                              status=request.status, **base)

    def _refs_of(self, request_id: str, seq: str) -> list[AttachmentRef]:
        for m in self.table.messages(request_id, text=False):
            if m["SK"].endswith(f"#{seq}"):
                return [AttachmentRef(**a) for a in m.get("attachments") or []]
        return []

    def _facts_given(self, request: Request, text: str, at: str, seq: str) -> bool:
        """A reply that gives a missing fact (the monthly need) takes it off the request's list; True when
        that left nothing missing."""
        if not request.missing_facts:
            return False
        stated = stated_facts(self.config.category(request.category), text)
        still = [f for f in request.missing_facts if f not in stated]
        given = {f: stated[f] for f in request.missing_facts if f in stated}
        if still != request.missing_facts and self.table.set_missing_facts(request.request_id,
                                                                            request.missing_facts, still, given):
            self.table.add_event(request.request_id, at, seq + ".facts", "facts_provided",
                                 facts=[f for f in request.missing_facts if f not in still])
            request.missing_facts = still
            return not still
        return False

    # --- opening a request (mail and form) -----------------------------------------------------

    def _reserve(self, new: NewRequest, claim: str) -> dict:
        """Ticket, assignee and time of a new request, chosen once per claim."""
        reserved = self.table.reservation(claim, "new_request")
        if reserved:
            return reserved
        config, now, c = self.config, new.received_at, new.classification
        people = assignment.candidates(config, c.category, new.language)
        if config.assignment.strategy == "least_loaded":
            loads = self.table.counters([f"open#{p.id}" for p in people])
            assignee = assignment.pick_least_loaded(people, {k.split("#", 1)[1]: v for k, v in loads.items()})
        else:
            department = config.category(c.category).department
            assignee = assignment.pick_round_robin(people, self.table.increment(f"turn#{department}") - 1)
        counter = self.table.increment(f"ticket#{ticket_period(now)}")
        return self.table.reserve(claim, "new_request", {
            "ticket": ticket_number(config.desk.ticket_prefix, now, counter), "assignee": assignee.id,
            "at": iso(now)})

    def _open(self, new: NewRequest, claim: str) -> InboundOutcome:
        config = self.config
        c = new.classification
        category = config.category(c.category)
        reserved = self._reserve(new, claim)
        ticket, at = reserved["ticket"], reserved["at"]
        assignee = config.staff_member(reserved["assignee"])
        now = parse_iso(at)
        due_at = due_times(config.sla, config.calendar.business, c.category, c.priority, now)
        request = Request(
            request_id=ticket, ticket=ticket, status="new", source=new.source, category=c.category,
            department=category.department, priority=c.priority, language=new.language,
            customer_email=new.customer_email, customer_name=single_line(new.customer_name, 200),
            subject=single_line(new.subject, 2000) or "(no subject)", assignee=assignee.id, created_at=at,
            due_first_response=due_at["first_response"], due_resolution=due_at["resolution"],
            reply_address=self.reply_addresses.for_request(ticket), missing_facts=list(c.missing_facts),
            facts={**c.facts, **(new.facts or {})}, phone=new.phone, raw_key=new.raw_key,
            follow_up_of=new.follow_up_of,
        )
        if self.table.create_request(request):
            self.table.increment(f"open#{assignee.id}")
        seq = _seq(new.message_id or ticket)
        refs = self.conversation.store_attachments(ticket, seq, new.attachments or [])
        self.conversation.keep(Message(ticket, "in", at, new.customer_email or "unknown", new.source, new.subject,
                                       new.text, new.message_id, refs, new.raw_key), seq)
        self.table.add_events(ticket, at, [
            ("received", {"source": new.source, "message_id": new.message_id,
                          **({"follow_up_of": new.follow_up_of} if new.follow_up_of else {})}),
            ("classified", {"category": c.category, "priority": c.priority, "language": new.language,
                            "missing_facts": list(c.missing_facts)}),
            ("assigned", {"assignee": assignee.id, "department": category.department,
                          "strategy": config.assignment.strategy}),
        ], request=asdict(request))

        if self._may_route(request.category) and self.approvals.start_if_ready(
                self.table.get_request(ticket) or request, tell_customer=False):
            request = self.table.get_request(ticket) or request
        ack_id = self._acknowledge(request, new, now)
        notification = staff_notification(
            config, self.templates, request, assignee, event="assigned", text=new.text,
            reply_to=self.reply_addresses.for_staff(ticket, assignee.id), attachments=refs,
            signature=new.signature, page_url=self._page_url(assignee.id, ticket))
        self.outbox.queue_and_send(notification, at)
        return InboundOutcome(
            "created", None, request_id=ticket, ticket=ticket, language=new.language, category=c.category,
            priority=c.priority, assignee=assignee.id, subject=new.subject, text=new.text,
            attachments=_attachment_view(refs), message_id=new.message_id, ack_message_id=ack_id,
            reply_to=request.reply_address, missing_facts=list(c.missing_facts), status=request.status,
            author="customer",
        )

    def _page_url(self, staff_id: str, request_id: str) -> str:
        return self.signin_links.page_url(staff_id, request_id) if self.signin_links else ""

    def _acknowledge(self, request: Request, new: NewRequest, now: datetime) -> str | None:
        """Queue and send the acknowledgement, unless the customer had their quota of automatic mail."""
        if not request.customer_email:
            return None
        limit = self.config.desk.auto_replies_per_sender_per_hour
        hour = now.replace(minute=0, second=0, microsecond=0)
        if not self.table.within_rate(f"auto#{request.customer_email}", hour, limit, timedelta(hours=1)):
            self.table.add_event(request.request_id, iso(now), "ack", "acknowledgement_suppressed",
                                 reason="auto_reply_limit")
            self.count("ack_suppressed")
            return None
        ack = self.outbox.signed(acknowledgement(self.config, self.templates, request, new.text,
                                                 self.status_links.url(request.request_id), new.in_reply_to,
                                                 list(new.references)))
        self.outbox.queue_and_send(ack, iso(now))
        return ack.message_id

    # --- form -----------------------------------------------------------------------------------

    def submit_form(self, form, source_ip: str | None, idempotency_key: str | None) -> FormReceipt:
        """Open a request from a validated form submission (`core.requests.form.FormSubmission`).

        Without an Idempotency-Key, the same text from the same address within the hour is one request
        (a double click, a browser resubmitting).
        """
        now = self.clock.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        key = (f"form:{idempotency_key}" if idempotency_key else
               f"form:{form.email}|{form.subject}|{form.message}|{hour.isoformat()}")

        def work(claim: str) -> InboundOutcome:
            window = timedelta(hours=1)
            if source_ip and not self.table.within_rate(f"form-ip#{source_ip}", hour,
                                                        self.config.form.posts_per_hour_per_ip, window):
                raise RateLimited("address")
            if not self.table.within_rate(f"form-email#{form.email}", hour,
                                          self.config.form.posts_per_hour_per_address, window):
                raise RateLimited("email address")
            from ..core.mail.language import detect_language

            language = form.language or detect_language(form.subject, form.message, also=self.config.languages)
            new = NewRequest(
                source="form", customer_email=valid_address(form.email) or form.email, customer_name=form.name,
                subject=form.subject, text=form.message, language=language,
                classification=classify(self.config, form.subject, form.message, category_hint=form.category,
                                        given_facts=set(form.facts)),
                received_at=now, phone=form.phone, facts=form.facts,
            )
            outcome = self._open(new, claim)
            self.count("created")
            return outcome

        outcome = self._once(key, now, work)
        return FormReceipt(outcome.request_id, outcome.ticket, self.status_links.url(outcome.request_id),
                           outcome.language, duplicate=outcome.duplicate)

    # --- status ---------------------------------------------------------------------------------

    def status(self, token: str) -> Request | None:
        request_id = self.status_links.request_of(token)
        return self.table.get_request(request_id) if request_id else None

    def messages(self, request_id: str) -> list[dict]:
        return self.table.messages(request_id)

    def route_progress(self, request: Request, lang: str) -> str:
        return self.approvals.customer_progress(request, lang) if request.route and self.approvals else ""

    # --- sending --------------------------------------------------------------------------------

    def send(self, outbox_id: str) -> bool:
        return self.outbox.send(outbox_id)

    def send_outbox(self) -> int:
        return self.outbox.send_pending()

    @cached_property
    def feedback(self):
        """SES's bounce and complaint notifications (built on the first one)."""
        from .feedback import MailFeedback

        return MailFeedback(table=self.table, clock=self.clock, count=self.count)


def _attachment_view(refs: list[AttachmentRef]) -> list[dict]:
    return [{"filename": r.filename, "content_type": r.content_type, "size": r.size} for r in refs]


def _dedupe_record(outcome: InboundOutcome) -> dict:
    """The outcome a duplicate delivery answers, with the text cut to what fits a table item."""
    record = asdict(outcome)
    if record.get("text") and len(record["text"]) > PREVIEW_CHARS:
        record["text"] = record["text"][:PREVIEW_CHARS]
    return record


def _outcome_record(outcome: InboundOutcome) -> dict:
    return {k: v for k, v in asdict(outcome).items()
            if k in ("outcome", "reason", "request_id", "ticket", "message_id", "subject", "language", "defects")}
