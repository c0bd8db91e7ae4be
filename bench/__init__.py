"""Benchmarks of requestflow (`make bench` → `python -m bench.run`; see bench/README.md).

This module is the bench's own harness for the *pure* intake pipeline: parse, thread signals, screen,
classify, build the Request the way `chalicelib.service.intake.IntakeService._open` does, render the
acknowledgement and compose its MIME. No AWS, no store, no clock reads. It is shared by `bench.run`
(figure a) and the cold-start child `bench/coldstart_app.py` (figure b), so it must stay light: only
stdlib and the chalicelib modules the real service imports anyway, nothing measuring-related.
"""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.core.requests import assignment
from chalicelib.core.clock import iso
from chalicelib.core.config import load_config
from chalicelib.core.requests.intake import analyze, classify_mail
from chalicelib.core.links import StatusLinks
from chalicelib.core.requests.models import Request
from chalicelib.core.mail.outbound import acknowledgement, compose, due, single_line
from chalicelib.core.render import Templates
from chalicelib.core.requests.tickets import ReplyAddresses
from chalicelib.settings import DEFAULT_CONFIG

TICKET = "RF-2611-0001"
NOW = datetime(2026, 11, 2, 8, 8, 19, 123456, tzinfo=timezone.utc)
SECRET = b"bench-signing-key-not-a-secret"
PUBLIC_URL = "http://127.0.0.1:8000"


class Pipeline:
    """One desk's pure pipeline. `run(raw)` handles one inbound message like the service would."""

    def __init__(self, config_path=DEFAULT_CONFIG):
        self.config = load_config(config_path)
        self.templates = Templates()
        self.reply_addresses = ReplyAddresses(str(self.config.desk.address), SECRET)
        self.status_links = StatusLinks(SECRET, PUBLIC_URL)
        self.envelope = [str(self.config.desk.address)]

    def request_for(self, analysis, classification) -> Request:
        """The Request `_open` would create for this message (ticket RF-2611-0001, first candidate)."""
        config, c, mail = self.config, classification, analysis.mail
        category = config.category(c.category)
        assignee = assignment.candidates(config, c.category, analysis.language)[0]
        return Request(
            request_id=TICKET, ticket=TICKET, status="new", source="email", category=c.category,
            department=category.department, priority=c.priority, language=analysis.language,
            customer_email=analysis.customer, customer_name=single_line(mail.from_name, 200),
            subject=single_line(mail.subject, 2000) or "(no subject)", assignee=assignee.id,
            created_at=iso(NOW),
            due_first_response=iso(due(NOW, config.sla.first_response_hours[c.priority])),
            due_resolution=iso(due(NOW, config.sla.resolution_hours[c.priority])),
            reply_address=self.reply_addresses.for_request(TICKET), missing_facts=list(c.missing_facts),
        )

    def run(self, raw: bytes) -> tuple[str, bytes | None]:
        """(outcome, acknowledgement MIME or None). Screened mail stops after screening, as in the service."""
        analysis = analyze(raw, self.config, self.reply_addresses, self.envelope)
        if analysis.screening is not None:
            return f"{analysis.screening.outcome}:{analysis.screening.reason}", None
        if not analysis.looks_like_mail:
            return "quarantined:malformed", None
        # Thread signals (reply_to_requests, referenced_ids, tagged_tickets) are computed by analyze();
        # with no store nothing resolves, so every message opens a request, like a first delivery.
        classification = classify_mail(self.config, analysis)
        request = self.request_for(analysis, classification)
        if not request.customer_email:  # the service sends no acknowledgement without an address
            return "created:no_ack", None
        mail = analysis.mail
        ack = acknowledgement(self.config, self.templates, request, analysis.text or mail.text,
                              self.status_links.url(TICKET), mail.message_id, list(mail.references))
        return "created:ack", compose(ack, NOW)
