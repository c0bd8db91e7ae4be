"""Intake use cases: an email arrives, a form is posted, queued mail is sent.

The service holds no AWS code: it is handed the store, the mail store and the mailer (adapters),
the configuration, the templates and a clock.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from ..core.requests import assignment
from ..core.requests.classify import Classification, classify, missing_facts
from ..core.clock import Clock, iso, parse_iso
from ..core.config import DeskConfig
from ..core.requests.intake import MailAnalysis, analyze, classify_mail, valid_address
from ..core.links import StatusLinks
from ..core.requests.models import AttachmentRef, InboundOutcome, Message, Request
from ..core.mail.outbound import acknowledgement, assignee_notification, compose, due, single_line
from ..core.render import Templates
from ..core.requests.tickets import ReplyAddresses, ticket_number, ticket_period


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


Telemetry = Callable[[str], None]


class IntakeService:
    def __init__(self, *, config: DeskConfig, table, store, mailer, templates: Templates, clock: Clock,
                 reply_addresses: ReplyAddresses, status_links: StatusLinks, count: Telemetry = lambda _: None,
                 wait_for_duplicate_seconds: float = 10.0):
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
        self._staff_by_email = {str(s.email).lower(): s.id for s in config.staff}

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
        self.table.finish(key, asdict(outcome), self.clock.now())
        return outcome

    def _thread_or_create(self, analysis: MailAnalysis, raw_key: str, now: datetime, claim: str) -> InboundOutcome:
        request = self._find_thread(analysis)
        if request is not None:
            at = self.table.reserve(claim, "reply", {"at": iso(now)})["at"]
            return self._thread(request, analysis, raw_key, at)
        mail = analysis.mail
        new = NewRequest(
            source="email", customer_email=analysis.customer, customer_name=mail.from_name,
            subject=mail.subject, text=analysis.text or mail.text, language=analysis.language,
            classification=classify_mail(self.config, analysis), received_at=now,
            message_id=mail.message_id, in_reply_to=mail.message_id,
            references=tuple(mail.references), raw_key=raw_key, attachments=mail.attachments,
        )
        return self._open(new, claim)

    def _find_thread(self, analysis: MailAnalysis) -> Request | None:
        for request_id in analysis.reply_to_requests:
            request = self.table.get_request(request_id)
            if request:
                return request
        if analysis.referenced_ids:
            request_id = self.table.request_for_message_ids(analysis.referenced_ids)
            request = self.table.get_request(request_id) if request_id else None
            if request:
                return request
        for ticket in analysis.tagged_tickets:
            request = self.table.get_request(ticket)
            # A tag alone is easy to copy: it counts only when the request's own customer writes.
            if request and analysis.customer and request.customer_email == analysis.customer:
                return request
        return None

    def _thread(self, request: Request, analysis: MailAnalysis, raw_key: str, at: str) -> InboundOutcome:
        mail = analysis.mail
        staff_id = self._staff_by_email.get(analysis.customer or "")
        author = staff_id or analysis.customer or "unknown"
        seq = _seq(mail.message_id or raw_key)
        refs = self._store_attachments(request.request_id, seq, mail.attachments)
        self.table.add_message(Message(request.request_id, "in", at, author, "reply", mail.subject,
                                       analysis.text, mail.message_id, refs, raw_key), seq)
        if mail.message_id:
            self.table.index_message_id(mail.message_id, request.request_id, "in")
        is_staff = staff_id is not None
        self.table.add_event(request.request_id, at, seq, "staff_replied" if is_staff else "customer_replied",
                             author=author, message_id=mail.message_id)
        self.table.touch_request(request.request_id, at, "last_staff_message_at" if is_staff
                                 else "last_customer_message_at")
        self.count("threaded_" + ("staff" if is_staff else "customer"))
        if not is_staff:
            self._facts_given(request, analysis.text or mail.text, at, seq)
            notification = assignee_notification(self.config, self.templates, request, analysis.text,
                                                 [a.filename for a in refs], "customer_replied", f".{seq}",
                                                 sender=f"{mail.from_name} <{analysis.customer or '-'}>")
            if self.table.enqueue(notification, at):
                self.send(notification.outbox_id)
        return InboundOutcome(
            "threaded", None, request_id=request.request_id, ticket=request.ticket, language=analysis.language,
            category=request.category, priority=request.priority, assignee=request.assignee,
            subject=mail.subject, text=analysis.text, attachments=_attachment_view(refs),
            message_id=mail.message_id, reply_to=request.reply_address, defects=list(mail.defects),
        )

    def _facts_given(self, request: Request, text: str, at: str, seq: str) -> None:
        """A reply that gives a missing fact (the monthly need) takes it off the request's list."""
        if not request.missing_facts:
            return
        still = [f for f in missing_facts(self.config.category(request.category), text)
                 if f in request.missing_facts]
        if still != request.missing_facts and self.table.set_missing_facts(request.request_id,
                                                                            request.missing_facts, still):
            self.table.add_event(request.request_id, at, seq + ".facts", "facts_provided",
                                 facts=[f for f in request.missing_facts if f not in still])
            request.missing_facts = still

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
        request = Request(
            request_id=ticket, ticket=ticket, status="new", source=new.source, category=c.category,
            department=category.department, priority=c.priority, language=new.language,
            customer_email=new.customer_email, customer_name=single_line(new.customer_name, 200),
            subject=single_line(new.subject, 2000) or "(no subject)", assignee=assignee.id, created_at=at,
            due_first_response=iso(due(now, config.sla.first_response_hours[c.priority])),
            due_resolution=iso(due(now, config.sla.resolution_hours[c.priority])),
            reply_address=self.reply_addresses.for_request(ticket), missing_facts=list(c.missing_facts),
            facts=dict(new.facts or {}), phone=new.phone, raw_key=new.raw_key,
        )
        if self.table.create_request(request):
            self.table.increment(f"open#{assignee.id}")
        seq = _seq(new.message_id or ticket)
        refs = self._store_attachments(ticket, seq, new.attachments or [])
        self.table.add_message(Message(ticket, "in", at, new.customer_email or "unknown", new.source, new.subject,
                                       new.text, new.message_id, refs, new.raw_key), seq)
        if new.message_id:
            self.table.index_message_id(new.message_id, ticket, "in")
        for n, (event, data) in enumerate([
            ("received", {"source": new.source, "message_id": new.message_id}),
            ("classified", {"category": c.category, "priority": c.priority, "language": new.language,
                            "missing_facts": list(c.missing_facts)}),
            ("assigned", {"assignee": assignee.id, "department": category.department,
                          "strategy": config.assignment.strategy}),
        ]):
            self.table.add_event(ticket, at, f"{n}", event, **data)

        ack_id = self._acknowledge(request, new, now)
        notification = assignee_notification(config, self.templates, request, new.text,
                                             [a.filename for a in refs])
        if self.table.enqueue(notification, at):
            self.send(notification.outbox_id)
        return InboundOutcome(
            "created", None, request_id=ticket, ticket=ticket, language=new.language, category=c.category,
            priority=c.priority, assignee=assignee.id, subject=new.subject, text=new.text,
            attachments=_attachment_view(refs), message_id=new.message_id, ack_message_id=ack_id,
            reply_to=request.reply_address, missing_facts=list(c.missing_facts),
        )

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
        ack = acknowledgement(self.config, self.templates, request, new.text,
                              self.status_links.url(request.request_id), new.in_reply_to, list(new.references))
        if self.table.enqueue(ack, iso(now)):
            self.table.index_message_id(ack.message_id, request.request_id, "out")
            self.send(ack.outbox_id)
        return ack.message_id

    def _store_attachments(self, request_id: str, seq: str, attachments: list) -> list[AttachmentRef]:
        refs = []
        for index, part in enumerate(attachments):
            key = self.store.put_attachment(request_id, seq, index, part.filename, part.content_type, part.data)
            refs.append(AttachmentRef(part.filename, part.content_type, part.size, key))
        return refs

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

    # --- sending --------------------------------------------------------------------------------

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
            ses_id = self.mailer.send_raw(compose(mail, now), mail.from_address, recipients)
        except Exception as exc:  # noqa: BLE001 - a failed send is retried by the schedule
            attempts = (self.table.outbound(outbox_id) or {}).get("attempts", 1)
            self.table.mark_unsent(outbox_id, f"{type(exc).__name__}: {exc}", give_up=attempts >= 5)
            self.count("send_failed")
            return False
        self.table.mark_sent(outbox_id, ses_id, iso(now))
        if mail.request_id:
            region_domain = getattr(self.mailer, "message_id_domain", None)
            if region_domain:
                self.table.index_message_id(f"<{ses_id}@{region_domain}>", mail.request_id, "out")
            self.table.add_message(Message(mail.request_id, "out", iso(now), "desk", mail.kind, mail.subject,
                                           mail.text, mail.message_id), _seq(mail.outbox_id))
        self.count("sent")
        return True

    def send_outbox(self) -> int:
        return sum(1 for outbox_id in self.table.pending_outbound() if self.send(outbox_id))


def _seq(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _attachment_view(refs: list[AttachmentRef]) -> list[dict]:
    return [{"filename": r.filename, "content_type": r.content_type, "size": r.size} for r in refs]


def _outcome_record(outcome: InboundOutcome) -> dict:
    return {k: v for k, v in asdict(outcome).items()
            if k in ("outcome", "reason", "request_id", "ticket", "message_id", "subject", "language", "defects")}
