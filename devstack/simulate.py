"""`rf simulate`: a month of a desk's traffic through the real code paths.

Customers write (mail stored under inbound/ and notified through SNS as SES does, or the web form
through the app), staff answer by replying to their notification mail (vouched for by SES's verdicts),
some `#resolve`, customers write back, the approval routes are decided through the signed links in the
task mail (GET the confirmation page, POST) or by replying to the task mail, some requests are left to
go overdue, customers answer some of the satisfaction surveys in their resolution mail. The desk's
clock is a fixed clock the simulation moves through the days (business hours 09:00-18:00 UTC for
staff), firing the desk's schedules (outbox, SLA scan, closing and surveying, KPI digest) every desk
hour; the run ends with the KPI digest of the simulated period.

Every choice comes from one `random.Random(seed)`, and the simulation acts in desk-time order and waits
for an approval route's next stage before acting on it, so a seed gives the same counts every time.
"""
from __future__ import annotations

import heapq
from email.utils import parseaddr
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from .traffic import PASS, Traffic, mime

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
"""Day one of the simulated month (a Monday)."""
OPEN_HOUR, CLOSE_HOUR = 9, 18
FORM_SHARE = 0.15
"""First messages sent through the web form instead of mail."""
STAGE_WAIT = 30.0
"""Wall seconds to wait for a route's next stage (its tasks open and mailed) before giving up on it."""

SURVEY_LINK = re.compile(r"/survey/[A-Za-z0-9_.\-]+")
"""A satisfaction survey link in the customer's resolution mail."""


# --- how the simulation reaches the desk ----------------------------------------------------------------

