"""`rf demo`: the whole desk on the embedded stack with sample mail and form posts."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .stack import EmbeddedStack

FORM_POSTS = [
    {"name": "Анна Соколова", "email": "anna.sokolova@example.ru", "subject": "Стрейч-плёнка для паллет",
     "message": "Нужна стрейч-плёнка 23 мкм, 500 мм. Пришлите, пожалуйста, цену.", "category": "order",
     "fact_monthly_need": "60 рулонов в месяц", "lang": "ru"},
    {"name": "John Carter", "email": "john.carter@example.com", "subject": "Do you ship to Ireland?",
     "message": "Hello, do you deliver shrink film to Dublin and how long does it take?", "lang": "en"},
    {"name": "Mark Evans", "email": "mark.evans@example.co.uk", "subject": "Invoice copy",
     "message": "Could you send a copy of invoice INV-30311, please?", "category": "documents", "lang": "en"},
]


DEMO_ORDER = (
    "From: Pieter de Vries <p.devries@maasvlakte-logistics.nl>\r\nTo: desk@requestflow.example\r\n"
    "Subject: Order: stretch film for our Rotterdam warehouse\r\n"
    "Message-ID: <demo-route-order@maasvlakte-logistics.nl>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Hello,\r\n\r\nWe would like to order stretch film, 23 micron, 500 mm: about 40 rolls per month,\r\n"
    "delivered to our Rotterdam warehouse. Please send us your price.\r\n\r\nPieter de Vries\r\n"
).encode()
"""The order the demo runs through its approval route: it states its monthly need, so its route starts."""

STAGE_TIMEOUT = 30.0
"""Wall seconds a route walk waits for the next stage's tasks and mail before it gives up."""


class RouteWalkStuck(Exception):
    """The route did not move on within STAGE_TIMEOUT: its tasks or task mail never came."""


@dataclass(frozen=True)
class StageDecided:
    stage: str
    cycle: int
    decisions: tuple[tuple[str, str], ...]
    """(person, action) in the order they acted; people whose task the stage closed are left out."""


Decide = Callable[[str, int, str, tuple[str, ...]], str]
"""(stage, cycle, person, the actions their links offer) → the action they take."""


def approve_everything(stage: str, cycle: int, person: str, actions: tuple[str, ...]) -> str:
    from chalicelib.core.routes.model import POSITIVE

    return next(a for a in actions if a in POSITIVE)


def task_links(stack: EmbeddedStack, request_id: str) -> dict[tuple[str, int, str], dict[str, str]]:
    """The action links of the request's tasks as the outbox shows them: (stage, cycle, person) →
    action → URL, from the newest mail that carries them (what the person would click)."""
    from chalicelib.core.routes.links import BadLink

    links, now = stack.desk.approvals.links, stack.clock.now()
    found: dict[tuple[str, int, str], dict[str, str]] = {}
    for mail in reversed(stack.sent_mail()):
        in_mail: dict[tuple[str, int, str], dict[str, str]] = {}
        for url in mail.get("links") or []:
            path = urllib.parse.urlsplit(url).path
            if not path.startswith("/act/"):
                continue
            try:
                action = links.read(path.removeprefix("/act/"), now)
            except BadLink:
                continue
            if action.request_id == request_id:
                in_mail.setdefault((action.stage, action.cycle, action.person), {})[action.action] = url
        for task, urls in in_mail.items():
            found.setdefault(task, urls)
    return found


def waiting_stages(stack: EmbeddedStack, request_id: str) -> list[tuple[dict, dict[str, dict[str, str]]]]:
    """The stages waiting for people whose every task is open and mailed: (stage item, person → links)."""
    view = stack.request_json(request_id)
    mailed = task_links(stack, request_id)
    ready = []
    for item in view["stages"]:
        if item["state"] != "waiting":
            continue
        stage, cycle = item["stage"], int(item["cycle"])
        opened = {t["person"] for t in view["tasks"] if (t["stage"], t["cycle"]) == (stage, cycle)}
        links = {p: mailed.get((stage, cycle, p), {}) for p in item["people"]}
        if opened >= set(item["people"]) and all(links.values()):
            ready.append((item, links))
    return ready


