"""Closure and the satisfaction survey: what happens after a request is resolved.

- Resolved: the customer gets one survey mail per resolution with five signed links (1..5).
- The survey page: GET only shows it (mail scanners open every link); POST records one answer per
  request (a conditional create); a low score alerts the department's manager.
- A customer's reply within `closure.reopen_days` reopens a resolved request (or one closed for want
  of a reply).
- `close_and_survey` (scheduled): resolved requests are closed after `closure.reopen_days`; requests
  waiting on the customer after `closure.waiting_customer_days`, with a notice. Candidates come from
  the CLOSE#<status> queues (never a table scan); each close is a conditional write on the status and
  the time it was set, so two overlapping runs close (and tell the customer) once. The first run of
  each month also gives any resolved or waiting request without a mark its mark (`mark_unmarked`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..core.clock import Clock, iso, parse_iso
from ..core.config import DeskConfig
from ..core.requests.closure import CLOSABLE, REASONS, after_customer_reply, closes_after, closure_notice
from ..core.requests.lifecycle import OPEN_STATUSES
from ..core.requests.models import Request
from ..core.requests.survey import (BadSurveyLink, SurveyLinks, SurveyTicket, comment_of, low_rating_mail, outcome_view,
                                    score_of, survey_mail, survey_view)
from ..core.mail.outbound import customer_language


MARK_CHECK_LEASE_SECONDS = 900
"""The monthly check of the closure marks may take this long before another run may take it over."""
MARK_CHECK_LIMIT = 100_000
"""Requests read per person by that check (their whole history on the by_assignee index)."""


@dataclass
class SurveyPage:
    """What a survey link answers: `kind` is 'form', 'invalid' (no score chosen), 'thanks',
    'thanks_low', 'already', 'tampered', 'expired' or 'missing'; `view` is the page's view model."""
    kind: str
    view: dict = field(default_factory=dict)


