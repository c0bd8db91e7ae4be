"""Sending a route's mail through the outbox: tasks and reminders, escalations, customer updates."""
from __future__ import annotations

from ..core.mail.outbound import staff_language
from ..core.clock import Clock
from ..core.config import DeskConfig
from ..core.links import StatusLinks
from ..core.render import Templates
from ..core.requests.models import Request
from ..core.requests.tickets import ReplyAddresses
from ..core.routes.links import ActionLinks, TaskAction
from ..core.routes.mail import customer_update_mail, escalation_mail, escalation_recipient, results_view, task_mail
from ..core.routes.model import RouteVersion, StageSpec
from .conversation import Conversation
from .outbox import Outbox


class RouteMail:
    def __init__(self, *, config: DeskConfig, table, templates: Templates, outbox: Outbox,
                 conversation: Conversation, links: ActionLinks, reply_addresses: ReplyAddresses,
                 status_links: StatusLinks, clock: Clock, public_url: str, signin_links=None):
        self.config = config
        self.table = table
        self.templates = templates
        self.outbox = outbox
        self.conversation = conversation
        self.links = links
        self.reply_addresses = reply_addresses
        self.status_links = status_links
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.signin_links = signin_links

    def _names(self) -> dict[str, str]:
        return {m.id: m.name for m in self.config.staff}

    def page_url(self, request_id: str, person: str | None = None) -> str:
        """The request's staff page; in a person's own mail, a sign-in link that lands there."""
        if person and self.signin_links is not None:
            return self.signin_links.page_url(person, request_id)
        return f"{self.public_url}/staff/requests/{request_id}"

    def task_mails(self, request: Request, route: RouteVersion, stage: StageSpec, cycle: int, people: list[str],
                   kind: str, at: str, due: str) -> None:
        """The task mail of each of a stage's people, their tasks just opened due at `due`: what every
        mail shows (earlier decisions, the customer's text) is read once for all of them."""
        tasks, text = self.table.tasks(request.request_id), self.conversation.first_customer_text(request.request_id)
        for person in people:
            self._task_mail(request, route, stage, cycle, person, kind, at, "", due, tasks, text)

    def task_mail(self, request: Request, route: RouteVersion, stage: StageSpec, cycle: int, person: str,
                  kind: str, at: str, ident: str = "") -> None:
        """The task's mail to `person` (none once they are taken out of the config: the stage's
        deadline brings its escalation to the manager)."""
        task = self.table.task(request.request_id, stage.id, cycle, person) or {}
        self._task_mail(request, route, stage, cycle, person, kind, at, ident, task.get("due") or at,
                        self.table.tasks(request.request_id), self.conversation.first_customer_text(request.request_id))

    def _task_mail(self, request: Request, route: RouteVersion, stage: StageSpec, cycle: int, person: str,
                   kind: str, at: str, ident: str, due: str, tasks: list[dict], text: str) -> None:
        if person not in {m.id for m in self.config.staff}:
            return
        member = self.config.staff_member(person)
        now = self.clock.now()
        urls = {a: self.links.url(TaskAction(request.request_id, stage.id, cycle, person, a), now)
                for a in stage.actions}
        lang = staff_language(member)
        mail = task_mail(self.config, self.templates, request, route, stage, cycle, member, kind=kind,
                         action_urls=urls, open_url=self.page_url(request.request_id, person),
                         reply_to=self.reply_addresses.for_task(request.request_id, stage.id, cycle, person),
                         results=results_view(route, tasks, self._names(), lang), due=due, text=text, ident=ident)
        self.outbox.queue_and_send(mail, at)

    def escalation(self, request: Request, route: RouteVersion, stage: StageSpec, cycle: int,
                   waiting: list[str], at: str) -> None:
        manager = self.config.staff_member(escalation_recipient(self.config, request.department, waiting))
        item = self.table.stage(request.request_id, stage.id, cycle) or {}
        mail = escalation_mail(self.config, self.templates, request, route, stage, cycle, manager, waiting=waiting,
                               due=item.get("due") or at, open_url=self.page_url(request.request_id, manager.id))
        self.outbox.queue_and_send(mail, at)

    def customer_update(self, request: Request | None, event: str, route: RouteVersion, at: str) -> None:
        """Tell the customer how an approval goes. An investigation (a complaint) ends with the front
        desk answering the customer in person, so its route sends the customer nothing itself."""
        if request is None or not request.customer_email:
            return
        if any(stage.kind in ("investigate", "respond") for stage in route.stages):
            return
        in_reply_to, references = self.conversation.thread_of(request.request_id)
        mail = customer_update_mail(self.config, self.templates, request, route, event=event,
                                    status_url=self.status_links.url(request.request_id), in_reply_to=in_reply_to,
                                    references=references)
        self.status_updates.tell(request, mail, at)

    @property
    def status_updates(self):
        """At most one status update email per request per window (service/status_updates.py)."""
        from .status_updates import StatusUpdates

        return StatusUpdates(table=self.table, outbox=self.outbox,
                             window_hours=self.config.outbox.status_update_window_hours)