def wait_for_stage(stack: EmbeddedStack, request_id: str, timeout: float = STAGE_TIMEOUT):
    """The first stage that waits for people, once its tasks are open and mailed."""
    deadline = time.monotonic() + timeout
    while not (ready := waiting_stages(stack, request_id)):
        if time.monotonic() > deadline:
            raise RouteWalkStuck(f"{request_id}: no stage waits for people after {timeout:.0f} s")
        time.sleep(0.1)
    return ready[0]


def walk_route(stack: EmbeddedStack, request_id: str, click: Callable[[str], None],
               decide: Decide = approve_everything, on_stage: Callable[[StageDecided], None] | None = None,
               timeout: float = STAGE_TIMEOUT) -> list[StageDecided]:
    """Decide every stage of the request's route through its people's action links, stage by stage as
    the state machine opens them, until the execution ends. `click(url)` opens the link's confirmation
    page and confirms it, as the person would."""
    machines, table = stack.desk.approvals.machines, stack.desk.table
    arn = stack.request_json(request_id)["execution"]
    steps: list[StageDecided] = []
    deadline = time.monotonic() + timeout
    while machines.status(arn) == "RUNNING":
        ready = waiting_stages(stack, request_id)
        for item, links in ready:
            stage, cycle = item["stage"], int(item["cycle"])
            decisions = []
            for person in item["people"]:
                if (table.stage(request_id, stage, cycle) or {}).get("state") != "waiting":
                    break
                action = decide(stage, cycle, person, tuple(links[person]))
                click(links[person][action])
                decisions.append((person, action))
            step = StageDecided(stage, cycle, tuple(decisions))
            steps.append(step)
            if on_stage:
                on_stage(step)
            deadline = time.monotonic() + timeout
        if not ready:
            if time.monotonic() > deadline:
                raise RouteWalkStuck(f"{request_id}: the route did not move on after {timeout:.0f} s "
                                     f"(decided so far: {[(s.stage, s.cycle) for s in steps]})")
            time.sleep(0.1)
    return steps


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return {"error": exc.read().decode("utf-8", "replace"), "status": exc.code}


def _feed_mail(stack: EmbeddedStack, corpus: Path) -> list[tuple[str, dict]]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    results: list[tuple[str, dict]] = []
    by_file: dict[str, dict] = {}
    ordered = sorted((e for e in manifest if e.get("file")), key=lambda e: e["kind"] == "reply")
    for entry in ordered:
        raw = (corpus / entry["file"]).read_bytes()
        original = by_file.get(entry["expect"].get("reply_to_file") or "")
        if entry.get("template"):
            if not original or not original.get("ticket"):
                continue
            for placeholder, value in (("{{ticket}}", original["ticket"]),
                                       ("{{ack_message_id}}", original.get("ack_message_id") or ""),
                                       ("{{reply_to}}", original.get("reply_to") or "")):
                raw = raw.replace(placeholder.encode(), value.encode())
        outcome = stack.ingest(raw)
        by_file[entry["file"]] = outcome
        results.append((entry["file"], outcome))
    return results


def run_demo(args) -> int:
    from .server import DeskServer

    corpus: Path = args.corpus
    if not (corpus / "manifest.json").is_file():
        print(f"sample mail not found in {corpus} (use --corpus DIR)")
        return 2
    port = args.port
    stack = EmbeddedStack(time_scale=args.time_scale, config_path=args.config,
                          public_url=f"http://127.0.0.1:{port}").start()
    server = DeskServer(stack, port).start_background()
    try:
        print(f"feeding sample mail from {corpus} …", flush=True)
        rows = _feed_mail(stack, corpus)
        for post in FORM_POSTS:
            answer = _post_json(f"{server.url}/requests", post)
            rows.append((f"form: {post['subject']}", {"outcome": "created" if "ticket" in answer else "rejected",
                                                     "ticket": answer.get("ticket"),
                                                     "reason": answer.get("error")}))
        _print_table(stack, rows)
        print(f"\n{len(stack.sent_mail())} emails in the outbox.")
        show_route(stack, server.url, walk=args.route_demo)
        if args.once:
            print("--once: stopped after the feed; run `make demo` or `./rf demo` to keep the desk serving.")
            return 0
        print(f"Open:\n  form:    {server.url}/form\n  outbox:  {server.url}/_local/outbox.html"
              f"  (JSON: {server.url}/_local/outbox)\n  clock:   {server.url}/_local/clock\n"
              f"  more mail: ./rf ingest --to {server.url} FILE.eml", flush=True)
        _print_manager_links(stack, server.url)
        stack.pump()
        print("serving until Ctrl-C", flush=True)
        import threading

        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        stack.stop()
    return 0