class Closure:
    def __init__(self, *, config: DeskConfig, table, templates, outbox, conversation, links: SurveyLinks,
                 status_links, signin_links, clock: Clock):
        self.config = config
        self.table = table
        self.templates = templates
        self.outbox = outbox
        self.conversation = conversation
        self.links = links
        self.status_links = status_links
        self.signin_links = signin_links
        self.clock = clock

    # --- the survey mail ------------------------------------------------------------------------

    def after_resolution(self, request_id: str, at: str) -> bool:
        """Send the survey of the resolution made at `at`, once (a retry queues nothing new). Nothing
        when the request was not resolved then, has no customer address or already has an answer."""
        request = self.table.get_request(request_id)
        if (request is None or request.status != "resolved" or request.resolved_at != at
                or not request.customer_email or self.table.survey_answer(request_id)):
            return False
        token = self.links.token(request_id, at, parse_iso(at), self.config.survey.link_days)
        in_reply_to, references = self.conversation.thread_of(request_id)
        mail = survey_mail(self.config, self.templates, request, links=self.links.urls(token), resolution=at,
                           status_url=self.status_links.url(request_id), in_reply_to=in_reply_to,
                           references=references)
        self.table.add_event(request_id, at, "survey.sent", "survey_sent")
        self.outbox.queue_and_send(mail, at)
        return True

    # --- the survey page ------------------------------------------------------------------------

    def _open(self, token: str, lang: str | None) -> tuple[SurveyTicket | None, Request | None, SurveyPage | None]:
        try:
            ticket = self.links.read(token, self.clock.now())
        except BadSurveyLink as bad:
            request = self.table.get_request(bad.request_id) if bad.request_id else None
            if bad.reason == "expired" and request is not None:
                own = lang or customer_language(request.language)
                return None, None, SurveyPage("expired", outcome_view("expired", own, ticket=request.ticket))
            return None, None, SurveyPage("tampered", outcome_view("tampered", lang))
        request = self.table.get_request(ticket.request_id)
        if request is None:
            return None, None, SurveyPage("missing", outcome_view("missing", lang or "en"))
        return ticket, request, None

    def page(self, token: str, score: str | None, lang: str | None = None) -> SurveyPage:
        """GET: the form, the clicked score chosen. Records nothing."""
        _, request, refused = self._open(token, lang)
        if refused:
            return refused
        answer = self.table.survey_answer(request.request_id)
        if answer:
            return self._already(request, answer, lang)
        return SurveyPage("form", self._form(request, lang, score=score_of(score)))

    def answer(self, token: str, score: str | None, comment: str | None, lang: str | None = None) -> SurveyPage:
        """POST: record the answer, once per request; a second one changes nothing."""
        ticket, request, refused = self._open(token, lang)
        if refused:
            return refused
        chosen, text = score_of(score), comment_of(comment)
        if chosen is None:
            if self.table.survey_answer(request.request_id):
                return self._already(request, self.table.survey_answer(request.request_id), lang)
            return SurveyPage("invalid", self._form(request, lang, comment=text, error=True))
        at = iso(self.clock.now())
        created = self.table.add_survey_answer(request.request_id, {"score": chosen, "comment": text, "at": at,
                                                                    "resolution": ticket.resolution})
        stored = self.table.survey_answer(request.request_id) if not created else {"score": chosen, "comment": text,
                                                                                    "at": at}
        self._after_answer(request, stored)
        if not created:
            return self._already(request, stored, lang)
        low = chosen <= self.config.survey.low_rating
        own = lang or customer_language(request.language)
        return SurveyPage("thanks_low" if low else "thanks",
                          outcome_view("thanks_low" if low else "thanks", own, ticket=request.ticket, score=chosen))

    def _form(self, request: Request, lang: str | None, **values) -> dict:
        return survey_view(request, lang=lang, **values)

    def _already(self, request: Request, answer: dict, lang: str | None) -> SurveyPage:
        own = lang or customer_language(request.language)
        return SurveyPage("already", outcome_view("already", own, ticket=request.ticket, score=int(answer["score"])))

    def _after_answer(self, request: Request, answer: dict) -> None:
        """The answer's event and, for a low score, the manager's alert. Keyed by the answer's own time,
        so finishing them again (a repeated POST after a failure midway) writes and sends nothing twice."""
        at, score = answer["at"], int(answer["score"])
        self.table.add_event(request.request_id, at, "survey.answer", "survey_answered", score=score,
                             comment=answer.get("comment") or "")
        if score > self.config.survey.low_rating:
            return
        department = next((d for d in self.config.departments if d.id == request.department), None)
        manager = next((s for s in self.config.staff if department and s.id == department.manager), None)
        if manager is None:
            return
        assignee = self.config.staff_name(request.assignee)
        page_url = self.signin_links.page_url(manager.id, request.request_id) if self.signin_links else ""
        mail = low_rating_mail(self.config, self.templates, request, manager, score=score,
                               comment=answer.get("comment") or "", page_url=page_url, assignee_name=assignee)
        self.table.add_event(request.request_id, at, "survey.low", "low_rating_alerted", score=score,
                             manager=manager.id)
        self.outbox.queue_and_send(mail, at)

    # --- the customer writes again --------------------------------------------------------------

    def customer_replied(self, request_id: str, at: str, seq: str) -> Request | None:
        """Move the status after a customer's message; a reply within reopen_days of the resolution (or
        of the desk closing it for want of a reply) reopens the request, with a `reopened` event."""
        record = self.table.request_record(request_id) or {}
        now = parse_iso(at)

        def decide(status: str) -> str:
            return after_customer_reply(status, since=record.get("status_since"),
                                        closed_reason=record.get("closed_reason"), now=now,
                                        reopen_days=self.config.closure.reopen_days)

        after = self.conversation.move_status(request_id, decide, at, seq, by="customer")
        if after is not None and record.get("status") in ("resolved", "closed") and after.status in OPEN_STATUSES:
            self.table.add_event(request_id, at, f"{seq}.reopen", "reopened", by="customer")
        return after

    # --- the schedule ---------------------------------------------------------------------------

    def close_and_survey(self, now: datetime | None = None) -> dict[str, int]:
        """Close what lasted long enough: resolved → closed (reason "resolved"), waiting on the customer
        → closed with a notice (reason "no_customer_reply"). Returns how many of each this run closed
        (and how many requests this month's check of the marks looked at, when this run made it)."""
        now = now or self.clock.now()
        checked = self.mark_unmarked(now)
        closed = {status: 0 for status in CLOSABLE}
        for status in CLOSABLE:
            until = iso(now - closes_after(self.config, status))
            for mark in self.table.closure_candidates(status, until):
                if self._close(mark, status, now):
                    closed[status] += 1
        return {"closed_resolved": closed["resolved"], "closed_waiting_customer": closed["waiting_customer"],
                "marks_checked": checked or 0}

    def mark_unmarked(self, now: datetime) -> int | None:
        """Once a month (the first run that claims it), give every resolved or waiting request of the
        configured staff its closure mark: the requests from before the marks existed, and any whose
        mark a crash lost. A query per person on the by_assignee index, never a table scan; a mark is a
        conditional put that never replaces a newer one, so a marked request stays as it is. How many
        requests it looked at; None when this month's check is done or running elsewhere."""
        key = f"closure-marks.{now:%Y-%m}"
        state, _ = self.table.claim(key, now, lease_seconds=MARK_CHECK_LEASE_SECONDS)
        if state != "claimed":
            return None
        checked = 0
        for member in self.config.staff:
            for record in self.table.request_records_of_staff(member.id, limit=MARK_CHECK_LIMIT):
                if record.get("status") in CLOSABLE and record.get("status_since"):
                    self.table.mark_for_closure(record["request_id"], record["status"], record["status_since"])
                    checked += 1
        self.table.finish(key, {"checked": checked}, now)
        return checked

    def _close(self, mark: dict, status: str, now: datetime) -> bool:
        request_id, since = mark["request_id"], mark["since"]
        record = self.table.request_record(request_id)
        won = False
        if record and record.get("status") == status and record.get("status_since") == since:
            at = iso(now)
            won = self.table.close_request(request_id, status, since, at, REASONS[status])
            if won:
                self.table.add_event(request_id, at, "desk.close", "status_changed",
                                     **{"from": status, "to": "closed", "by": "desk", "reason": REASONS[status]})
                if status in OPEN_STATUSES:
                    self.table.increment(f"open#{record['assignee']}", -1)
            record = self.table.request_record(request_id)
        if record and record.get("status") == "closed" and record.get("closed_from") == since:
            if status == "waiting_customer":
                self._tell_closed(request_id, since, record["status_since"])
            self.table.drop_closure_mark(request_id, since)
        elif record and record.get("status") in CLOSABLE and record.get("status_since", "") > since:
            self.table.mark_for_closure(request_id, record["status"], record["status_since"])
        else:
            self.table.drop_closure_mark(request_id, since)
        return won

    def _tell_closed(self, request_id: str, since: str, closed_at: str) -> None:
        """The notice of one closing (its outbox id names the waiting period: queued once, sent once)."""
        request = self.table.get_request(request_id)
        if request is None or not request.customer_email:
            return
        in_reply_to, references = self.conversation.thread_of(request_id)
        notice = closure_notice(self.config, self.templates, request, since=since,
                                status_url=self.status_links.url(request_id), in_reply_to=in_reply_to,
                                references=references)
        self.outbox.queue_and_send(notice, closed_at)
