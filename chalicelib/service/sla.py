"""The SLA scan and the red zone's one-click reassignment.

Every few minutes (`sla_scan`) the desk reads the open requests whose next SLA alarm has come, from
the sparse OPEN index (never a scan of the table): at the due time the assignee gets a soft reminder;
`sla.red_zone_hours` of business time later the manager of the assignee's department gets the
red-zone email (how late, who holds it, everyone's open requests, and a suggestion: reassign to the
least-loaded colleague who speaks the customer's language, with a signed link, or call the customer).
Each level is claimed with a conditional write on the request (`sla_<target>_<level> = <due>`), so
two overlapping scans send it once; a new due time (the clock paused while the customer was asked)
is a new ladder. A request waiting for the customer, resolved or closed, gets nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..core.clock import Clock, iso, parse_iso
from ..core.config import DeskConfig
from ..core.mail.outbound import staff_language, staff_notification
from ..core.render import Templates
from ..core.requests.lifecycle import OPEN_STATUSES
from ..core.requests.models import Request
from ..core.sla import mail as sla_mail
from ..core.sla.ladder import LEVELS, levels_due, next_alarm
from ..core.sla.links import BadReassignLink, Reassign, ReassignLinks
from ..core.sla.targets import PAUSED_DUE, PAUSED_STATUS, current_target
from .conversation import CUSTOMER_KINDS

ACTIVE_STATUSES = tuple(s for s in OPEN_STATUSES if s != PAUSED_STATUS)
"""Where the SLA clock runs: open, not waiting for the customer."""
NO_ALARM = PAUSED_DUE


@dataclass
class ReassignResult:
    kind: str
    """'done', 'moved' (no longer with the holder, or reassigned already), 'tampered', 'expired', 'missing'."""
    lang: str
    view: dict


class SlaDesk:
    def __init__(self, *, config: DeskConfig, table, templates: Templates, outbox, conversation, clock: Clock,
                 reply_addresses, links: ReassignLinks, signin_links=None):
        self.config = config
        self.table = table
        self.templates = templates
        self.outbox = outbox
        self.conversation = conversation
        self.clock = clock
        self.reply_addresses = reply_addresses
        self.links = links
        self.signin_links = signin_links
        self.calendar = config.calendar.business
        self.margin = config.sla.red_zone_hours * 60

    # --- the scan -------------------------------------------------------------------------------

    def scan(self, limit: int = 200) -> dict[str, int]:
        """One pass over the requests whose alarm has come; returns how many of each level went out."""
        now = self.clock.now()
        sent = {level: 0 for level in LEVELS}
        for item in self.table.sla_due(iso(now), limit):
            for level in self._ladder(item, now):
                sent[level] += 1
        return sent

    def _ladder(self, item: dict, now) -> list[str]:
        fields = Request.__dataclass_fields__
        request = Request(**{k: v for k, v in item.items() if k in fields})
        place = item.get("GSI2SK") or ""
        if request.status not in ACTIVE_STATUSES:
            self.table.set_sla_alarm(request.request_id, place, NO_ALARM)
            return []
        target = current_target(request)
        due_text = getattr(request, f"due_{target}")
        due = parse_iso(due_text)
        done = {level for level in LEVELS if item.get(f"sla_{target}_{level}") == due_text}
        went: list[str] = []
        for level in levels_due(self.calendar, due, now, self.margin, done):
            if not self.table.claim_sla_level(request.request_id, target, level, due_text, ACTIVE_STATUSES):
                return went  # another scan has it, or the request moved on: its next write places it again
            done.add(level)
            went.append(level)
            if level == "reminder":
                self._remind(request, target, due_text, now)
            else:
                self._red_zone(request, target, due_text, now)
        alarm = next_alarm(self.calendar, due, self.margin, done)
        if alarm is None and target == "first_response":
            # After the first response's ladder: look again at the resolution's due time (at least hourly).
            alarm = max(parse_iso(request.due_resolution), now + timedelta(hours=1))
        wanted = iso(alarm) if alarm else NO_ALARM
        if wanted != place:
            self.table.set_sla_alarm(request.request_id, place, wanted)
        return went

    def _page_url(self, staff_id: str, request_id: str) -> str:
        return self.signin_links.page_url(staff_id, request_id) if self.signin_links else ""

    def _remind(self, request: Request, target: str, due_text: str, now) -> None:
        at = iso(now)
        member = self.config.holder(request.assignee, request.department)
        mail = sla_mail.reminder_mail(
            self.config, self.templates, request, member, target=target, due=parse_iso(due_text),
            zone=self.calendar.zone, reply_to=self.reply_addresses.for_staff(request.request_id, member.id),
            page_url=self._page_url(member.id, request.request_id))
        self.outbox.queue_and_send(mail, at)
        self.table.add_event(request.request_id, at, f"sla.{target}.reminder.{due_text}", "sla_reminder_sent",
                             target=target, due=due_text, person=member.id)

    def _red_zone(self, request: Request, target: str, due_text: str, now) -> None:
        at = iso(now)
        config = self.config
        holder = config.holder(request.assignee, request.department)
        manager = config.staff_member(config.department(holder.department).manager)
        people = config.staff_of(holder.department)
        loads = self.table.open_counts([m.id for m in people])
        suggested = sla_mail.least_loaded_colleague(config, request, loads)
        due = parse_iso(due_text)
        late = self.calendar.between(due, now)
        reassign_url = self.links.url(Reassign(request.request_id, holder.id, suggested.id, manager.id, due_text),
                                      now) if suggested else None
        colleagues = [sla_mail.Colleague(m.name, loads.get(m.id, 0), request.language in m.languages)
                      for m in people]
        mail = sla_mail.red_zone_mail(
            config, self.templates, request, manager, target=target, due=due, zone=self.calendar.zone,
            late_minutes=late, holder=holder, colleagues=colleagues, suggested=suggested, reassign_url=reassign_url,
            page_url=self._page_url(manager.id, request.request_id))
        self.outbox.queue_and_send(mail, at)
        self.table.add_event(request.request_id, at, f"sla.{target}.red_zone.{due_text}", "sla_red_zone",
                             target=target, due=due_text, late_minutes=round(late), holder=holder.id,
                             manager=manager.id,
                             suggestion=f"reassign:{suggested.id}" if suggested else "call_customer")

    # --- the red zone's reassign link -----------------------------------------------------------

    def open_reassign(self, token: str) -> ReassignResult:
        """What a reassign link offers (the confirmation page's view), or why it does not work. Changes nothing."""
        try:
            action = self.links.read(token, self.clock.now())
        except BadReassignLink as bad:
            return ReassignResult(bad.reason, "en", {})
        lang = self._lang(action.manager)
        request = self.table.get_request(action.request_id)
        if request is None or action.to not in {s.id for s in self.config.staff}:
            return ReassignResult("missing", lang, {})
        view = {"ticket": request.ticket, "subject": request.subject,
                "customer": f"{request.customer_name} <{request.customer_email or '-'}>",
                "holder": self._name(action.holder), "to": self._name(action.to),
                "due": sla_mail.local_time(parse_iso(action.due), self.calendar.zone), "action": action}
        if request.assignee != action.holder or request.status not in OPEN_STATUSES:
            return ReassignResult("moved", lang, view)
        return ReassignResult("ready", lang, view)

    def reassign(self, token: str) -> ReassignResult:
        """The manager confirmed: give the request to the colleague, if the holder still has it (once)."""
        found = self.open_reassign(token)
        if found.kind != "ready":
            return found
        action: Reassign = found.view["action"]
        target = self.config.staff_member(action.to)
        if not self.table.reassign(action.request_id, action.holder, target.id, target.department):
            return ReassignResult("moved", found.lang, found.view)
        at = iso(self.clock.now())
        seq = f"sla.reassign.{action.due}"
        self.table.add_event(action.request_id, at, seq, "reassigned", assignee=target.id, by=action.manager,
                             via="red_zone", **{"from": action.holder, "to": target.id})
        request = self.table.get_request(action.request_id)
        if request.status in OPEN_STATUSES:
            self.table.increment(f"open#{action.holder}", -1)
            self.table.increment(f"open#{target.id}")
        notification = staff_notification(
            self.config, self.templates, request, target, event="reassigned", text=self._first_text(request),
            reply_to=self.reply_addresses.for_staff(request.request_id, target.id),
            ident=".red_zone." + "".join(ch for ch in action.due if ch.isdigit())[:12],
            passed_by=self._name(action.manager), page_url=self._page_url(target.id, request.request_id))
        self.outbox.queue_and_send(notification, at)
        return ReassignResult("done", found.lang, found.view)

    def _lang(self, staff_id: str) -> str:
        try:
            return staff_language(self.config.staff_member(staff_id))
        except StopIteration:
            return "en"

    def _name(self, staff_id: str) -> str:
        return self.config.staff_name(staff_id)

    def _first_text(self, request: Request) -> str:
        for m in self.table.messages(request.request_id, text=False):
            if m["direction"] == "in" and m["kind"] in CUSTOMER_KINDS:
                return self.conversation.full_text(m)
        return ""
