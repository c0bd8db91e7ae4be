"""Approval routes: starting a request's route, the stage messages of its state machine, decisions
from links and replies, force-complete.

One Step Functions Task state per stage waits for a token (see core/routes/machine.py). The desk
keeps, per request, one item per stage and cycle (its latest token and timer) and one per person's
task (their decision and comment); every decision is a conditional write, so two clicks at once make
one decision and the token is answered once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..core.mail.outbound import staff_language
from ..core.clock import Clock, iso, parse_iso
from ..core.config import DeskConfig
from ..core.render import Templates
from ..core.requests.lifecycle import CONVERSATION_STATUSES, ROUTE_STATUSES
from ..core.requests.models import Request
from ..core.routes.links import ActionLinks, TaskAction
from ..core.routes.model import RouteVersion, StageSpec
from ..core.routes.progress import (IDLE_WAKE, condition_holds, stage_due, stage_outcome, timer_for,
                                    wait_seconds)
from .outbox import Outbox


_MANAGER_LABELS = {
    "force_complete": {"en": "Force-complete the approval", "ru": "Принудительно завершить согласование",
                       "zh": "强制结束审批"},
    "result_approved": {"en": "Change the result to approved", "ru": "Изменить результат: согласовано",
                        "zh": "将结果改为已批准"},
    "result_not_approved": {"en": "Change the result to not approved", "ru": "Изменить результат: не согласовано",
                            "zh": "将结果改为未批准"},
    "restart": {"en": "Restart the approval", "ru": "Запустить согласование заново", "zh": "重新发起审批"},
    "start": {"en": "Start the approval", "ru": "Запустить согласование", "zh": "发起审批"},
}


@dataclass(frozen=True)
class OpenedTask:
    """What `open_link` read for a task link, handed on to `act` in the same call."""
    action: TaskAction
    request: Request
    task: dict
    stage: dict | None


@dataclass
class ActResult:
    kind: str
    """'done' (the decision counts), 'used' (this task was decided already), 'stale' (the stage moved
    on), 'not_allowed' (not this stage's action), 'missing' (no such task)."""
    request: Request | None = None
    decision: str | None = None


class Approvals:
    def __init__(self, *, config: DeskConfig, table, machines, registry, outbox: Outbox, templates: Templates,
                 clock: Clock, links: ActionLinks, notices, time_scale: float = 1.0):
        self.config = config
        self.table = table
        self.machines = machines
        self.registry = registry
        self.outbox = outbox
        self.templates = templates
        self.clock = clock
        self.links = links
        self.notices = notices
        """Mail to people and customers about the route (service.route_mail.RouteMail)."""
        self.time_scale = time_scale

    # --- starting ----------------------------------------------------------------------------

    def start_if_ready(self, request: Request, *, by: str = "desk", restart: bool = False,
                       tell_customer: bool = True) -> bool:
        """Start the request's route when its category has one and no required fact is missing.

        The execution is named after the request (a second start of the same run is a no-op); a
        restart by a manager names a new run.
        """
        route = self.registry.route_for(request)
        if route is None or request.missing_facts:
            return False
        if request.route and not restart:
            return False
        now = self.clock.now()
        at = iso(now)
        attempt = int((request.route or {}).get("run", 0)) + 1 if restart else 1
        name = request.request_id if attempt == 1 else f"{request.request_id}.run{attempt}"
        statuses = (*CONVERSATION_STATUSES, *(ROUTE_STATUSES if restart else ()))
        first = route.stages[0]
        # A restart goes on counting cycles, so the new run's stages and tasks are items of their own.
        cycle = 1 + max((int(s["cycle"]) for s in self.table.stages(request.request_id)), default=0) if restart else 1
        ctx = self._stage_ctx(route, first, cycle, now)
        execution_arn = self.machines.arn(route.name, route.hash).replace(":stateMachine:", ":execution:") + ":" + name
        route_ref = {"name": route.name, "version": route.version, "run": attempt}
        if not self.table.start_route(request.request_id, route_ref, execution_arn, at, statuses):
            return False
        self.machines.start(route.name, route.hash, name,
                            {"request_id": request.request_id, "version": route.version, "ctx": ctx})
        self.table.add_event(request.request_id, at, f"route.{attempt}", "route_started", route=route.name,
                             version=route.version, by=by, run=attempt)
        if tell_customer:
            self.notices.customer_update(self.table.get_request(request.request_id), "route_started", route, at)
        return True

    def _stage_ctx(self, route: RouteVersion, stage: StageSpec, cycle: int, now: datetime) -> dict:
        calendar = self.config.calendar.business
        due = stage_due(stage, now, calendar)
        timer = timer_for(stage, now, due, calendar)
        return {"stage": stage.id, "cycle": cycle, "started": iso(now), "due": iso(due), "go": "start",
                "wait": wait_seconds(now, timer.next_wake(now, False), self.time_scale)}

    # --- the machine's messages ------------------------------------------------------------------

    def on_machine_message(self, body: dict) -> str:
        """One SQS message from a route's state machine: a stage was entered, its timer fired, or it
        was rejected. Safe to receive twice."""
        request = self.table.get_request(body["request_id"])
        route = self.registry.version(body["route"], int(body["version"]))
        if request is None or route is None:
            return "unknown"
        if request.status == "completed":
            # Force-completed: whatever the machine asks now (a timer that fired, the next stage) ends it.
            self.machines.fail(body["token"], "ForceCompleted")
            return "forced"
        stage = route.stage(body["stage"])
        ctx = body.get("ctx") or {}
        event = body["event"]
        if event == "stage":
            return self._entered(request, route, stage, ctx, body["token"])
        if event == "wake":
            return self._woke(request, route, stage, ctx, body["token"])
        return self._rejected(request, route, stage, ctx, body["token"])

    def _entered(self, request: Request, route: RouteVersion, stage: StageSpec, ctx: dict, token: str) -> str:
        now = self.clock.now()
        at = iso(now)
        cycle = int(ctx.get("cycle") or 1)
        if ctx.get("stage") not in (None, stage.id):
            ctx = self._stage_ctx(route, stage, cycle, now)
        existing = self.table.stage(request.request_id, stage.id, cycle)
        if existing is not None:
            self.table.update_stage(request.request_id, stage.id, cycle, {"token": token})
            # Read again after storing the token: a decision that found the old token gone marks the
            # stage done and then reads the token, so one of the two answers this one.
            settled = self.table.stage(request.request_id, stage.id, cycle)
            if settled["state"] in ("done", "disabled"):
                self._answer(settled.get("outcome"), route, stage, cycle, token, now)
            return "re-entered"
        enabled = condition_holds(stage.condition, category=request.category, priority=request.priority,
                                  facts={**(request.facts or {}), "missing": request.missing_facts})
        people = self.registry.people(stage, request) if enabled else []
        state = "waiting" if people else ("disabled" if not enabled else "done")
        opened = self.table.open_stage(request.request_id, stage.id, cycle, {
            "state": state, "token": token, "started_at": ctx.get("started", at), "due": ctx.get("due", at),
            "reminders_sent": 0, "escalated": False, "people": people,
            "outcome": None if people else "approved"})
        if not opened:
            return "re-entered"
        self.table.add_event(request.request_id, at, f"stage.{stage.id}.{cycle}", "stage_started", stage=stage.id,
                             cycle=cycle, people=people, state=state)
        if not people:
            self._answer("approved", route, stage, cycle, token, now)
            return state
        for person in people:
            self.table.open_task(request.request_id, stage.id, cycle, person,
                                 {"due": ctx.get("due", at), "opened_at": at, "reminders_sent": 0,
                                  "decision": None, "comment": None})
        self.notices.task_mails(request, route, stage, cycle, people, "new", at, ctx.get("due", at))
        return "waiting"

    def _answer(self, outcome: str | None, route: RouteVersion, stage: StageSpec, cycle: int, token: str,
                now: datetime) -> bool:
        """Send the stage's token on: the next stage's timing, or the rejection. False when the token no
        longer waits (answered already, or timed out into the stage's wake)."""
        if outcome == "rejected":
            return self.machines.fail(token, "Rejected")
        index = route.index(stage.id)
        following = route.stages[index + 1] if index + 1 < len(route.stages) else None
        ctx = self._stage_ctx(route, following, cycle, now) if following else {"go": "done", "cycle": cycle}
        return self.machines.succeed(token, ctx)

    def _woke(self, request: Request, route: RouteVersion, stage: StageSpec, ctx: dict, token: str) -> str:
        now = self.clock.now()
        at = iso(now)
        cycle = int(ctx.get("cycle") or 1)
        item = self.table.stage(request.request_id, stage.id, cycle)
        if item is None or item["state"] != "waiting":
            outcome = (item or {}).get("outcome") or "approved"
            self.machines.succeed(token, {**self._next_ctx(route, stage, cycle, now), "go": "next"}
                                  if outcome != "rejected" else {**ctx, "go": "reject"})
            return "settled"
        timer = timer_for(stage, parse_iso(item["started_at"]), parse_iso(item["due"]), self.config.calendar.business)
        reason = timer.wake_reason(now, bool(item.get("escalated")))
        open_people = [t["person"] for t in self.table.tasks(request.request_id, stage.id, cycle)
                       if t["state"] == "open"]
        if reason == "deadline" and stage.on_deadline in ("approve", "reject"):
            decision = "approve" if stage.on_deadline == "approve" else "reject"
            for person in open_people:
                self.table.finish_task(request.request_id, stage.id, cycle, person, "closed",
                                       {"decision": decision, "note": "default", "decided_at": at})
            outcome = "approved" if decision == "approve" else "rejected"
            if self.table.update_stage(request.request_id, stage.id, cycle,
                                       {"state": "done", "outcome": outcome, "decided_at": at}, "waiting"):
                self.table.add_event(request.request_id, at, f"stage.{stage.id}.{cycle}.default", "stage_decided",
                                     stage=stage.id, cycle=cycle, outcome=outcome, by="default")
                self._after_stage(request, route, stage, cycle, outcome, at)
            if outcome == "rejected":
                self.machines.succeed(token, {**ctx, "go": "reject"})
            else:
                self.machines.succeed(token, {**self._next_ctx(route, stage, cycle, now), "go": "next"})
            return "decided_by_default"
        if reason == "deadline":
            if self.table.update_stage(request.request_id, stage.id, cycle, {"escalated": True}, "waiting"):
                self.table.add_event(request.request_id, at, f"stage.{stage.id}.{cycle}.overdue", "stage_overdue",
                                     stage=stage.id, cycle=cycle, waiting_for=open_people)
                self.notices.escalation(request, route, stage, cycle, open_people, at)
        elif reason == "remind":
            n = int(item.get("reminders_sent") or 0) + 1
            if self.table.update_stage(request.request_id, stage.id, cycle, {"reminders_sent": n}, "waiting",
                                       once_per_wake=token):
                for person in open_people:
                    self.table.note_reminder(request.request_id, stage.id, cycle, person)
                    self.notices.task_mail(request, route, stage, cycle, person, "reminder", at, ident=f".r{n}")
        # After the escalation the timer has nothing left to send: it only wakes now and then, idle.
        until = timer.next_wake(now, escalated=reason != "remind") or now + IDLE_WAKE
        self.machines.succeed(token, {**ctx, "go": "wait", "wait": wait_seconds(now, until, self.time_scale)})
        return reason

    def _next_ctx(self, route: RouteVersion, stage: StageSpec, cycle: int, now: datetime) -> dict:
        index = route.index(stage.id)
        if index + 1 < len(route.stages):
            return self._stage_ctx(route, route.stages[index + 1], cycle, now)
        return {"cycle": cycle, "wait": 1}

    def _rejected(self, request: Request, route: RouteVersion, stage: StageSpec, ctx: dict, token: str) -> str:
        now = self.clock.now()
        at = iso(now)
        cycle = int(ctx.get("cycle") or 1)
        if stage.on_reject != "end" and cycle < stage.max_cycles:
            back = route.stage(stage.on_reject)
            # Keyed by the rejection's own time, not the message's: a redelivered message writes the same
            # event key, and the conditional create keeps one.
            decided_at = (self.table.stage(request.request_id, stage.id, cycle) or {}).get("decided_at") or at
            self.table.add_event(request.request_id, decided_at, f"cycle.{cycle + 1}", "cycle_started",
                                 cycle=cycle + 1, back_to=back.id, rejected_at=stage.id)
            self.machines.succeed(token, {**self._stage_ctx(route, back, cycle + 1, now), "go": "back"})
            return "back"
        self._finish(request, route, "not_approved", at)
        self.machines.succeed(token, {**ctx, "go": "end"})
        return "end"

    # --- decisions -----------------------------------------------------------------------------

    def act(self, action: TaskAction, comment: str, *, via: str, read: "OpenedTask | None" = None) -> ActResult:
        """A person's decision on their task, from a link's POST or a reply. The first one counts.
        `read`: the request, task and stage `open_link` read for this action in the same call (the
        writes that follow are conditional, so they need not be read again)."""
        now = self.clock.now()
        at = iso(now)
        fresh = read is None or read.action != action
        if fresh:
            request = self.table.get_request(action.request_id)
            task = self.table.task(action.request_id, action.stage, action.cycle, action.person)
        else:
            request, task = read.request, read.task
        if request is None or task is None or not request.route:
            return ActResult("missing", request)
        route = self.registry.version(request.route["name"], int(request.route["version"]))
        stage = route.stage(action.stage)
        if action.action not in stage.actions:
            return ActResult("not_allowed", request)
        item = self.table.stage(action.request_id, action.stage, action.cycle) if fresh else read.stage
        if task["state"] != "open":
            return ActResult("used" if task["state"] == "done" else "stale", request, task.get("decision"))
        if item is None or item["state"] != "waiting":
            return ActResult("stale", request)
        comment = (comment or "").strip()[:4000]
        if not self.table.finish_task(action.request_id, action.stage, action.cycle, action.person, "done",
                                      {"decision": action.action, "comment": comment or None, "decided_at": at,
                                       "via": via}):
            fresh = self.table.task(action.request_id, action.stage, action.cycle, action.person) or {}
            return ActResult("used" if fresh.get("state") == "done" else "stale", request, fresh.get("decision"))
        self.table.add_event(action.request_id, at, f"task.{action.stage}.{action.cycle}.{action.person}",
                             "task_decided", stage=action.stage, cycle=action.cycle, person=action.person,
                             decision=action.action, comment=comment or None, via=via)
        self._settle(request, route, stage, action.cycle, now, by=action.person, item=item)
        return ActResult("done", request, action.action)

    def reply_to_task(self, request: Request, stage_id: str, cycle: int, person: str, *, by_owner: bool,
                      sender: str, text: str, message_id: str | None, at: str, seq: str) -> str:
        """A reply to a task email decides the task, when it comes from the task's person (`by_owner`:
        SES vouches for their address); anything else gets one polite explanation and changes nothing.
        What came of it: 'done', 'not_yours', 'not_understood' or an ActResult's kind."""
        from ..core.requests.intake import valid_address
        from ..core.routes.mail import DECISION_LABELS, label, task_reply_notice
        from ..core.routes.pages import link_error_text
        from ..core.routes.replies import parse_decision

        owner = self.config.staff_member(person) if person in {m.id for m in self.config.staff} else None
        lang = staff_language(owner) if owner else "en"
        route = (self.registry.version(request.route["name"], int(request.route["version"]))
                 if request.route else None)
        stage = route.stage(stage_id) if route and stage_id in {s.id for s in route.stages} else None
        title = detail = ""
        parsed = parse_decision(text, stage.actions) if by_owner and stage is not None else None
        if not by_owner or stage is None:
            reason = "not_yours"
        elif parsed is None:
            reason = "not_understood"
        else:
            action, comment = parsed
            result = self.act(TaskAction(request.request_id, stage_id, cycle, person, action), comment, via="email")
            reason = result.kind
            if reason == "done":
                detail = label(DECISION_LABELS, action, lang)
            else:
                title, detail = link_error_text(reason, lang)
        self.table.add_event(request.request_id, at, seq, "task_reply", author=sender or "unknown", stage=stage_id,
                             cycle=cycle, person=person, outcome=reason)
        if sender and valid_address(sender):
            notice = task_reply_notice(self.config, self.templates, request, to=sender, lang=lang, reason=reason,
                                       stage=stage, title=title, detail=detail, ident=seq, in_reply_to=message_id)
            self.outbox.queue_and_send(notice, at)
        return reason

    def _settle(self, request: Request, route: RouteVersion, stage: StageSpec, cycle: int, now: datetime,
                by: str, item: dict) -> None:
        """If the stage's people have decided it, close the others' tasks and answer the token once.
        `item`: the stage as read before the decision (its start and its token)."""
        at = iso(now)
        tasks = self.table.tasks(request.request_id, stage.id, cycle)
        ordered = sorted(tasks, key=lambda t: (t.get("decided_at") or "~", t["person"]))
        outcome = stage_outcome(stage, [t.get("decision") if t["state"] == "done" else None for t in ordered])
        if outcome is None:
            return
        if not self.table.update_stage(request.request_id, stage.id, cycle,
                                       {"state": "deciding", "outcome": outcome, "decided_at": at}, "waiting"):
            return
        for t in tasks:
            if t["state"] == "open":
                self.table.finish_task(request.request_id, stage.id, cycle, t["person"], "closed",
                                       {"note": f"decided by {by}", "decided_at": at})
        self.table.add_event(request.request_id, at, f"stage.{stage.id}.{cycle}.decided", "stage_decided",
                             stage=stage.id, cycle=cycle, outcome=outcome, by=by, read={"stage": item})
        self._after_stage(request, route, stage, cycle, outcome, at)
        # A token that changed since (the stage's timer fired) fails to answer; the loop reads the new one.
        tried = item["token"]
        while not self._answer(outcome, route, stage, cycle, tried, now):
            # The timer fired just before the decision: the machine is in the stage's wake or entering
            # the stage again. Once the stage is done, that wake or entry answers for it.
            self.table.update_stage(request.request_id, stage.id, cycle, {"state": "done"}, "deciding")
            latest = self.table.stage(request.request_id, stage.id, cycle)["token"]
            if latest == tried:
                return
            tried = latest
        self.table.update_stage(request.request_id, stage.id, cycle, {"state": "done"}, "deciding")

    def _after_stage(self, request: Request, route: RouteVersion, stage: StageSpec, cycle: int, outcome: str,
                     at: str) -> None:
        """The request's status follows the route: approved when its last approving stage approves, in
        execution when execution starts, not approved when a rejection ends it."""
        if outcome != "approved":
            return
        index = route.index(stage.id)
        approving = [s for s in route.stages if s.kind in ("approve", "summarize")]
        if stage.kind in ("approve", "summarize") and approving and approving[-1].id == stage.id:
            self._finish(request, route, "approved", at)
        elif stage.kind == "execute":
            if self.table.set_route_result(request.request_id, "in_execution", at, ("approved", "in_approval")):
                self.table.add_event(request.request_id, at, f"exec.{cycle}", "execution_started", stage=stage.id)
                self.notices.customer_update(self.table.get_request(request.request_id), "execution_started",
                                             route, at)
        elif index == len(route.stages) - 1 and not approving:
            self._finish(request, route, "approved", at)

    def _finish(self, request: Request, route: RouteVersion, result: str, at: str) -> None:
        if self.table.set_route_result(request.request_id, result, at, ("in_approval",), route_result=result):
            self.table.add_event(request.request_id, at, f"route.{result}", "route_finished", result=result)
            self.notices.customer_update(self.table.get_request(request.request_id), result, route, at)

    def open_link(self, token: str):
        """(action, page view, error, what was read) for a task link; the error is 'tampered',
        'expired', 'used', 'stale', 'not_allowed' or 'missing' (then the page says so and nothing
        changes)."""
        from ..core.routes.links import BadLink
        from ..core.routes.mail import results_view
        from ..core.routes.pages import action_view

        try:
            action = self.links.read(token, self.clock.now())
        except BadLink as exc:
            member = next((m for m in self.config.staff if m.id == exc.person), None)
            lang = staff_language(member) if member else self.config.desk.default_language
            return None, {"lang": lang}, exc.reason, None
        request = self.table.get_request(action.request_id)
        task = self.table.task(action.request_id, action.stage, action.cycle, action.person)
        if request is None or task is None or not request.route:
            return action, None, "missing", None
        route = self.registry.version(request.route["name"], int(request.route["version"]))
        stage = route.stage(action.stage)
        member = self.config.staff_member(action.person)
        stage_item = self.table.stage(action.request_id, action.stage, action.cycle)
        item = stage_item or {}
        error = None
        if action.action not in stage.actions:
            error = "not_allowed"
        elif task["state"] == "done":
            error = "used"
        elif task["state"] != "open" or item.get("state") != "waiting":
            error = "stale"
        names = {m.id: m.name for m in self.config.staff}
        lang = staff_language(member)
        view = action_view(member=member, request=request, route=route, stage=stage, cycle=action.cycle,
                           action=action.action, due=task.get("due"), error=error,
                           results=results_view(route, self.table.tasks(action.request_id), names, lang),
                           open_url=self.notices.page_url(action.request_id))
        return action, view, error, OpenedTask(action, request, task, stage_item)

    # --- the staff page ---------------------------------------------------------------------------

    MANAGER_ACTIONS = ("force_complete", "result_approved", "result_not_approved", "restart", "start")

    def is_manager(self, member) -> bool:
        return any(d.manager == member.id for d in self.config.departments)

    def page_extras(self, request: Request, member, lang: str) -> dict:
        """The request page's route blocks: the map, the analysis, and what this person may do (their
        open tasks' actions; a manager's force-complete, result change, start or restart)."""
        from ..core.routes.analysis import analysis_view
        from ..core.routes.mail import ACTION_LABELS, label
        from ..core.routes.progress import stage_states
        from ..core.routes.route_map import route_map_svg

        names = {m.id: m.name for m in self.config.staff}
        actions: list[dict] = []
        extras: dict = {"actions": actions}
        now = self.clock.now()
        if request.route:
            route = self.registry.version(request.route["name"], int(request.route["version"]))
            tasks = self.table.tasks(request.request_id)
            views = stage_states(route, self.table.stages(request.request_id), tasks, names)
            extras["route_map_svg"] = route_map_svg(route, views, lang)
            extras["analysis"] = analysis_view(route, tasks, names, lang)
            for t in tasks:
                if t["person"] == member.id and t["state"] == "open":
                    stage = route.stage(t["stage"])
                    for action in stage.actions:
                        actions.append({"label": f"{stage.label(lang)}: {label(ACTION_LABELS, action, lang)}",
                                        "url": self.links.url(TaskAction(request.request_id, stage.id,
                                                                         int(t["cycle"]), member.id, action), now),
                                        "method": "GET"})
        if self.is_manager(member):
            for kind in self._manager_actions(request):
                actions.append({"label": label(_MANAGER_LABELS, kind, lang),
                                "url": f"{request.request_id}/route?do={kind}", "method": "POST"})
        return extras

    def _manager_actions(self, request: Request) -> list[str]:
        if request.status in ("in_approval", "approved", "in_execution"):
            return ["force_complete"]
        if request.status == "completed":
            other = "result_approved" if request.route_result != "approved" else "result_not_approved"
            return [other, "restart"]
        if request.route and request.status == "not_approved":
            return ["restart"]
        if not request.route and self.registry.route_for(request) is not None and not request.missing_facts:
            return ["start"]
        return []

    def customer_progress(self, request: Request, lang: str) -> str:
        """The route's progress in plain words for the customer's status page; '' without a route."""
        from ..core.routes.progress import progress_words, stage_states

        if not request.route:
            return ""
        route = self.registry.version(request.route["name"], int(request.route["version"]))
        if route is None:
            return ""
        views = stage_states(route, self.table.stages(request.request_id), self.table.tasks(request.request_id), {})
        return progress_words(route, views, request.status, lang)

    def manager_action(self, request_id: str, member, kind: str) -> bool:
        """A manager's action from the request page (each an event; a conditional write each)."""
        if not self.is_manager(member) or kind not in self.MANAGER_ACTIONS:
            return False
        request = self.table.get_request(request_id)
        if request is None or kind not in self._manager_actions(request):
            return False
        if kind == "force_complete":
            return self.force_complete(request_id, member.id)
        if kind in ("result_approved", "result_not_approved"):
            return self.set_result(request_id, kind.removeprefix("result_"), member.id)
        return self.start_if_ready(request, by=member.id, restart=kind == "restart")

    # --- force-complete ------------------------------------------------------------------------

    def force_complete(self, request_id: str, manager: str) -> bool:
        """Stop the route: open tasks close as done, the result is 'not approved' (as in 1C), the
        status 'completed'. False when the route is not running."""
        now = self.clock.now()
        at = iso(now)
        request = self.table.get_request(request_id)
        if request is None or not request.route or request.status not in ("in_approval", "approved",
                                                                           "in_execution"):
            return False
        if not self.table.set_route_result(request_id, "completed", at, ("in_approval", "approved", "in_execution"),
                                           route_result="not_approved", forced_by=manager):
            return False
        self.table.add_event(request_id, at, "route.forced", "route_force_completed", by=manager,
                             result="not_approved")
        self.notices.customer_update(self.table.get_request(request_id), "not_approved",
                                     self.registry.version(request.route["name"], int(request.route["version"])), at)
        for item in self.table.stages(request_id):
            if item["state"] in ("waiting", "deciding"):
                for t in self.table.tasks(request_id, item["stage"], int(item["cycle"])):
                    if t["state"] == "open":
                        self.table.finish_task(request_id, item["stage"], int(item["cycle"]), t["person"], "done",
                                               {"note": f"force-completed by {manager}", "decided_at": at})
                self.table.update_stage(request_id, item["stage"], int(item["cycle"]),
                                        {"state": "done", "outcome": "forced", "decided_at": at})
                try:
                    self.machines.fail(item["token"], "ForceCompleted")
                except Exception:  # noqa: BLE001 - the token may have moved on; the table is the record
                    pass
        return True

    def set_result(self, request_id: str, result: str, manager: str) -> bool:
        """After a force-complete, a manager may change the result (not approved → approved)."""
        if result not in ("approved", "not_approved"):
            raise ValueError(result)
        at = iso(self.clock.now())
        request = self.table.get_request(request_id)
        if request is None or request.status != "completed" or request.route_result == result:
            return False
        if self.table.set_route_result(request_id, "completed", at, ("completed",), route_result=result):
            self.table.add_event(request_id, at, f"route.result.{result}", "route_result_changed", by=manager,
                                 result=result, previous=request.route_result)
            self.notices.customer_update(self.table.get_request(request_id), result,
                                         self.registry.version(request.route["name"], int(request.route["version"])), at)
            return True
        return False

    def manager_of(self, request: Request) -> str:
        return self.config.department(request.department).manager