class LocalDesk:
    """The embedded stack in this process (moto patched in, no HTTP hop), on the simulation's clock."""

    def __init__(self, stack):
        from chalice.test import Client

        self.stack = stack
        self.client = Client(stack.app)
        self._described = 0
        self.mark = len(self._ses_sent())
        self.http_listeners: list[Callable[[str, float], None]] = []

    @staticmethod
    def _ses_sent() -> list:
        from moto.ses.models import ses_backends

        from .stack import ACCOUNT, REGION

        return ses_backends[ACCOUNT][REGION].sent_messages

    def set_time(self, moment: datetime) -> None:
        self.stack.clock.current = moment

    def settle(self) -> None:
        """What the routes' machines sent so far, handled now, at the desk's current time."""
        while self.stack.handle_task_messages():
            pass

    def mail(self, raw: bytes, recipients: list[str]) -> dict:
        return self.stack.ingest(raw, recipients)

    def _http(self, method: str, path: str, **kwargs):
        start = time.perf_counter()
        try:
            return getattr(self.client.http, method)(path, **kwargs)
        finally:
            for listener in self.http_listeners:
                listener("api", time.perf_counter() - start)

    def form(self, post: dict) -> dict:
        answer = self._http("post", "/requests", headers={"Content-Type": "application/json"},
                            body=json.dumps(post))
        return json.loads(answer.body or b"{}")

    def click(self, url: str, body: str) -> int:
        path = urllib.parse.urlsplit(url).path
        self._http("get", path)
        return self._http("post", path, headers={"Content-Type": "application/x-www-form-urlencoded"},
                          body=body).status_code

    def new_mail(self) -> list[dict]:
        from .outbox import describe

        sent = self._ses_sent()
        fresh = [describe(m) for m in sent[self.mark + self._described:]]
        self._described += len(fresh)
        return fresh

    def sent_count(self) -> int:
        return len(self._ses_sent()) - self.mark

    def route_state(self, request_id: str) -> dict:
        table = self.stack.desk.table
        request = table.get_request(request_id)
        running = bool(request and request.execution) and \
            self.stack.desk.approvals.machines.status(request.execution) == "RUNNING"
        return {"status": request.status if request else None, "route_result": request.route_result if request
                else None, "running": running, "stages": table.stages(request_id), "tasks": table.tasks(request_id)}

    def request_facts(self, request_id: str) -> dict:
        request = self.stack.desk.table.get_request(request_id)
        return {"assignee": request.assignee, "reply_to": request.reply_address, "status": request.status}

    def read_action(self, path: str):
        from chalicelib.core.routes.links import BadLink

        try:
            return self.stack.desk.approvals.links.read(path.removeprefix("/act/"), self.stack.clock.now())
        except BadLink:
            return None

    def run_schedules(self) -> None:
        """EventBridge's hourly rules: the outbox, the SLA scan, closing and surveying, the KPI digest."""
        self.stack.run_schedules_once()

    def digest(self, period: str) -> dict:
        """The KPI digest of the last `period` as `./rf digest` prints it."""
        return self.stack.digest_json(period)

    def stored(self) -> dict:
        """What the desk stored: its requests by status (a scan of the table's request items)."""
        table = self.stack.session.resource("dynamodb", endpoint_url=self.stack.endpoint or None) \
            .Table(self.stack.resources.table_name)
        by_status: dict[str, int] = {}
        kwargs = {"FilterExpression": "SK = :meta AND begins_with(PK, :req)",
                  "ExpressionAttributeValues": {":meta": "META", ":req": "REQ#"},
                  "ProjectionExpression": "#s", "ExpressionAttributeNames": {"#s": "status"}}
        while True:
            page = table.scan(**kwargs)
            for item in page["Items"]:
                by_status[item.get("status", "?")] = by_status.get(item.get("status", "?"), 0) + 1
            if "LastEvaluatedKey" not in page:
                return {"requests": sum(by_status.values()), "by_status": dict(sorted(by_status.items()))}
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class RemoteDesk:
    """A running `./rf serve` through its /_local/ control API and its app routes. Its clock is its own
    (scaled) one, so the simulation's times only order what it does; the server fires its schedules."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.mark = len(self._get("/_local/outbox"))
        self._seen = 0

    def _request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers={"Content-Type": content_type} if content_type else {})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def _get(self, path: str):
        status, body = self._request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        return json.loads(body)

    def set_time(self, moment: datetime) -> None:
        """The server keeps its own clock."""

    def settle(self) -> None:
        """The server's task pump handles the machines' messages."""

    def mail(self, raw: bytes, recipients: list[str]) -> dict:
        return json.loads(self._request("POST", "/_local/inbound", raw, "message/rfc822")[1])

    def form(self, post: dict) -> dict:
        return json.loads(self._request("POST", "/requests", json.dumps(post).encode(), "application/json")[1]
                          or b"{}")

    def click(self, url: str, body: str) -> int:
        path = urllib.parse.urlsplit(url).path
        self._request("GET", path)
        return self._request("POST", path, body.encode(), "application/x-www-form-urlencoded")[0]

    def new_mail(self) -> list[dict]:
        mails = self._get("/_local/outbox")[self.mark:]
        fresh = mails[self._seen:]
        self._seen += len(fresh)
        return fresh

    def sent_count(self) -> int:
        return len(self._get("/_local/outbox")) - self.mark

    def route_state(self, request_id: str) -> dict:
        view = self._get(f"/_local/requests/{urllib.parse.quote(request_id)}")
        stages = (view.get("route") or {}).get("stages") or []
        running = view["status"] == "in_approval" or any(s.get("state") == "active" for s in stages) \
            or any(s.get("state") == "waiting" for s in view["stages"])
        return {"status": view["status"], "route_result": view.get("route_result"), "running": running,
                "stages": view["stages"], "tasks": view["tasks"]}

    def request_facts(self, request_id: str) -> dict:
        view = self._get(f"/_local/requests/{urllib.parse.quote(request_id)}")
        return {"assignee": view.get("assignee"), "reply_to": view.get("reply_address"), "status": view["status"]}

    def read_action(self, path: str):
        return None

    def run_schedules(self) -> None:
        """The server's pump fires them on its clock."""

    def digest(self, period: str) -> dict:
        return self._get(f"/_local/digest?period={period}")

    def stored(self) -> dict | None:
        return None


# --- the simulation -------------------------------------------------------------------------------------

