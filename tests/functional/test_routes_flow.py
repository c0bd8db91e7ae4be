"""Approval routes on the embedded stack, as a user checks them: mail comes in, people act from the
links in their task emails, and the request, its stages, the customer's mail and the execution follow."""
from __future__ import annotations

import re
import secrets
from pathlib import Path
import threading
import time
from contextlib import contextmanager

import pytest
from chalice.test import Client

from chalicelib.settings import DEFAULT_CONFIG
from devstack.stack import EmbeddedStack

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASS = "Authentication-Results: amazonses.com; spf=pass smtp.mailfrom={address}; " \
       "dkim=pass header.d=requestflow.example; dmarc=pass\r\n"


# --- helpers the other test_routes_* modules share ------------------------------------------------------

def mail(sender: str, subject: str, body: str, *, name: str = "Customer", message_id: str | None = None,
         to: str = "desk@requestflow.example", headers: str = "", in_reply_to: str | None = None) -> bytes:
    """A plain UTF-8 message as a customer's or a colleague's client sends it."""
    message_id = message_id or f"<{secrets.token_hex(8)}@client.example>"
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (f"{headers}From: {name} <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"{thread}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n").encode()


def wait_for(check, timeout: float = 20.0, every: float = 0.2):
    """Poll `check` until it returns something truthy; its last value otherwise (the assert shows it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


class Desk:
    """The embedded stack seen by a user: the mail it sent since the desk was opened, the request's JSON,
    and the links in the task emails."""

    def __init__(self, stack: EmbeddedStack):
        self.stack = stack
        self.mark = len(self._outbox())
        """moto's SES outbox is one per process: the mail of earlier stacks is not this desk's."""
        self._seen: list[dict] = []

    @staticmethod
    def _outbox() -> list:
        from moto.ses.models import ses_backends

        from devstack.stack import ACCOUNT, REGION

        return list(ses_backends[ACCOUNT][REGION].sent_messages)

    def sent(self) -> list[dict]:
        """What `stack.sent_mail()` shows of this desk's mail, each message parsed once."""
        from devstack.outbox import describe

        outbox = self._outbox()[self.mark:]
        self._seen.extend(describe(m) for m in outbox[len(self._seen):])
        return list(self._seen)

    def sent_to(self, address: str, kind: str | None = None, request_id: str | None = None) -> list[dict]:
        return [m for m in self.sent() if any(address in to for to in m["to"])
                and (kind is None or (m["message_id"] or "").startswith(f"<{kind}."))
                and (request_id is None or request_id.lower() in (m["message_id"] or ""))]

    def view(self, request_id: str) -> dict:
        return self.stack.request_json(request_id)

    def open_tasks(self, request_id: str, stage: str, cycle: int = 1) -> list[str]:
        return sorted(t["person"] for t in self.view(request_id)["tasks"]
                      if t["stage"] == stage and t["cycle"] == cycle and t["state"] == "open")

    def wait_open(self, request_id: str, stage: str, people: int, cycle: int = 1) -> list[str]:
        """The people of a stage once it is open for them and their task emails are out."""
        def ready():
            people_ = self.open_tasks(request_id, stage, cycle)
            return len(people_) >= people and all(self.link(request_id, stage, cycle, p) for p in people_) \
                and people_
        return wait_for(ready) or self.open_tasks(request_id, stage, cycle)

    def actions(self, request_id: str) -> list[tuple[str, object]]:
        """(path, TaskAction) of every /act/ link in the task mail sent for the request."""
        now = self.stack.clock.now()
        found = []
        for m in self.sent_to("@requestflow.example", kind="task", request_id=request_id):
            for token in re.findall(r"/act/([A-Za-z0-9_.\-]+)", m["text"] or ""):
                action = self.stack.desk.approvals.links.read(token, now)
                if action.request_id == request_id:
                    found.append((f"/act/{token}", action))
        return found

    def link(self, request_id: str, stage: str, cycle: int, person: str, action: str | None = None) -> str | None:
        for path, a in self.actions(request_id):
            if (a.stage, a.cycle, a.person) == (stage, cycle, person) and action in (None, a.action):
                return path
        return None

    def events(self, request_id: str, kind: str) -> list[dict]:
        return [e for e in self.view(request_id)["events"] if e["event"] == kind]

    def stage_states(self, request_id: str) -> dict[str, str]:
        return {s["id"]: s["state"] for s in self.view(request_id)["route"]["stages"]}


def act(client: Client, path: str, comment: str = "") -> int:
    return client.http.post(path, headers=FORM, body=f"comment={comment}").status_code


def decide(desk: Desk, client: Client, request_id: str, stage: str, people: int, action: str,
           cycle: int = 1, comment: str = "ok") -> list[str]:
    """Everyone open in the stage acts `action` from their link; who they were."""
    persons = desk.wait_open(request_id, stage, people, cycle)
    assert len(persons) == people, (stage, persons, desk.view(request_id)["tasks"])
    for person in persons:
        assert act(client, desk.link(request_id, stage, cycle, person, action), comment) == 200, (stage, person)
    return persons


def edit_stage(text: str, route: str, stage: str, **lines: str) -> str:
    """The config text with `key = value` lines of one stage replaced (or added); None removes a line."""
    route_at = text.index(f'id = "{route}"')
    start = text.index(f'[[routes.stages]]\nid = "{stage}"', route_at)
    end = text.find("\n[[", start + 1)
    end = len(text) if end < 0 else end
    block = text[start:end]
    for key, value in lines.items():
        pattern = re.compile(rf"^{key} = .*$", re.M)
        if pattern.search(block):
            block = pattern.sub("" if value is None else f"{key} = {value}", block)
        elif value is not None:
            block = block.rstrip("\n") + f"\n{key} = {value}\n"
    return text[:start] + block + text[end:]


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class AwsTokens:
    """The Step Functions client as AWS answers on one point where moto differs: a task token that was
    answered, or whose task timed out, refuses another answer (TaskTimedOut); moto takes it."""

    def __init__(self, client, closed=()):
        self._client = client
        self.closed = set(closed)

    def _once(self, operation: str, method: str, taskToken: str, **kwargs):
        from botocore.exceptions import ClientError

        if taskToken in self.closed:
            raise ClientError({"Error": {"Code": "TaskTimedOut", "Message": "Task Timed Out"}}, operation)
        result = getattr(self._client, method)(taskToken=taskToken, **kwargs)
        self.closed.add(taskToken)
        return result

    def send_task_success(self, **kwargs):
        return self._once("SendTaskSuccess", "send_task_success", **kwargs)

    def send_task_failure(self, **kwargs):
        return self._once("SendTaskFailure", "send_task_failure", **kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


@contextmanager
def aws_tokens(desk: Desk, closed=()):
    """The desk's route machines answering tokens as AWS does, for the length of the block."""
    machines = desk.stack.desk.approvals.machines
    real = machines._sfn
    machines._client = AwsTokens(real, closed)
    try:
        yield machines._client
    finally:
        machines._client = real


def start_stack(prefix: str, time_scale: float, config_path=None) -> EmbeddedStack:
    return EmbeddedStack(time_scale=time_scale, config_path=config_path, prefix=prefix).start()


def stop_stack(stack: EmbeddedStack) -> None:
    from chalicelib import composition

    stack.stop()
    composition.install(None)


@contextmanager
def running_desk(prefix: str, time_scale: float, config_path=None):
    """An embedded stack for the length of the block, seen as a user sees it (Desk)."""
    stack = start_stack(prefix, time_scale=time_scale, config_path=config_path)
    try:
        yield Desk(stack)
    finally:
        stop_stack(stack)


# --- this module's desk (`client` also serves the other test_routes_* modules' desks) ---------------

@pytest.fixture(scope="module")
def desk():
    with running_desk("rfroutes", time_scale=60) as running:
        yield running


@pytest.fixture(scope="module")
def client(desk):
    """The app's HTTP routes in process, against the module's `desk`."""
    import app

    with Client(app.app) as c:
        yield c


def new_order(desk: Desk, body: str, sender: str, subject: str = "Order: stretch film", name: str = "Customer",
              message_id: str | None = None):
    outcome = desk.stack.ingest(mail(sender, subject, body, name=name, message_id=message_id))
    assert outcome["outcome"] == "created" and outcome["category"] == "order", outcome
    assert desk.view(outcome["ticket"])["status"] == "in_approval", outcome
    return outcome


def test_an_order_with_its_monthly_need_runs_the_whole_route_and_the_customer_hears_of_it_once_a_window(desk, client):
    outcome = new_order(desk, "Здравствуйте! Нам нужна стрейч-плёнка 500 мм, 40 рулонов в месяц. Пришлите цену.",
                        "anna@stroymarket.ru", "Заказ стрейч-плёнки", "Анна Иванова",
                        message_id="<order-1@stroymarket.ru>")
    rid = outcome["ticket"]
    view = desk.view(rid)
    assert view["status"] == "in_approval" and view["route"]["name"] == "order_approval"
    assert desk.stage_states(rid) == {"approve": "active", "summarize": "empty", "acknowledge": "empty",
                                      "execute": "empty"}

    assert decide(desk, client, rid, "approve", 2, "approve") == ["maria", "olga"]
    wait_for(lambda: desk.stage_states(rid)["summarize"] == "active")
    assert desk.stage_states(rid) == {"approve": "done", "summarize": "active", "acknowledge": "empty",
                                      "execute": "empty"}
    assert desk.view(rid)["status"] == "in_approval"

    assert decide(desk, client, rid, "summarize", 1, "approve") == ["sergey"]
    wait_for(lambda: desk.stage_states(rid)["acknowledge"] == "active")
    assert desk.stage_states(rid) == {"approve": "done", "summarize": "done", "acknowledge": "active",
                                      "execute": "empty"}
    assert desk.view(rid)["status"] == "approved"

    decide(desk, client, rid, "acknowledge", 2, "read")
    wait_for(lambda: desk.stage_states(rid)["execute"] == "active")
    assert desk.stage_states(rid)["acknowledge"] == "done"
    assert decide(desk, client, rid, "execute", 1, "start") == [desk.view(rid)["assignee"]]

    view = wait_for(lambda: (v := desk.view(rid))["status"] == "in_execution" and v)
    assert view and view["route_result"] == "approved"
    assert set(desk.stage_states(rid).values()) == {"done"}
    execution = view["execution"]
    assert wait_for(lambda: desk.stack.desk.approvals.machines.status(execution) == "SUCCEEDED")
    person_tasks = len(view["tasks"])
    assert person_tasks == 6 and desk.stack.desk.approvals.machines.transitions(execution) <= 2 * person_tasks
    table = desk.stack.desk.table
    day = table.kpi_items([view["created_at"][:10]])
    decided = {i["SK"]: i.get("decided", 0) for i in day if i["SK"].startswith("stage#")}
    assert decided == {"stage#approve": 1, "stage#summarize": 1, "stage#acknowledge": 1, "stage#execute": 1}
    assert all(any(k.startswith("h_dur_") for k in i) for i in day if i["SK"].startswith("stage#"))
    assert {i["SK"]: i.get("waiting", 0) for i in table.kpi_now()} == dict.fromkeys(decided, 0)

    to_customer = desk.sent_to("anna@stroymarket.ru")
    ack, *updates = to_customer
    assert "согласование" in ack["text"]
    assert [u["message_id"].split(".")[2] for u in updates] == ["approved"], "one status update per window"
    waiting = desk.stack.desk.table.outbound(f"update.{rid}.w1")
    assert waiting["status"] == "queued" and "приступили" in waiting["text"]
    assert waiting["next_attempt_at"] > view["created_at"]
    for update in updates:
        assert update["in_reply_to"] == "<order-1@stroymarket.ru>"
        assert update["references"].split() [:2] == ["<order-1@stroymarket.ru>", ack["message_id"]]
        assert outcome["ticket"] in update["subject"] and re.search("[а-яА-Я]{4}", update["text"])
    assert "согласован" in updates[0]["text"]


def test_an_order_without_its_monthly_need_waits_for_the_customer_to_give_it(desk, client):
    outcome = desk.stack.ingest(mail("tom@harbourfoods.co.uk", "Order: stretch film",
                                     "Hello, please quote 500 mm stretch film, 23 micron. Best regards, Tom",
                                     name="Tom Baker"))
    assert outcome["category"] == "order"
    rid = outcome["ticket"]
    view = desk.view(rid)
    assert view["status"] == "new" and view["route"] is None and not view.get("execution")
    assert view["missing_facts"] == ["monthly_need"] and not desk.open_tasks(rid, "approve")

    reply = mail("tom@harbourfoods.co.uk", f"Re: [#{outcome['ticket']}] Order: stretch film",
                 "We need 40 rolls per month.\r\n\r\nTom", name="Tom Baker", in_reply_to=outcome["ack_message_id"],
                 message_id=(reply_id := "<reply-1@harbourfoods.co.uk>"))
    assert desk.stack.ingest(reply)["outcome"] == "threaded"
    view = desk.view(rid)
    assert view["status"] == "in_approval" and view["execution"] and view["missing_facts"] == []
    assert desk.wait_open(rid, "approve", 2) == ["maria", "olga"]
    [started] = desk.sent_to("tom@harbourfoods.co.uk", kind="update")
    assert started["message_id"].startswith(f"<update.{rid.lower()}.route_started.")
    assert started["in_reply_to"] == reply_id and outcome["ack_message_id"] in started["references"]
    assert "being approved" in started["text"]


def test_opening_a_link_changes_nothing_and_a_tampered_link_is_refused(desk, client):
    rid = new_order(desk, "We need 12 pallets of stretch film per month. Please send an offer.",
                    "k.mueller@logistik-nord.de", "Order: stretch film")["ticket"]
    desk.wait_open(rid, "approve", 2)
    before = desk.view(rid)
    for person in ("maria", "olga"):
        for action in ("approve", "reject"):
            page = client.http.get(desk.link(rid, "approve", 1, person, action))
            assert page.status_code == 200 and b"<form" in page.body
    assert desk.view(rid) == before

    path = desk.link(rid, "approve", 1, "olga", "approve")
    token = path.rsplit("/", 1)[1]
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
                   token.replace(token[3], "x" if token[3] != "x" else "y", 1), "not-a-token"):
        assert client.http.get(f"/act/{forged}").status_code == 400
        assert act(client, f"/act/{forged}") == 400
    assert desk.view(rid) == before


def test_an_expired_link_says_so_in_its_owners_language_and_changes_nothing(desk, client):
    from datetime import timedelta

    from chalicelib.core.routes.links import TaskAction

    rid = new_order(desk, "Нужно 25 рулонов стрейч-плёнки в месяц.", "snab@teplica-nn.ru", "Заказ плёнки")["ticket"]
    desk.wait_open(rid, "approve", 2)
    before = desk.view(rid)
    links = desk.stack.desk.approvals.links
    month_ago = desk.stack.clock.now() - timedelta(days=40)
    for person, lang, words in (("olga", "ru", "Срок действия ссылки истёк"), ("li", "zh", "链接已过期")):
        path = f"/act/{links.token(TaskAction(rid, 'approve', 1, person, 'approve'), month_ago)}"
        page = client.http.get(path)
        assert page.status_code == 410
        assert words in page.body.decode() and f'lang="{lang}"' in page.body.decode()
        assert act(client, path) == page.status_code
    assert desk.view(rid) == before


def test_a_link_decides_once_and_links_of_a_stage_that_moved_on_are_stale(desk, client):
    rid = new_order(desk, "Нужно 30 рулонов в месяц стрейч-плёнки 17 мкм.", "zakupki@agrotorg.ru",
                    "Заявка на плёнку")["ticket"]
    desk.wait_open(rid, "approve", 2)
    maria_approves = desk.link(rid, "approve", 1, "maria", "approve")
    assert act(client, maria_approves, "fine") == 200
    assert act(client, maria_approves, "again") == 409
    assert act(client, desk.link(rid, "approve", 1, "maria", "reject")) == 409
    assert len(desk.events(rid, "task_decided")) == 1

    assert act(client, desk.link(rid, "approve", 1, "olga", "approve")) == 200
    wait_for(lambda: desk.open_tasks(rid, "summarize"))
    for person, action in (("olga", "reject"), ("maria", "approve"), ("olga", "approve")):
        assert act(client, desk.link(rid, "approve", 1, person, action)) == 409
    assert [e["person"] for e in desk.events(rid, "task_decided")] == ["maria", "olga"]
    assert desk.view(rid)["status"] == "in_approval"


def test_a_rejection_closes_the_other_approvers_task_and_its_links_are_stale(desk, client):
    rid = new_order(desk, "我们每月需要缠绕膜50卷，请报价。", "wang@huanan-pack.cn", "缠绕膜订单", "王先生")["ticket"]
    desk.wait_open(rid, "approve", 2)
    assert act(client, desk.link(rid, "approve", 1, "maria", "reject"), "price too low") == 200
    view = wait_for(lambda: (v := desk.view(rid))["status"] == "not_approved" and v)
    assert view, desk.view(rid)
    olga = next(t for t in view["tasks"] if t["person"] == "olga")
    assert olga["state"] == "closed" and olga["decision"] is None
    page = client.http.get(desk.link(rid, "approve", 1, "olga", "approve"))
    assert page.status_code == 409
    assert act(client, desk.link(rid, "approve", 1, "olga", "approve")) == 409
    assert len(desk.events(rid, "task_decided")) == 1
    [told] = wait_for(lambda: desk.sent_to("wang@huanan-pack.cn", kind="update"))
    assert ".not_approved." in told["message_id"] and re.search("[\u4e00-\u9fff]", told["text"])
    assert wait_for(lambda: desk.stack.desk.approvals.machines.status(view["execution"]) == "SUCCEEDED")


def test_two_simultaneous_posts_of_one_link_make_one_decision(desk, client):
    import app

    rid = new_order(desk, "We need 15 pallets of stretch film per month, please send your price.",
                    "buyer@coolchain.nl", "Purchase: stretch film")["ticket"]
    desk.wait_open(rid, "approve", 2)
    path = desk.link(rid, "approve", 1, "olga", "approve")
    codes: list[int] = []
    gate = threading.Barrier(4)

    def post():
        with Client(app.app) as own:
            gate.wait()
            codes.append(act(own, path, "yes"))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [200, 409, 409, 409]
    assert [e["person"] for e in desk.events(rid, "task_decided")] == ["olga"]
    assert desk.open_tasks(rid, "approve") == ["maria"]


def test_the_director_rejecting_the_summary_opens_another_cycle_until_none_is_left(desk, client):
    outcome = new_order(desk, "Please quote 20 rolls a month of 500 mm stretch film.", "ops@nordic-pallets.se",
                        "Quote request: stretch film")
    rid = outcome["ticket"]
    for cycle in (1, 2, 3):
        decide(desk, client, rid, "approve", 2, "approve", cycle=cycle)
        decide(desk, client, rid, "summarize", 1, "reject", cycle=cycle, comment=f"not yet {cycle}")
        if cycle < 3:
            assert desk.wait_open(rid, "approve", 2, cycle + 1) == ["maria", "olga"]
            view = desk.view(rid)
            assert view["route"]["cycle"] == cycle + 1 and view["status"] == "in_approval"
            assert {(s["id"], s["state"], s["cycle"]) for s in view["route"]["stages"][:2]} == {
                ("approve", "active", cycle + 1), ("summarize", "rejected", cycle)}
            assert {t["cycle"] for t in view["tasks"]} == set(range(1, cycle + 2))
    view = wait_for(lambda: (v := desk.view(rid))["status"] == "not_approved" and v)
    assert view and view["route_result"] == "not_approved"
    assert len(desk.events(rid, "cycle_started")) == 2
    assert not [t for t in view["tasks"] if t["state"] == "open"]
    assert [u["message_id"].split(".")[2] for u in desk.sent_to("ops@nordic-pallets.se", kind="update")] == [
        "not_approved"]
    assert wait_for(lambda: desk.stack.desk.approvals.machines.status(view["execution"]) == "SUCCEEDED")


def test_a_manager_force_completes_a_running_route_and_then_changes_its_result(desk, client):
    rid = new_order(desk, "Нам нужно 10 тонн плёнки ежемесячно, просим коммерческое предложение.",
                    "snab@volga-agro.ru", "Коммерческое предложение")["ticket"]
    decide(desk, client, rid, "approve", 2, "approve")
    desk.wait_open(rid, "summarize", 1)
    approvals = desk.stack.desk.approvals
    assert approvals.force_complete(rid, "olga")
    view = desk.view(rid)
    assert view["status"] == "completed" and view["route_result"] == "not_approved"
    [sergey] = [t for t in view["tasks"] if t["stage"] == "summarize"]
    assert sergey["state"] == "done" and "olga" in sergey["note"]
    assert not approvals.force_complete(rid, "olga")
    told = desk.sent_to("snab@volga-agro.ru", kind="update", request_id=rid)
    assert [m for m in told if "не согласован" in m["text"]], [m["message_id"] for m in told]
    execution = view["execution"]
    assert wait_for(lambda: approvals.machines.status(execution) == "SUCCEEDED")
    history = desk.stack.sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    assert entered[-1] == "Completed"
    assert act(client, desk.link(rid, "summarize", 1, "sergey", "approve")) == 409

    assert approvals.set_result(rid, "approved", "olga")
    view = desk.view(rid)
    assert view["status"] == "completed" and view["route_result"] == "approved"
    assert [(e["by"], e["result"]) for e in desk.events(rid, "route_force_completed")] == [("olga", "not_approved")]
    assert [(e["by"], e["previous"], e["result"]) for e in desk.events(rid, "route_result_changed")] == [
        ("olga", "not_approved", "approved")]
    assert not approvals.set_result(rid, "approved", "olga")
    waiting = desk.stack.desk.table.outbound(f"update.{rid}.w1")
    assert waiting["status"] == "queued" and "согласован" in waiting["text"] and "не согласован" not in waiting["text"], \
        "the changed result waits for the next window of status updates"


def test_a_complaint_goes_to_logistics_and_then_to_the_front_desk_each_with_a_deadline(desk, client):
    outcome = desk.stack.ingest(mail("claims@fresh-line.de", "Reklamation: beschädigte Paletten",
                                     "Guten Tag, drei Paletten kamen beschädigt an. Bitte um Gutschrift.",
                                     name="Jana Roth"))
    rid = outcome["ticket"]
    assert outcome["category"] == "complaint"
    view = desk.view(rid)
    assert view["status"] == "in_approval" and view["route"]["name"] == "complaint_investigation"
    assert desk.wait_open(rid, "investigate", 1) == ["pavel"]
    [investigate] = [t for t in desk.view(rid)["tasks"] if t["stage"] == "investigate"]
    assert investigate["due"] > view["created_at"]

    answer = desk.link(rid, "investigate", 1, "pavel", "answer")
    assert act(client, answer, "Carrier+damage%2C+credit+note+issued") == 200
    assignee = desk.view(rid)["assignee"]
    assert desk.wait_open(rid, "answer", 1) == [assignee]
    view = desk.view(rid)
    [pavel] = [t for t in view["tasks"] if t["stage"] == "investigate"]
    assert pavel["decision"] == "answer" and pavel["comment"] == "Carrier damage, credit note issued"
    [front] = [t for t in view["tasks"] if t["stage"] == "answer"]
    assert front["due"] and front["due"] > pavel["decided_at"]
    front_mail = desk.sent_to(f"{assignee}@requestflow.example", kind="task", request_id=rid)[-1]
    assert "Carrier damage, credit note issued" in front_mail["text"]

    assert act(client, desk.link(rid, "answer", 1, assignee, "answer")) == 200
    view = wait_for(lambda: (v := desk.view(rid))["route_result"] and v)
    assert view and view["route_result"] == "approved"
    assert desk.stage_states(rid) == {"investigate": "done", "answer": "done"}
    assert wait_for(lambda: desk.stack.desk.approvals.machines.status(view["execution"]) == "SUCCEEDED")
    assert not [m["message_id"] for m in desk.sent_to("claims@fresh-line.de", kind="update", request_id=rid)], \
        "a complaint is answered by the front desk, not told it was 'approved'"


# --- decisions by reply -----------------------------------------------------------------------------------

def task_address(desk: Desk, request_id: str, stage: str, person: str) -> tuple[str, str]:
    """(Reply-To, Message-ID) of a person's task email: where a reply to it goes."""
    [first, *_] = desk.sent_to(f"{person}@requestflow.example", kind="task", request_id=f"{request_id}.{stage}.")
    return first["reply_to"], first["message_id"]


def reply_to_task(desk: Desk, request_id: str, stage: str, person: str, body: str, *, sender: str | None = None,
                  auth: str | None = None) -> dict:
    address, message_id = task_address(desk, request_id, stage, person)
    sender = sender or f"{person}@requestflow.example"
    headers = PASS.format(address=sender) if auth is None else auth
    raw = mail(sender, f"Re: [#{request_id}] task", body, name=sender.split("@")[0], to=address, headers=headers,
               in_reply_to=message_id)
    return desk.stack.ingest(raw, recipients=[address])


def notices_to(desk: Desk, address: str, request_id: str) -> list[dict]:
    return desk.sent_to(address, kind="taskreply", request_id=request_id)


def test_replies_to_task_emails_decide_in_any_of_the_decision_words(desk, client):
    rid = new_order(desk, "Нам нужно 25 рулонов плёнки в месяц.", "office@sibplast.ru", "Заказ")["ticket"]
    desk.wait_open(rid, "approve", 2)
    assert reply_to_task(desk, rid, "approve", "maria", "Согласовано.\r\nЦена в рамках лимита.")["reason"] is None
    assert reply_to_task(desk, rid, "approve", "olga", "approve\r\n\r\n-- \r\nOlga")["reason"] is None
    assert desk.wait_open(rid, "summarize", 1) == ["sergey"]
    assert reply_to_task(desk, rid, "summarize", "sergey", "同意")["reason"] is None
    assert wait_for(lambda: desk.view(rid)["status"] == "approved")

    decided = {(e["person"], e["decision"], e["via"], e["comment"]) for e in desk.events(rid, "task_decided")}
    assert decided == {("maria", "approve", "email", "Цена в рамках лимита."), ("olga", "approve", "email", None),
                       ("sergey", "approve", "email", None)}
    for person in ("maria", "olga", "sergey"):
        [notice] = notices_to(desk, f"{person}@requestflow.example", rid)
        assert "записано: согласовано" in notice["text"]


def test_a_reply_that_is_not_the_persons_own_or_not_a_decision_changes_nothing_and_is_explained_once(desk, client):
    rid = new_order(desk, "We need 60 rolls a month of 23 micron film.", "purchasing@baltic-cargo.lv",
                    "Order: film")["ticket"]
    desk.wait_open(rid, "approve", 2)
    before = [(t["person"], t["state"]) for t in desk.view(rid)["tasks"]]

    spoofed = "Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=mx.attacker.example; " \
              "dkim=fail header.d=attacker.example; dmarc=fail\r\n"
    assert reply_to_task(desk, rid, "approve", "maria", "согласовано", auth=spoofed)["reason"] == "not_yours"
    assert reply_to_task(desk, rid, "approve", "olga", "approve", sender="ivan@requestflow.example")[
        "reason"] == "not_yours"
    assert reply_to_task(desk, rid, "approve", "olga", "Let me check the stock first.\r\nOlga")[
        "reason"] == "not_understood"
    assert reply_to_task(desk, rid, "approve", "maria", "Посмотрю завтра")["reason"] == "not_understood"

    assert [(t["person"], t["state"]) for t in desk.view(rid)["tasks"]] == before
    assert desk.events(rid, "task_decided") == []
    [spoof_notice, maria_notice] = notices_to(desk, "maria@requestflow.example", rid)
    [ivan_notice] = notices_to(desk, "ivan@requestflow.example", rid)
    for notice in (spoof_notice, ivan_notice):
        assert "другому сотруднику" in notice["text"] and "ничего не изменено" in notice["text"]
    [olga_notice] = notices_to(desk, "olga@requestflow.example", rid)
    for notice in (olga_notice, maria_notice):
        assert "одно из слов: согласовано, отклонено" in notice["text"]
    assert act(client, desk.link(rid, "approve", 1, "maria", "approve")) == 200


# --- a route changed while requests run -----------------------------------------------------------------

def renamed_summary(folder: Path) -> Path:
    """The order route with its director's stage renamed (id and name)."""
    text = Path(DEFAULT_CONFIG).read_text(encoding="utf-8")
    text = edit_stage(text, "order_approval", "summarize", id='"director_review"',
                      name='{ en = "Director\'s review", ru = "Решение директора", zh = "总监审核" }')
    return write_config(folder / "desk.toml", text)


def test_requests_running_on_a_changed_route_finish_on_their_version_and_new_ones_take_the_new(desk, client,
                                                                                                tmp_path):
    old = [new_order(desk, "We need 10 rolls per month.", "a@first.example")["ticket"],
           new_order(desk, "Нужно 20 рулонов в месяц.", "b@second.example", "Заказ")["ticket"]]
    decide(desk, client, old[0], "approve", 2, "approve")
    v1 = {rid: desk.view(rid) for rid in old}
    assert {v["route"]["version"] for v in v1.values()} == {1}

    desk.stack.reconfigure(renamed_summary(tmp_path))
    try:
        new = new_order(desk, "We need 30 rolls per month.", "c@third.example")["ticket"]
        v2 = desk.view(new)
        assert v2["route"]["version"] == 2
        assert [s["id"] for s in v2["route"]["stages"]] == ["approve", "director_review", "acknowledge", "execute"]
        machine = {rid: view["execution"].rsplit(":", 1)[0] for rid, view in {**v1, new: v2}.items()}
        assert machine[old[0]] == machine[old[1]] != machine[new]
        versions = desk.stack.desk.table.route_versions("order_approval")
        assert sorted(int(v["version"]) for v in versions) == [1, 2] and len({v["hash"] for v in versions}) == 2

        for rid in old:
            assert [s["id"] for s in desk.view(rid)["route"]["stages"]] == [
                "approve", "summarize", "acknowledge", "execute"]
        rounds = [[(old[0], "summarize", 1, "approve"), (old[1], "approve", 2, "approve"),
                   (new, "approve", 2, "approve")],
                  [(old[0], "acknowledge", 2, "read"), (old[1], "summarize", 1, "approve")],
                  [(old[0], "execute", 1, "start"), (old[1], "acknowledge", 2, "read")],
                  [(old[1], "execute", 1, "start")]]
        for steps in rounds:
            for rid, stage, people, action in steps:
                decide(desk, client, rid, stage, people, action)
        assert desk.wait_open(new, "director_review", 1) == ["sergey"]

        for rid in old:
            view = wait_for(lambda: (v := desk.view(rid))["status"] == "in_execution" and v)
            assert view and view["route"]["version"] == 1
            assert {t["stage"] for t in view["tasks"]} == {"approve", "summarize", "acknowledge", "execute"}
            assert wait_for(lambda: desk.stack.desk.approvals.machines.status(view["execution"]) == "SUCCEEDED")
        assert desk.view(new)["status"] == "in_approval"
        assert desk.stack.desk.approvals.machines.status(v2["execution"]) == "RUNNING"
    finally:
        desk.stack.reconfigure(DEFAULT_CONFIG)


def test_a_stage_message_delivered_twice_changes_nothing_the_second_time(desk, client):
    rid = new_order(desk, "We need 12 rolls per month.", "twice@depot.example")["ticket"]
    decide(desk, client, rid, "approve", 2, "approve")
    desk.wait_open(rid, "summarize", 1)
    answered = desk.stack.desk.table.stage(rid, "approve", 1)
    view = desk.view(rid)
    body = {"event": "stage", "token": answered["token"], "request_id": rid, "route": "order_approval",
            "version": view["route"]["version"], "stage": "approve",
            "ctx": {"stage": "approve", "cycle": 1, "started": answered["started_at"], "due": answered["due"]}}
    mails = len(desk.sent())
    with aws_tokens(desk, closed=[answered["token"]]):
        assert desk.stack.desk.approvals.on_machine_message(body) == "re-entered"
    assert desk.view(rid)["events"] == view["events"] and len(desk.sent()) == mails
    assert desk.open_tasks(rid, "summarize") == ["sergey"]


def test_a_timer_wake_delivered_twice_reminds_once(desk):
    """SQS may hand the same wake to the handler twice: the approvers get one reminder, not two."""
    rid = new_order(desk, "We need 14 rolls per month.", "wake@depot.example")["ticket"]
    assert desk.wait_open(rid, "approve", 2) == ["maria", "olga"]
    waiting = desk.stack.desk.table.stage(rid, "approve", 1)
    view = desk.view(rid)
    body = {"event": "wake", "token": "wake-token-of-this-test", "request_id": rid, "route": "order_approval",
            "version": view["route"]["version"], "stage": "approve",
            "ctx": {"stage": "approve", "cycle": 1, "started": waiting["started_at"], "due": waiting["due"]}}
    with aws_tokens(desk, closed=[body["token"]]):
        assert desk.stack.desk.approvals.on_machine_message(body) == "remind"
        once = len(desk.sent())
        assert desk.stack.desk.approvals.on_machine_message(body) == "remind"
    assert len(desk.sent()) == once
    reminders = [m for m in desk.sent() if rid.lower() in (m["message_id"] or "") and ".r1." in m["message_id"]]
    assert len(reminders) == 2
    assert [p for p in ("maria", "olga") if any(f"{p}@requestflow.example" in m["to"] for m in reminders)] == [
        "maria", "olga"]
    assert {t["person"]: t["reminders_sent"] for t in desk.view(rid)["tasks"]} == {"maria": 1, "olga": 1}


def test_a_rejection_delivered_twice_opens_one_cycle(desk, client):
    rid = new_order(desk, "We need 15 rolls per month.", "again@depot.example")["ticket"]
    decide(desk, client, rid, "approve", 2, "approve")
    decide(desk, client, rid, "summarize", 1, "reject", comment="not this month")
    assert desk.wait_open(rid, "approve", 2, cycle=2) == ["maria", "olga"]
    rejected = desk.stack.desk.table.stage(rid, "summarize", 1)
    view = desk.view(rid)
    body = {"event": "rejected", "token": rejected["token"], "request_id": rid, "route": "order_approval",
            "version": view["route"]["version"], "stage": "summarize",
            "ctx": {"stage": "summarize", "cycle": 1, "started": rejected["started_at"], "due": rejected["due"]}}
    with aws_tokens(desk, closed=[rejected["token"]]):
        assert desk.stack.desk.approvals.on_machine_message(body) == "back"
    assert [e["cycle"] for e in desk.events(rid, "cycle_started")] == [2]
    assert desk.view(rid)["route"]["cycle"] == 2 and desk.open_tasks(rid, "approve", cycle=2) == ["maria", "olga"]
