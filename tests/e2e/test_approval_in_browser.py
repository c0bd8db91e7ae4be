"""An order through its approval route, acted on from the links in the outbox, in a real browser."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from .desk import get_json, post_mail, wait_until


STAGE_NAMES = {"approve": ("Согласование заказа", "Approve the order", "审批订单"),
               "summarize": ("Подведение итогов", "Summarize the approval", "审批汇总"),
               "acknowledge": ("Ознакомление", "Acknowledge the results", "知悉审批结果"),
               "execute": ("Начало исполнения", "Start execution", "开始执行")}
"""The stages' names in the subjects of task emails, in each staff language."""


def _task_link(desk_url: str, person: str, ticket: str, stage: str, action: str = "approve") -> str:
    """The first action link in `person`'s task email of `stage` for `ticket`."""
    def find():
        mails = [m for m in get_json(f"{desk_url}/_local/outbox")
                 if any(f"{person}@" in to for to in m["to"]) and ticket in m["subject"]
                 and any(name in m["subject"] for name in STAGE_NAMES[stage]) and "/act/" in (m["text"] or "")]
        if not mails:
            return None
        links = [link for link in mails[-1]["links"] if "/act/" in link]
        return links[1 if action == "reject" else 0] if links else None
    return wait_until(find, f"{person}'s task mail for {ticket}")


def _stages(desk_url: str, ticket: str) -> dict[str, str]:
    route = get_json(f"{desk_url}/_local/requests/{ticket}")["route"]
    return {s["id"]: s["state"] for s in route["stages"]}


def test_approvers_act_from_their_links_and_the_route_map_follows(desk_url, page):
    customer = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    raw = (f"From: Buyer <{customer}>\r\nTo: desk@requestflow.example\r\nSubject: Order stretch film\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "We would like to order 40 rolls per month of stretch film 23 micron.\r\n").encode()
    ticket = post_mail(desk_url, raw)["ticket"]
    wait_until(lambda: _stages(desk_url, ticket)["approve"] == "active", "the approve stage")

    link = _task_link(desk_url, "maria", ticket, "approve")
    before = get_json(f"{desk_url}/_local/requests/{ticket}")
    page.goto(link)
    expect(page.get_by_role("button")).to_be_visible()
    assert get_json(f"{desk_url}/_local/requests/{ticket}") == before, "opening a link changes nothing"
    page.get_by_label(re.compile("Comment|Комментарий|备注")).fill("Prices checked.")
    page.get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Thank you|Спасибо|谢谢"))

    assert page.request.get(link).status == 409, "a used link shows why it does nothing"
    used = page.request.post(link, form={"comment": "again"})
    assert used.status == 409, "a used link decides nothing"

    page.goto(_task_link(desk_url, "olga", ticket, "approve"))
    page.get_by_role("button").click()
    wait_until(lambda: _stages(desk_url, ticket)["summarize"] == "active", "the summarize stage")
    assert _stages(desk_url, ticket)["approve"] == "done"
    _the_map_shows(page, desk_url, ticket, done=1, active=1)
    [ack] = [m for m in get_json(f"{desk_url}/_local/outbox") if customer in m["to"]][:1]
    page.goto(next(link for link in ack["links"] if "/status/" in link))
    expect(page.get_by_text("Approval: step 2 of 4, “Summarize the approval”, is in progress.")).to_be_visible()

    page.goto(_task_link(desk_url, "sergey", ticket, "summarize"))
    page.get_by_role("button").click()
    wait_until(lambda: get_json(f"{desk_url}/_local/requests/{ticket}")["status"] == "approved", "approved")
    assignee = get_json(f"{desk_url}/_local/requests/{ticket}")["assignee"]
    for person in dict.fromkeys((assignee, "maria")):
        page.goto(_task_link(desk_url, person, ticket, "acknowledge"))
        page.get_by_role("button").click()
    wait_until(lambda: _stages(desk_url, ticket)["execute"] == "active", "the execute stage")
    page.goto(_task_link(desk_url, assignee, ticket, "execute"))
    page.get_by_role("button").click()
    wait_until(lambda: get_json(f"{desk_url}/_local/requests/{ticket}")["status"] == "in_execution", "in execution")
    assert set(_stages(desk_url, ticket).values()) == {"done"}
    _the_map_shows(page, desk_url, ticket, done=4, active=0)

    told = [m["subject"] for m in get_json(f"{desk_url}/_local/outbox") if customer in m["to"]]
    assert len(told) >= 2, "the acknowledgement and the window's status update (later ones wait for the next window)"


def _the_map_shows(page, desk_url: str, ticket: str, *, done: int, active: int) -> None:
    """The request's staff page, opened from the assignee's notification, draws the route's states."""
    assignee = get_json(f"{desk_url}/_local/requests/{ticket}")["assignee"]
    [notice] = [m for m in get_json(f"{desk_url}/_local/outbox") if any(f"{assignee}@" in to for to in m["to"])
                and ticket in m["subject"] and any("/staff/signin/" in link for link in m["links"])][:1]
    page.goto(next(link for link in notice["links"] if "/staff/signin/" in link))
    route_map = page.get_by_role("img", name=re.compile("Route map|Карта маршрута|路线图"))
    expect(route_map).to_be_visible()
    text = route_map.text_content()
    # The map's description says each stage's state in words ("2. Summarize the approval: In progress;").
    assert len(re.findall(r"(?:Done|Выполнен|已完成)[;.；。]", text)) == done, text
    assert len(re.findall(r"(?:In progress|Выполняется|进行中)[;.；。]", text)) == active, text