@dataclass
class Thread:
    """One request as its customer and assignee live it."""
    request_id: str
    ticket: str
    lang: str
    category: str
    customer: object
    assignee: str | None
    customer_reply_to: str
    last_customer_message_id: str
    speed: str
    """fast (within the hour), slow (next day or later) or never (left to go overdue)."""
    exchanges_left: int
    resolve: bool
    reopen: bool
    missing_need: bool
    route: bool = False
    resolved: bool = False


@dataclass
class Tally:
    first_messages: int = 0
    mail_posts: int = 0
    form_posts: int = 0
    created: int = 0
    ignored: int = 0
    threaded: int = 0
    other_outcomes: int = 0
    answered: int = 0
    resolved: int = 0
    customer_replies: int = 0
    reopened: int = 0
    needs_given: int = 0
    routes_started: int = 0
    route_decisions_by_link: int = 0
    route_decisions_by_reply: int = 0
    routes_stuck: int = 0
    surveys_answered: int = 0
    staff_actions: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    languages: dict = field(default_factory=dict)


class Simulation:
    def __init__(self, desk, config, days: int, per_day: int, seed: int, start: datetime = START,
                 progress: Callable[[str], None] | None = None):
        import random

        self.desk = desk
        self.config = config
        self.days = days
        self.per_day = per_day
        self.seed = seed
        self.start = start
        self.end = start + timedelta(days=days)
        self.rng = random.Random(seed ^ 0x5EED)
        self.traffic = Traffic(config, seed, customers=max(50, days * per_day // 5))
        self.tag = f"s{seed}" if isinstance(desk, LocalDesk) else f"s{seed}-{secrets.token_hex(3)}"
        self.queue: list = []
        self._n = 0
        self.tally = Tally()
        self.threads: dict[str, Thread] = {}
        self.staff = {m.id: m for m in config.staff}
        self.staff_by_email = {str(m.email).lower(): m for m in config.staff}
        self.notice: dict[tuple[str, str], dict] = {}
        """(request id, person) → the latest staff mail about the request (its Reply-To and Message-ID)."""
        self.task_mail: dict[tuple[str, str, int, str], dict] = {}
        """(request id, stage, cycle, person) → {"links": {action: url}, "mail": mail}."""
        self.customer_mail: dict[str, dict] = {}
        self.surveys: set[str] = set()
        self.progress = progress or (lambda _: None)
        self.now = start
        self.wall = 0.0

    # -- the event queue --

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        if moment < self.end:
            self._n += 1
            heapq.heappush(self.queue, (moment, self._n, action))

    def working(self, moment: datetime) -> datetime:
        """`moment`, or the next morning's opening (plus a little) when the desk's staff are not in."""
        if moment.hour < OPEN_HOUR:
            return moment.replace(hour=OPEN_HOUR, minute=0) + timedelta(minutes=self.rng.randint(0, 40))
        if moment.hour >= CLOSE_HOUR:
            return (moment + timedelta(days=1)).replace(hour=OPEN_HOUR, minute=0) + \
                timedelta(minutes=self.rng.randint(0, 40))
        return moment

    def message_id(self, domain: str) -> str:
        self._n += 1
        return f"<{self.tag}.{self._n}@{domain}>"

    # -- running --

    def run(self) -> dict:
        started = time.perf_counter()
        for day in range(self.days):
            opening = self.start + timedelta(days=day, hours=OPEN_HOUR)
            seconds = sorted(self.rng.uniform(0, (CLOSE_HOUR - OPEN_HOUR) * 3600) for _ in range(self.per_day))
            for s in seconds:
                self.at(opening + timedelta(seconds=s), self.first_message)
        next_schedule = self.start + timedelta(hours=1)
        total = self.days * self.per_day
        while self.queue:
            moment, _, action = heapq.heappop(self.queue)
            while next_schedule <= moment:
                self._tick(next_schedule)
                next_schedule += timedelta(hours=1)
            self.now = moment
            self.desk.set_time(moment)
            action()
            self._read_mail()
            if self._n % 16 == 0:
                self._show(total, started)
        while next_schedule <= self.end:
            self._tick(next_schedule)
            next_schedule += timedelta(hours=1)
        self._show(total, started)
        self.progress("\n")
        self.wall = time.perf_counter() - started
        return self.summary()

    def _tick(self, moment: datetime) -> None:
        self.now = moment
        self.desk.set_time(moment)
        self.desk.run_schedules()
        self._read_mail()

    def _show(self, total: int, started: float) -> None:
        day = min(self.days, (self.now - self.start).days + 1)
        done = self.tally.first_messages
        width = 30
        filled = int(width * done / max(total, 1))
        self.progress(f"\r[{'#' * filled}{'.' * (width - filled)}] day {day}/{self.days}  requests {done}/{total}  "
                      f"answers {self.tally.answered}  mails {self.desk.sent_count()}  "
                      f"{time.perf_counter() - started:6.0f} s")

    # -- reading the desk's mail as its recipients do --

    def _read_mail(self) -> None:
        if self.tally.routes_started:
            self.desk.settle()
        for mail in self.desk.new_mail():
            recipients = [str(t).lower() for t in (mail.get("to") or [])]
            ids = self._request_ids(mail)
            staff = [self.staff_by_email[r] for r in recipients if r in self.staff_by_email]
            answerable = "+s." in (mail.get("reply_to") or "")
            # Only a staff reply address answers the customer (a task mail's address decides the task).
            for request_id in ids:
                for member in staff if answerable else ():
                    self.notice[(request_id, member.id)] = mail
                if not staff and request_id in self.threads:
                    self.customer_mail[request_id] = mail
                    if any(SURVEY_LINK.search(urllib.parse.urlsplit(u).path) for u in mail.get("links") or []):
                        self._survey(request_id, mail)
            task = self._task_of(mail)
            if task is not None:
                self.task_mail.setdefault(task, {"links": {}, "mail": mail})["mail"] = mail
            for url in mail.get("links") or []:
                path = urllib.parse.urlsplit(url).path
                if not path.startswith("/act/"):
                    continue
                action = self.desk.read_action(path)
                if action is None:
                    continue
                key = (action.request_id, action.stage, action.cycle, action.person)
                entry = self.task_mail.setdefault(key, {"links": {}, "mail": mail})
                entry["links"][action.action] = url
                entry["mail"] = mail

    @staticmethod
    def _task_of(mail: dict) -> tuple[str, str, int, str] | None:
        """The task a task mail is about, from its Message-ID (<task.<request>.<stage>.<cycle>.<person>…>):
        with --to the links cannot be read without the desk's key, so staff decide by replying."""
        found = re.match(r"<task\.([a-z]+-\d{4}-\d+)\.([a-z0-9_]+)\.(\d+)\.([a-z0-9_]+)[.@]",
                         mail.get("message_id") or "")
        return (found[1].upper(), found[2], int(found[3]), found[4]) if found else None

    def _actions(self, stage_id: str) -> tuple[str, ...]:
        from chalicelib.core.routes.model import ACTIONS

        for route in self.config.routes:
            for stage in route.stages:
                if stage.id == stage_id:
                    return ACTIONS[stage.kind]
        return ("approve",)

    def _request_ids(self, mail: dict) -> list[str]:
        text = f"{mail.get('subject') or ''} {mail.get('message_id') or ''} {mail.get('reply_to') or ''}"
        found = set(re.findall(r"\[#([A-Z]+-\d{4}-\d+)\]", text))
        found |= {t.upper() for t in re.findall(r"[.<]([a-z]+-\d{4}-\d+)[.@]", text.lower())}
        return sorted(found)

    # -- customers --

    def first_message(self) -> None:
        message = self.traffic.first_message()
        tally = self.tally
        tally.first_messages += 1
        customer = message.customer
        if message.category == "auto_reply":
            headers = "Auto-Submitted: auto-replied\r\n"
            raw = mime(customer.email, customer.name, str(self.config.desk.address), message.subject, message.body,
                       self.message_id(customer.email.split("@")[1]), headers=headers)
            tally.mail_posts += 1
            self._count_outcome(self.desk.mail(raw, [str(self.config.desk.address)]))
            return
        if self.rng.random() < FORM_SHARE:
            post = {"name": customer.name, "email": customer.email, "subject": message.subject,
                    "message": message.body, "lang": message.lang}
            if message.category != "question":
                post["category"] = message.category
            if message.states_need:
                post["fact_monthly_need"] = self.traffic.need_reply(message.lang)
            tally.form_posts += 1
            answer = self.desk.form(post)
            if not answer.get("ticket"):
                tally.other_outcomes += 1
                return
            tally.created += 1
            request_id = answer.get("request_id") or answer["ticket"]
            outcome = {"request_id": request_id, "ticket": answer["ticket"], **self.desk.request_facts(request_id)}
        else:
            raw = mime(customer.email, customer.name, str(self.config.desk.address), message.subject, message.body,
                       self.message_id(customer.email.split("@")[1]))
            tally.mail_posts += 1
            outcome = self.desk.mail(raw, [str(self.config.desk.address)])
            self._count_outcome(outcome)
            if outcome.get("outcome") != "created":
                return
        self._opened(message, outcome)

    def _count_outcome(self, outcome: dict) -> None:
        kind = outcome.get("outcome")
        if kind == "created":
            self.tally.created += 1
        elif kind == "ignored":
            self.tally.ignored += 1
        elif kind == "threaded":
            self.tally.threaded += 1
        else:
            self.tally.other_outcomes += 1

    def _opened(self, message, outcome: dict) -> None:
        request_id = outcome["request_id"]
        self._read_mail()
        category = message.category
        self.tally.categories[category] = self.tally.categories.get(category, 0) + 1
        self.tally.languages[message.lang] = self.tally.languages.get(message.lang, 0) + 1
        roll = self.rng.random()
        speed = "fast" if roll < 0.6 else "slow" if roll < 0.92 else "never"
        thread = Thread(request_id=request_id, ticket=outcome.get("ticket") or request_id, lang=message.lang,
                        category=category, customer=message.customer, assignee=outcome.get("assignee"),
                        customer_reply_to=outcome.get("reply_to") or str(self.config.desk.address),
                        last_customer_message_id=outcome.get("message_id") or "", speed=speed,
                        exchanges_left=1 + (self.rng.random() < 0.35) + (self.rng.random() < 0.1),
                        resolve=self.rng.random() < 0.55, reopen=self.rng.random() < 0.05,
                        missing_need=category == "order" and not message.states_need)
        self.threads[request_id] = thread
        if outcome.get("status") == "in_approval":
            self._route_started(thread)
        if thread.missing_need and self.rng.random() < 0.7:
            self.at(self.now + timedelta(hours=self.rng.uniform(0.5, 20)), lambda: self.give_need(thread))
        if speed != "never":
            self.at(self._answer_time(thread), lambda: self.staff_answer(thread))

    def _answer_time(self, thread: Thread) -> datetime:
        if thread.speed == "fast":
            return self.working(self.now + timedelta(minutes=self.rng.uniform(10, 90)))
        return self.working(self.now + timedelta(hours=self.rng.uniform(6, 40)))

    def _customer_writes(self, thread: Thread, text: str) -> dict:
        customer = thread.customer
        last = self.customer_mail.get(thread.request_id) or {}
        in_reply_to = last.get("message_id") or thread.last_customer_message_id or None
        subject = "Re: " + (last.get("subject") or f"[#{thread.ticket}]")
        to = last.get("reply_to") or thread.customer_reply_to
        raw = mime(customer.email, customer.name, to, subject, text, self.message_id(customer.email.split("@")[1]),
                   in_reply_to=in_reply_to)
        self.tally.mail_posts += 1
        outcome = self.desk.mail(raw, [parseaddr(to)[1] or to])
        self._count_outcome(outcome)
        self.tally.customer_replies += 1
        return outcome

    def give_need(self, thread: Thread) -> None:
        outcome = self._customer_writes(thread, self.traffic.need_reply(thread.lang))
        self.tally.needs_given += 1
        thread.missing_need = False
        self._read_mail()
        if not thread.route and outcome.get("status") == "in_approval":
            self._route_started(thread)

    def customer_reply(self, thread: Thread) -> None:
        self._customer_writes(thread, self.traffic.customer_reply(thread.lang))
        if thread.speed != "never":
            thread.speed = "fast" if self.rng.random() < 0.6 else "slow"
            self.at(self._answer_time(thread), lambda: self.staff_answer(thread))

    def reopen(self, thread: Thread) -> None:
        self._customer_writes(thread, self.traffic.reopen(thread.lang))
        self.tally.reopened += 1
        thread.resolved = False
        thread.resolve = True
        thread.exchanges_left = 1
        self.at(self._answer_time(thread), lambda: self.staff_answer(thread))

    # -- staff --

    def staff_answer(self, thread: Thread) -> None:
        person = thread.assignee
        member = self.staff.get(person or "")
        if member is None:
            return
        thread.exchanges_left -= 1
        last = thread.exchanges_left <= 0
        text = self.traffic.staff_answer(thread.lang, thread.customer.name.split()[0], member.name)
        if last and thread.resolve:
            text = "#resolve\n" + text
        notice = self.notice.get((thread.request_id, person))
        domain = str(member.email).split("@")[1]
        if notice and notice.get("reply_to"):
            to, subject, in_reply_to = notice["reply_to"], "Re: " + notice["subject"], notice.get("message_id")
        else:
            to, subject, in_reply_to = str(self.config.desk.address), f"Re: [#{thread.ticket}]", None
        raw = mime(str(member.email), member.name, to, subject, text, self.message_id(domain),
                   in_reply_to=in_reply_to, headers=PASS.format(address=member.email, domain=domain))
        self.tally.mail_posts += 1
        outcome = self.desk.mail(raw, [parseaddr(to)[1] or to])
        action = outcome.get("staff_action") or outcome.get("outcome") or "?"
        self.tally.staff_actions[action] = self.tally.staff_actions.get(action, 0) + 1
        if action in ("answered", "resolved"):
            self.tally.answered += 1
        if action == "resolved":
            self.tally.resolved += 1
            thread.resolved = True
            if thread.reopen:
                thread.reopen = False
                self.at(self.now + timedelta(hours=self.rng.uniform(2, 48)), lambda: self.reopen(thread))
            return
        if not last:
            self.at(self.now + timedelta(hours=self.rng.uniform(0.3, 30)), lambda: self.customer_reply(thread))

    # -- approval routes --

    def _route_started(self, thread: Thread) -> None:
        thread.route = True
        self.tally.routes_started += 1
        self.at(self._route_delay(), lambda: self.route_step(thread))

    def _route_delay(self) -> datetime:
        hours = self.rng.uniform(0.2, 3) if self.rng.random() < 0.7 else self.rng.uniform(5, 30)
        return self.working(self.now + timedelta(hours=hours))

    def _ready_stages(self, request_id: str) -> tuple[dict, list[dict]]:
        """The route's state once no stage is being opened: every waiting stage's tasks open and mailed."""
        deadline = time.monotonic() + STAGE_WAIT
        while True:
            self._read_mail()
            state = self.desk.route_state(request_id)
            waiting = [s for s in state["stages"] if s.get("state") == "waiting"]
            opened = {(t["stage"], int(t["cycle"]), t["person"]) for t in state["tasks"] if t["state"] == "open"}
            ready = [s for s in waiting
                     if all((s["stage"], int(s["cycle"]), p) in opened
                            and (request_id, s["stage"], int(s["cycle"]), p) in self.task_mail for p in s["people"])]
            if (ready and len(ready) == len(waiting)) or (not waiting and not state["running"]):
                return state, ready
            if time.monotonic() > deadline:
                return state, []
            time.sleep(0.02)

    def route_step(self, thread: Thread) -> None:
        state, ready = self._ready_stages(thread.request_id)
        if not ready:
            if state["running"]:
                self.tally.routes_stuck += 1
            return
        for stage in ready:
            name, cycle = stage["stage"], int(stage["cycle"])
            for person in stage["people"]:
                task = self.task_mail[(thread.request_id, name, cycle, person)]
                current = next((t for t in self.desk.route_state(thread.request_id)["tasks"]
                                if (t["stage"], int(t["cycle"]), t["person"]) == (name, cycle, person)), None)
                if current is None or current["state"] != "open":
                    continue
                action = self._decide(name, cycle, self._actions(name))
                if self.rng.random() < 0.7 and action in task["links"]:
                    self.desk.click(task["links"][action], "comment=" + urllib.parse.quote("ok"))
                    self.tally.route_decisions_by_link += 1
                else:
                    self._reply_to_task(person, task["mail"], action)
                    self.tally.route_decisions_by_reply += 1
        self.at(self._route_delay(), lambda: self.route_step(thread))

    def _decide(self, stage: str, cycle: int, actions: tuple[str, ...]) -> str:
        from chalicelib.core.routes.model import POSITIVE

        if "reject" in actions:
            if stage == "summarize" and cycle == 1 and self.rng.random() < 0.12:
                return "reject"
            if stage == "approve" and self.rng.random() < 0.04:
                return "reject"
        return next(a for a in actions if a in POSITIVE)

    def _reply_to_task(self, person: str, mail: dict, action: str) -> None:
        from chalicelib.core.routes.mail import REPLY_WORDS

        member = self.staff[person]
        lang = next((lang for lang in member.languages if lang in ("ru", "en", "zh")), "en")
        words = REPLY_WORDS.get(action, {})
        word = words.get(lang) or words.get("en") or action
        domain = str(member.email).split("@")[1]
        to = mail.get("reply_to") or str(self.config.desk.address)
        raw = mime(str(member.email), member.name, to, "Re: " + (mail.get("subject") or ""), f"{word}\nok",
                   self.message_id(domain), in_reply_to=mail.get("message_id"),
                   headers=PASS.format(address=member.email, domain=domain))
        self.tally.mail_posts += 1
        self.desk.mail(raw, [parseaddr(to)[1] or to])

    # -- the satisfaction survey --

    def _survey(self, request_id: str, mail: dict) -> None:
        if request_id in self.surveys or self.rng.random() >= 0.4:
            self.surveys.add(request_id)
            return
        self.surveys.add(request_id)
        url = next(u for u in mail["links"] if SURVEY_LINK.search(urllib.parse.urlsplit(u).path))
        score = self.rng.choices([1, 2, 3, 4, 5], [5, 5, 10, 30, 50])[0]
        self.at(self.now + timedelta(hours=self.rng.uniform(1, 48)), lambda: self._answer_survey(url, score))

    def _answer_survey(self, url: str, score: int) -> None:
        if self.desk.click(url, f"score={score}&comment=") < 400:
            self.tally.surveys_answered += 1

    # -- the end --

    def summary(self) -> dict:
        routes = {"started": self.tally.routes_started, "approved": 0, "not_approved": 0, "running": 0,
                  "ended_otherwise": 0, "stuck": self.tally.routes_stuck}
        for thread in self.threads.values():
            if not thread.route:
                continue
            state = self.desk.route_state(thread.request_id)
            result = state.get("route_result")
            if state["running"]:
                routes["running"] += 1
            elif result == "approved" or state.get("status") in ("approved", "in_execution"):
                routes["approved"] += 1
            elif result == "not_approved" or state.get("status") == "not_approved":
                routes["not_approved"] += 1
            else:
                routes["ended_otherwise"] += 1
        t = self.tally
        return {
            "days": self.days, "per_day": self.per_day, "seed": self.seed,
            "from": self.start.date().isoformat(), "to": (self.end - timedelta(days=1)).date().isoformat(),
            "first_messages": t.first_messages, "mail_posts": t.mail_posts, "form_posts": t.form_posts,
            "requests_created": t.created, "ignored": t.ignored, "threaded": t.threaded, "other_outcomes":
            t.other_outcomes, "answered": t.answered, "resolved": t.resolved, "customer_replies": t.customer_replies,
            "reopened": t.reopened, "needs_given": t.needs_given, "staff_actions": dict(sorted(t.staff_actions.items())),
            "route_decisions": {"by_link": t.route_decisions_by_link, "by_reply": t.route_decisions_by_reply},
            "routes": routes, "surveys_answered": t.surveys_answered,
            "left_unanswered": sum(1 for th in self.threads.values() if th.speed == "never"),
            "categories": dict(sorted(t.categories.items())), "languages": dict(sorted(t.languages.items())),
            "surveys_sent": len(self.surveys), "mails_sent": self.desk.sent_count(), "stored": self.desk.stored(),
            "wall_seconds": round(self.wall, 1),
        }


def format_summary(s: dict) -> str:
    stored = s.get("stored") or {}
    routes = s["routes"]
    lines = [
        f"simulated {s['days']} days × {s['per_day']} first messages a day (seed {s['seed']}), "
        f"{s['from']} to {s['to']}, in {s['wall_seconds']:.0f} s",
        f"  first messages     {s['first_messages']} ({s['mail_posts']} mails in all, {s['form_posts']} form posts)",
        f"  requests created   {s['requests_created']}  (ignored {s['ignored']}, threaded {s['threaded']}, "
        f"other {s['other_outcomes']})",
        f"  answered           {s['answered']}  (staff replies: " +
        ", ".join(f"{k} {v}" for k, v in s["staff_actions"].items()) + ")",
        f"  resolved           {s['resolved']}  (reopened {s['reopened']}; customer replies {s['customer_replies']}, "
        f"of which giving a missing monthly need {s['needs_given']})",
        f"  left unanswered    {s['left_unanswered']}",
        f"  routes             started {routes['started']}: approved {routes['approved']}, not approved "
        f"{routes['not_approved']}, still running {routes['running']}, ended otherwise {routes['ended_otherwise']}"
        + (f", stuck {routes['stuck']}" if routes["stuck"] else ""),
        f"  route decisions    {s['route_decisions']['by_link']} by link, {s['route_decisions']['by_reply']} by reply",
        f"  surveys answered   {s['surveys_answered']} of {s['surveys_sent']} sent",
        f"  mails sent         {s['mails_sent']}",
        "  categories         " + ", ".join(f"{k} {v}" for k, v in s["categories"].items()),
        "  languages          " + ", ".join(f"{k} {v}" for k, v in s["languages"].items()),
    ]
    if stored:
        lines.append(f"  the desk stored    {stored['requests']} requests: " +
                     ", ".join(f"{k} {v}" for k, v in stored["by_status"].items()))
    return "\n".join(lines)


def run(days: int, per_day: int, seed: int, to: str | None = None, config_path=None, as_json: bool = False,
        quiet: bool = False) -> int:
    from chalicelib.core.clock import FixedClock
    from chalicelib.core.config import load_config
    from chalicelib.settings import DEFAULT_CONFIG

    from .stack import EmbeddedStack

    def progress(text: str) -> None:
        if not quiet:
            sys.stderr.write(text)
            sys.stderr.flush()

    config = load_config(config_path or DEFAULT_CONFIG)
    stack = None
    if to:
        desk = RemoteDesk(to if "://" in to else "http://" + to)
    else:
        stack = EmbeddedStack(config_path=config_path, clock=FixedClock(START), in_process=True,
                              prefix="rfsim", task_pump=False).start()
        desk = LocalDesk(stack)
    try:
        simulation = Simulation(desk, config, days, per_day, seed, progress=progress)
        summary = simulation.run()
        digest = desk.digest("month" if days > 7 else "week")
        if as_json:
            summary["digest"] = {k: v for k, v in digest.items() if k != "text"}
            print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
        else:
            print(format_summary(summary))
            print("\n" + digest["text"], end="")
        return 0
    finally:
        if stack is not None:
            stack.stop()
