"""KPI digests and the manager's board: read the aggregates (never every request) and show them.

What each reads: a digest reads the `KPI#<day>` items of its days and of the period before (one query
per day; a day has one item for the desk, one per person and one per stage that had events), the
`KPI#now` items (requests waiting per stage) and the open requests due before now from the sparse
OPEN index (overdue and red zone). The board reads the OPEN index (the requests in work, not the
resolved or closed ones) and `KPI#now`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..core.clock import Clock, iso
from ..core.config import DeskConfig, StaffMember
from ..core.kpi import digest as digest_core
from ..core.kpi.metrics import Report, report
from ..core.mail.outbound import message_id_for, staff_language
from ..core.render import Templates
from ..core.requests.models import Outbound

LIST_LIMIT = 50
"""Overdue and red-zone requests listed in a digest (the counts are complete)."""


class Digests:
    def __init__(self, *, config: DeskConfig, table, store, outbox, templates: Templates, clock: Clock,
                 signin_links=None):
        self.config = config
        self.table = table
        self.store = store
        self.outbox = outbox
        self.templates = templates
        self.clock = clock
        self.signin_links = signin_links

    # --- who may see it -----------------------------------------------------------------------

    def is_manager(self, member: StaffMember) -> bool:
        return (any(d.manager == member.id for d in self.config.departments)
                or any(d.manager == member.id for d in self.config.digests))

    # --- figures ----------------------------------------------------------------------------------

    def report(self, days: list[str], previous: list[str]) -> Report:
        kpi = self.config.kpi
        stage_names = {s.id: s.name.en for r in self.config.routes for s in r.stages}
        return report(self.table.kpi_items(days), self.table.kpi_items(previous), self.table.kpi_now(),
                      days=days, cost_per_month=kpi.staff_cost_per_month + kpi.aws_cost_per_month,
                      order_categories=tuple(kpi.order_categories),
                      staff_names={s.id: s.name for s in self.config.staff if s.active},
                      stage_names=stage_names)

    def late(self, now: datetime) -> tuple[list[dict], list[dict]]:
        """Open requests past their due time, and those past it by more than the red-zone margin."""
        overdue = self.table.open_requests(until=iso(now))
        margin = iso(now - timedelta(hours=self.config.kpi.red_zone_margin_hours))
        return overdue, [r for r in overdue if (r.get("GSI2SK") or "") <= margin]

    def view(self, days: list[str], previous: list[str], lang: str, link) -> tuple[Report, dict]:
        now = self.clock.now()
        rep = self.report(days, previous)
        overdue, red = self.late(now)
        view = digest_core.digest_view(rep, lang=lang, currency=self.config.kpi.currency,
                                       overdue=overdue[:LIST_LIMIT], red_zone=red[:LIST_LIMIT], link=link)
        view["overdue_count"], view["red_count"] = len(overdue), len(red)
        return rep, view

    def rolling(self, period: str, lang: str, link) -> tuple[Report, dict]:
        days, previous = digest_core.rolling_period(self.clock.now(), period)
        return self.view(days, previous, lang, link)

    # --- the schedule -------------------------------------------------------------------------------

    def send_due(self) -> int:
        """Send every digest that is due and not sent yet (claimed once per manager and period)."""
        now = self.clock.now()
        sent = 0
        for schedule in self.config.digests:
            due = digest_core.due_period(now, schedule.period, schedule.time_zone, schedule.hour)
            if due is None:
                continue
            start, days, previous = due
            key = f"{schedule.manager}#{schedule.period}#{start}"
            if not self.table.claim_digest(key, iso(now)):
                continue
            if self._send(schedule, key, days, previous, now):
                sent += 1
        return sent

    def _send(self, schedule, key: str, days: list[str], previous: list[str], now: datetime) -> bool:
        member = self.config.staff_member(schedule.manager)
        lang = schedule.language or staff_language(member)
        link = (lambda rid: self.signin_links.page_url(member.id, rid)) if self.signin_links else (lambda rid: "")
        _, view = self.view(days, previous, lang, link)
        view["page_url"] = (self.signin_links.url(member.id, f"digest?period={'day' if schedule.period == 'daily' else 'week'}")
                            if self.signin_links else "")
        csv_text = digest_core.csv_rows(view)
        ident = key.replace("#", ".")
        filename = f"digest-{days[0]}-{days[-1]}.csv"
        data = csv_text.encode("utf-8")
        attachment = self.store.put_attachment("digests", ident, 0, filename, "text/csv", data)
        domain = self.config.desk.mail_domain
        mail = Outbound(
            outbox_id=f"digest.{ident}", kind="digest", request_id=None, to=[str(member.email)],
            from_address=str(self.config.desk.address), from_name=self.config.desk.name,
            subject=f"{view['t']['subject']}: {view['period']}",
            text=self.templates.render("email/digest.txt.j2", **view),
            html=self.templates.render("email/digest.html.j2", **view),
            message_id=message_id_for("digest", ident, domain), automatic=True, language=lang,
            attachments=[{"filename": filename, "content_type": "text/csv", "size": len(data), "key": attachment}])
        return self.outbox.queue_and_send(mail, iso(now))

    # --- the board ----------------------------------------------------------------------------------

    def board(self, lang: str) -> dict:
        """Requests in work per person and status, overdue and red zone, and per route stage."""
        from ..core.pages.texts import STATUS

        now = self.clock.now()
        margin = iso(now - timedelta(hours=self.config.kpi.red_zone_margin_hours))
        open_items = self.table.open_requests()
        statuses = sorted({r.get("status", "") for r in open_items}, key=_status_order)
        people: dict[str, dict] = {}
        for member in self.config.staff:
            if member.active:
                people[member.id] = {"id": member.id, "name": member.name, "counts": {}, "total": 0,
                                     "overdue": 0, "red": 0}
        for r in open_items:
            row = people.setdefault(r.get("assignee", "?"), {"id": r.get("assignee", "?"), "name": r.get("assignee", "?"),
                                                             "counts": {}, "total": 0, "overdue": 0, "red": 0})
            row["counts"][r.get("status", "")] = row["counts"].get(r.get("status", ""), 0) + 1
            row["total"] += 1
            due = r.get("GSI2SK") or ""
            if due and due <= iso(now):
                row["overdue"] += 1
            if due and due <= margin:
                row["red"] += 1
        stage_names = {s.id: s.name.get(lang) for route in self.config.routes for s in route.stages}
        stages = [{"stage": i["SK"][len("stage#"):], "name": stage_names.get(i["SK"][len("stage#"):], i["SK"]),
                   "waiting": max(0, int(i.get("waiting", 0)))} for i in self.table.kpi_now()
                  if i["SK"].startswith("stage#")]
        return {
            "statuses": [{"id": s, "label": STATUS.get(s, {}).get(lang) or s.replace("_", " ")} for s in statuses],
            "people": sorted(people.values(), key=lambda p: (-p["total"], p["id"])),
            "total": len(open_items),
            "overdue": sum(p["overdue"] for p in people.values()),
            "red": sum(p["red"] for p in people.values()),
            "stages": sorted(stages, key=lambda s: (-s["waiting"], s["stage"])),
        }

    def board_list(self, *, person: str | None, status: str | None, late: str | None, stage: str | None) -> list[dict]:
        """The open requests behind one count of the board."""
        now = self.clock.now()
        margin = iso(now - timedelta(hours=self.config.kpi.red_zone_margin_hours))
        items = self.table.open_requests()
        if person:
            items = [r for r in items if r.get("assignee") == person]
        if status:
            items = [r for r in items if r.get("status") == status]
        if late == "overdue":
            items = [r for r in items if (r.get("GSI2SK") or "~") <= iso(now)]
        elif late == "red":
            items = [r for r in items if (r.get("GSI2SK") or "~") <= margin]
        if stage:
            items = [r for r in items if r.get("status") == "in_approval"
                     and any(s.get("stage") == stage and s.get("state") == "waiting"
                             for s in self.table.stages(r["request_id"]))]
        return items


def _status_order(status: str) -> int:
    from ..core.requests.lifecycle import OPEN_STATUSES

    return OPEN_STATUSES.index(status) if status in OPEN_STATUSES else 99


def digests_of(desk) -> Digests:
    """The digests of a desk (IntakeService), built once per desk."""
    found = getattr(desk, "_kpi_digests", None)
    if found is None:
        found = Digests(config=desk.config, table=desk.table, store=desk.store, outbox=desk.outbox,
                        templates=desk.templates, clock=desk.clock, signin_links=desk.signin_links)
        desk._kpi_digests = found
    return found