def click(url: str) -> None:
    """What a person does with an action link: open its confirmation page, then confirm."""
    with urllib.request.urlopen(url, timeout=30) as page:
        page.read()
    form = urllib.request.Request(url, data=b"comment=", method="POST",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(form, timeout=30) as answer:
        answer.read()


def show_route(stack: EmbeddedStack, base_url: str, walk: bool = False) -> None:
    """One order through its approval route: its ticket, the route, and where to click. With `walk`,
    every stage is then decided through its links and each step printed."""
    outcome = stack.ingest(DEMO_ORDER)
    request_id = outcome["request_id"]
    route = stack.request_json(request_id)["route"]
    print(f"\nOne order through its approval route: {outcome['ticket']} ({outcome['subject']})")
    if route is None:
        print(f"  no route started: the request is {outcome.get('status')}")
        return
    names = {s["id"]: s["name"] for s in route["stages"]}
    print(f"  route:  {route['name']} v{route['version']}: " + " → ".join(names.values()))
    item, links = wait_for_stage(stack, request_id)
    staff = stack.desk.config.staff_member
    print(f"Where to click (each link opens a confirmation page; confirming decides the task):\n"
          f"  stage «{names[item['stage']]}» waits for " + ", ".join(staff(p).name for p in links) + ":")
    for person, urls in links.items():
        for action, url in urls.items():
            print(f"  {staff(person).name:<20} {action:<8} {url}")
    print(f"  request JSON:  {base_url}/_local/requests/{request_id}\n  outbox:        {base_url}/_local/outbox.html",
          flush=True)
    if not walk:
        return
    print("--route-demo: every task approved through its link:")

    def shown(step: StageDecided) -> None:
        view = stack.request_json(request_id)
        decided = ", ".join(f"{staff(p).name} {a}" for p, a in step.decisions)
        print(f"  {names[step.stage]} (cycle {step.cycle}): {decided} → request {view['status']}", flush=True)

    walk_route(stack, request_id, click, on_stage=shown)
    view = stack.request_json(request_id)
    states = ", ".join(f"{s['name']} {s['state']}" for s in view["route"]["stages"])
    print(f"  route ended: {view['route_result']}; request {view['status']}; stages: {states}")


def _print_table(stack: EmbeddedStack, rows: list[tuple[str, dict]]) -> None:
    header = ("source", "ticket", "outcome", "category", "lang", "assignee")
    table = [header]
    for source, outcome in rows:
        ticket = outcome.get("ticket") or "-"
        request = stack.desk.table.get_request(ticket) if outcome.get("ticket") else None
        table.append((
            source[:52], ticket,
            outcome.get("outcome", "?") + (f" ({outcome['reason']})" if outcome.get("reason") else ""),
            outcome.get("category") or (request.category if request else "-"),
            outcome.get("language") or (request.language if request else "-"),
            outcome.get("assignee") or (request.assignee if request else "-"),
        ))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _print_manager_links(stack, url: str) -> None:
    """Where a manager looks: the board and the week's digest (sign-in links for the first digest
    recipient), and the commands that read the running desk."""
    config = stack.desk.config
    manager = config.digests[0].manager if config.digests else config.departments[0].manager
    links = stack.desk.signin_links
    print(f"  board ({manager}):  {links.url(manager, 'board')}\n"
          f"  digest ({manager}): {links.url(manager, 'digest?period=week')}\n"
          f"  in a terminal: ./rf digest --to {url} · ./rf export events --to {url} · ./rf outbox --to {url}",
          flush=True)
