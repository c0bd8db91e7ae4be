"""Staff pages over HTTP: sign in by an emailed link, see one's work, open a request, add a note."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from app import app
from chalicelib.core.pages.session import COOKIE_NAME

from .test_staff_answers import PASS, customer_mail, notification_of, staff_reply

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LINK = re.compile(r"https?://\S+/staff/signin/\S+")


@pytest.fixture
def client(desk):
    with Client(app, stage_name="dev") as test_client:
        yield test_client


def path_of(url: str) -> str:
    return urlsplit(url).path


def staff_link(mail: dict) -> str:
    [link] = LINK.findall(mail["text"])
    return link


def sign_in(client, link: str) -> tuple[str, object]:
    """Follow a sign-in link: the cookie header the browser would send from now on, and the answer."""
    answer = client.http.get(path_of(link))
    assert answer.status_code == 303, answer.body
    cookie = answer.headers["Set-Cookie"].split(";", 1)[0]
    return cookie, answer


def text_of(body: bytes) -> str:
    """The page's visible text, tags dropped and whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.decode())).strip()


def csrf_of(body: bytes) -> str:
    return re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()


def once_of(body: bytes) -> str:
    return re.search(rb'name="once" value="([^"]+)"', body).group(1).decode()


def resolve(base: str, location: str) -> str:
    """Where a browser goes for a relative Location."""
    from urllib.parse import urljoin

    return urljoin("http://desk.test" + base, location)[len("http://desk.test"):]


@pytest.fixture
def opened(desk):
    """An English customer's order (assigned to Olga, who reads Russian) and her notification."""
    outcome = desk.receive(customer_mail())
    assert outcome.assignee == "olga"
    return outcome, notification_of(desk, "olga@requestflow.example")


def test_the_assignee_notification_opens_the_request_page_after_signing_in(client, desk, opened):
    outcome, note = opened
    link = staff_link(note)
    assert "Открыть:" in note["text"], "the Russian-speaking assignee's mail labels the link in Russian"
    cookie, answer = sign_in(client, link)
    attributes = [a.strip().lower() for a in answer.headers["Set-Cookie"].split(";")]
    assert {"httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert "secure" not in attributes, "plain http (the local desk) gets no Secure cookie"
    target = resolve(path_of(link), answer.headers["Location"])
    assert target == f"/staff/requests/{outcome.request_id}"
    page = client.http.get(target, headers={"Cookie": cookie})
    assert page.status_code == 200
    shown = text_of(page.body)
    assert '<html lang="ru">' in page.body.decode()
    for expected in (outcome.ticket, "Question: delivery to Rotterdam", "Pieter de Vries",
                     "p.devries@maasvlakte-logistics.nl", "Do you deliver stretch film to Rotterdam?", "Переписка",
                     "История", "Получена", "Назначена", "Olga Smirnova"):
        assert expected in shown, expected
    assert page.headers["Cache-Control"] == "no-store"


def test_a_sign_in_over_https_gets_a_secure_cookie(client, desk, opened):
    link = staff_link(opened[1])
    answer = client.http.get(path_of(link), headers={"X-Forwarded-Proto": "https"})
    assert "secure" in [a.strip().lower() for a in answer.headers["Set-Cookie"].split(";")]


@pytest.mark.parametrize("staff_id, words", [("olga", "Срок действия ссылки для входа истёк"),
                                              ("li", "此登录链接已过期"),
                                              ("olga", "This sign-in link has expired")])
def test_an_expired_link_says_so_in_the_persons_language_and_signs_nobody_in(client, desk, staff_id, words):
    link = desk.service.signin_links.url(staff_id)
    desk.clock.advance(days=8)
    query = "?lang=en" if "This" in words else ""
    answer = client.http.get(path_of(link) + query)
    assert answer.status_code == 410
    assert words in text_of(answer.body)
    assert "Set-Cookie" not in answer.headers
    assert 'name="email"' in answer.body.decode(), "the page offers a new link at once"


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
                                    lambda t: "x" + t, lambda t: "not-a-token", lambda t: t.split(".")[0]])
def test_a_tampered_link_is_refused_with_a_clear_page(client, desk, tamper):
    token = desk.service.signin_links.token("olga")
    answer = client.http.get("/staff/signin/" + tamper(token), headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert answer.status_code == 400
    assert "Ссылка для входа не работает" in text_of(answer.body)
    assert "Set-Cookie" not in answer.headers


def test_a_link_signed_with_another_key_or_for_someone_unknown_signs_nobody_in(client, desk):
    from chalicelib.core.pages.session import SigninLinks

    forged = SigninLinks(b"not the desk's key", "http://desk.test", desk.clock).token("olga")
    assert client.http.get("/staff/signin/" + forged).status_code == 400
    stranger = desk.service.signin_links.token("mallory")
    assert client.http.get("/staff/signin/" + stranger).status_code == 400


@pytest.mark.parametrize("path, location", [("/staff/work", "signin?next=work"),
                                             ("/staff/requests/RF-2611-0001", "../signin?next=requests/RF-2611-0001")])
def test_pages_without_a_valid_session_send_to_sign_in(client, desk, path, location):
    for cookie in (None, f"{COOKIE_NAME}=forged.value.here", "other=1"):
        answer = client.http.get(path, headers={"Cookie": cookie} if cookie else {})
        assert answer.status_code == 303 and answer.headers["Location"] == location


def test_a_session_lasts_twelve_hours(client, desk):
    cookie, _ = sign_in(client, desk.service.signin_links.url("olga"))
    desk.clock.advance(hours=11)
    assert client.http.get("/staff/work", headers={"Cookie": cookie}).status_code == 200
    desk.clock.advance(hours=2)
    assert client.http.get("/staff/work", headers={"Cookie": cookie}).status_code == 303


def test_the_sign_in_page_is_a_plain_form_in_the_browser_language(client, desk):
    for accept, words in (("ru", "Прислать ссылку для входа"), ("zh-CN", "给我发送登录链接"), ("en", "Send me a sign-in link")):
        page = client.http.get("/staff/signin", headers={"Accept-Language": accept})
        assert page.status_code == 200 and words in text_of(page.body)
        assert '<label for="rf-staff-email">' in page.body.decode() and "<script" not in page.body.decode()


def test_asking_for_a_link_emails_one_to_staff_and_answers_strangers_the_same(client, desk):
    asked = client.http.post("/staff/signin?lang=en", headers=FORM, body="email=Ivan%40requestflow.example&next=work")
    stranger = client.http.post("/staff/signin?lang=en", headers=FORM, body="email=ivan%40elsewhere.example&next=work")
    garbage = client.http.post("/staff/signin?lang=en", headers=FORM, body="email=%3Cscript%3E&next=https://evil")
    assert asked.status_code == stranger.status_code == garbage.status_code == 200
    assert asked.body == stranger.body == garbage.body, "nobody learns which addresses are staff"
    [mail] = desk.sent_to("ivan@requestflow.example")
    assert "Ссылка для входа" in mail["subject"]
    assert len(desk.sent()) == 1
    cookie, answer = sign_in(client, staff_link(mail))
    assert answer.headers["Location"] == "../work"
    assert "Ivan Petrov" in text_of(client.http.get("/staff/work", headers={"Cookie": cookie}).body)


def test_links_asked_for_are_limited_per_address(client, desk):
    for _ in range(8):
        client.http.post("/staff/signin", headers=FORM, body="email=li%40requestflow.example")
    assert len(desk.sent_to("li@requestflow.example")) == 5
    desk.clock.advance(hours=1)
    client.http.post("/staff/signin", headers=FORM, body="email=li%40requestflow.example")
    assert len(desk.sent_to("li@requestflow.example")) == 6


def test_a_link_asked_for_from_a_request_page_lands_back_on_it(client, desk, opened):
    outcome = opened[0]
    here = f"requests/{outcome.request_id}"
    form = client.http.get(f"/staff/signin?next={here}")
    assert f'value="{here}"' in form.body.decode()
    client.http.post("/staff/signin", headers=FORM, body=f"email=olga%40requestflow.example&next={here}")
    _, answer = sign_in(client, staff_link(desk.sent_to("olga@requestflow.example")[-1]))
    assert answer.headers["Location"] == f"../{here}"


def test_my_work_lists_my_open_requests_overdue_first_with_their_due_times(client, desk):
    """Round robin gives English orders to Olga, Ivan and Li in turn: Olga gets the 1st, 4th and 7th."""
    outcomes = [desk.receive(customer_mail(f"Order: film {n}", mid=f"<w{n}@x>")) for n in range(3)]
    desk.clock.advance(hours=60)  # 24 business hours from Monday noon in Moscow end on Wednesday at 18:00
    outcomes += [desk.receive(customer_mail(f"Quote: pallets {n}", mid=f"<w{n}@x>")) for n in range(3, 7)]
    assert [o.assignee for o in outcomes] == ["olga", "ivan", "li"] * 2 + ["olga"]
    first, later, resolved = outcomes[0], outcomes[3], outcomes[6]
    desk.receive(staff_reply(notification_of(desk, "olga@requestflow.example"), "olga@requestflow.example",
                             "#resolve\r\nDone.", mid="<r5@requestflow.example>"),
                 [desk.service.reply_addresses.for_staff(resolved.request_id, "olga")])
    assert desk.service.table.get_request(resolved.request_id).status == "resolved"
    cookie, _ = sign_in(client, desk.service.signin_links.url("olga"))
    page = client.http.get("/staff/work?lang=en", headers={"Cookie": cookie})
    body = page.body.decode()
    rows = re.findall(r'<tr class="work-item[^"]*">(.*?)</tr>', body, re.S)
    tickets = [re.search(r"RF-\d{4}-\d{4}", r).group(0) for r in rows]
    assert tickets == [first.ticket, later.ticket], "the overdue one first; Ivan's and the resolved one not at all"
    assert "overdue" in rows[0] and "overdue" not in rows[1]
    assert "first answer" in rows[0] and "2026-11-04 15:00 UTC" in rows[0]
    assert f'href="requests/{first.request_id}"' in rows[0]
    assert '<th scope="col">' in body and "<caption>" in body
    assert "No open tasks." in text_of(page.body)


def test_my_tasks_show_the_open_tasks_of_mine(client, desk, opened):
    outcome = opened[0]
    table = desk.service.table._table
    for person, state, stage in (("olga", "open", "Approve the price"), ("olga", "done", "Old stage"),
                                 ("ivan", "open", "Not mine")):
        table.put_item(Item={"PK": f"REQ#{outcome.request_id}", "SK": f"TASK#{stage}#1#{person}", "type": "task",
                             "GSI3PK": f"TASKS#{person}", "GSI3SK": "2026-11-02T10:00:00.000000Z", "state": state,
                             "request_id": outcome.request_id, "stage_name": stage,
                             "due": "2026-11-02T08:00:00.000000Z", "action_url": f"requests/{outcome.request_id}"})
    cookie, _ = sign_in(client, desk.service.signin_links.url("olga"))
    shown = text_of(client.http.get("/staff/work", headers={"Cookie": cookie}).body)
    assert "Мои задачи" in shown and "Approve the price" in shown
    assert "Old stage" not in shown and "Not mine" not in shown
    assert "просрочено" in shown


def _request_page(client, cookie, request_id, query=""):
    return client.http.get(f"/staff/requests/{request_id}{query}", headers={"Cookie": cookie})


def _post_note(client, cookie, request_id, body):
    return client.http.post(f"/staff/requests/{request_id}/notes", headers={**FORM, "Cookie": cookie}, body=body)


def test_a_note_added_on_the_page_is_kept_as_internal_and_recorded(client, desk, opened):
    outcome = opened[0]
    cookie, _ = sign_in(client, staff_link(opened[1]))
    page = _request_page(client, cookie, outcome.request_id)
    sent_before = len(desk.sent())
    from urllib.parse import quote

    answer = _post_note(client, cookie, outcome.request_id,
                        f"csrf={csrf_of(page.body)}&once={once_of(page.body)}&text={quote('Клиент — дилер, проверить скидку')}")
    assert answer.status_code == 303
    assert resolve(f"/staff/requests/{outcome.request_id}/notes", answer.headers["Location"]).startswith(
        f"/staff/requests/{outcome.request_id}")
    [note] = [m for m in desk.service.table.messages(outcome.request_id) if m["kind"] == "note"]
    assert note["author"] == "olga" and "дилер" in note["text"]
    assert "note_added" in [e["event"] for e in desk.service.table.events(outcome.request_id)]
    assert len(desk.sent()) == sent_before, "a note is sent to nobody"
    again = _request_page(client, cookie, outcome.request_id).body.decode()
    item = re.search(r'<li class="message from-staff internal">(.*?)</li>', again, re.S).group(1)
    assert "дилер" in item and "внутреннее" in item
    assert "Добавлена внутренняя заметка" in text_of(again.encode())


def test_the_same_note_form_sent_twice_keeps_one_note(client, desk, opened):
    outcome = opened[0]
    cookie, _ = sign_in(client, staff_link(opened[1]))
    page = _request_page(client, cookie, outcome.request_id)
    body = f"csrf={csrf_of(page.body)}&once={once_of(page.body)}&text=Call+back+on+Monday"
    _post_note(client, cookie, outcome.request_id, body)
    desk.clock.advance(seconds=3)
    _post_note(client, cookie, outcome.request_id, body)
    assert len([m for m in desk.service.table.messages(outcome.request_id) if m["kind"] == "note"]) == 1


def test_a_note_without_the_right_csrf_token_is_refused_and_changes_nothing(client, desk, opened):
    outcome = opened[0]
    cookie, _ = sign_in(client, staff_link(opened[1]))
    other_cookie, _ = sign_in(client, desk.service.signin_links.url("olga"))
    other_token = csrf_of(_request_page(client, other_cookie, outcome.request_id).body)
    own_token = csrf_of(_request_page(client, cookie, outcome.request_id).body)
    assert other_token != own_token, "each session has its own token"
    for body in ("text=Sneaky", "csrf=&text=Sneaky", f"csrf={other_token}&text=Sneaky",
                 f"csrf={own_token[:-1]}{'1' if own_token.endswith('0') else '0'}&text=Sneaky", f"csrf={own_token.upper()}x&text=Sneaky"):
        answer = _post_note(client, cookie, outcome.request_id, body)
        assert answer.status_code == 403, body
        assert "Форма устарела" in text_of(answer.body)
    assert [m for m in desk.service.table.messages(outcome.request_id) if m["kind"] == "note"] == []
    assert "note_added" not in [e["event"] for e in desk.service.table.events(outcome.request_id)]


def test_a_note_posted_without_a_session_goes_to_sign_in(client, desk, opened):
    outcome = opened[0]
    answer = _post_note(client, "", outcome.request_id, "csrf=x&text=Hello")
    assert answer.status_code == 303
    assert resolve(f"/staff/requests/{outcome.request_id}/notes", answer.headers["Location"]) == \
        f"/staff/signin?next=requests/{outcome.request_id}"


def test_the_request_page_marks_unverified_mail_and_links_attachments_for_five_minutes(client, desk, opened):
    outcome, note = opened
    desk.receive(staff_reply(note, "olga@requestflow.example", "#resolve\r\nRefund approved.", auth="",
                             mid="<spoof@x>"), [str(note["message"]["Reply-To"])])
    desk.receive(staff_reply(note, "olga@requestflow.example", "Our price list.", auth=PASS, mid="<s9@x>",
                             attachment=("Прайс 2026.pdf", b"%PDF-1.4 price " * 40)),
                 [str(note["message"]["Reply-To"])])
    cookie, _ = sign_in(client, staff_link(note))
    body = _request_page(client, cookie, outcome.request_id, "?lang=en").body.decode()
    spoof = re.search(r'<li class="message from-unverified unverified">(.*?)</li>', body, re.S).group(1)
    assert "Refund approved." in spoof and "unverified" in spoof
    [url] = re.findall(r'<a href="([^"]+)" download="Прайс 2026.pdf">', body)
    query = parse_qs(urlsplit(url.replace("&amp;", "&")).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "Answer to the customer" in body and "Automatic acknowledgement to the customer" in body
    assert "Notification to staff" in body


def test_the_request_page_is_in_the_persons_language_unless_asked_otherwise(client, desk):
    outcome = desk.receive(customer_mail("求购：缠绕膜 500 毫米", "您好，我们每月需要 40 卷缠绕膜，请报价。\r\n", "<zh1@x>"))
    assert outcome.assignee == "li"
    cookie, _ = sign_in(client, staff_link(notification_of(desk, "li@requestflow.example")))
    assert '<html lang="zh">' in _request_page(client, cookie, outcome.request_id).body.decode()
    assert '<html lang="ru">' in _request_page(client, cookie, outcome.request_id, "?lang=ru").body.decode()


def test_a_missing_request_is_a_404_page_for_a_signed_in_person(client, desk):
    cookie, _ = sign_in(client, desk.service.signin_links.url("sergey"))
    answer = _request_page(client, cookie, "RF-2611-9999")
    assert answer.status_code == 404 and "Заявки RF-2611-9999 нет." in text_of(answer.body)


def test_a_request_on_a_route_shows_its_map_analysis_and_the_managers_actions(client, desk):
    order = desk.receive(customer_mail("Order: stretch film 500 mm", "We order 40 rolls per month.\r\n",
                                       "<order1@maasvlakte>"))
    assert desk.service.table.get_request(order.request_id).status == "in_approval"
    manager = desk.service.config.department("sales").manager
    cookie, _ = sign_in(client, desk.service.signin_links.url(manager))
    body = _request_page(client, cookie, order.request_id, "?lang=en").body.decode()
    assert '<svg' in body and 'role="img"' in body and "Approve the order" in body
    assert "id=\"rf-analysis\"" in body and "No one has been asked to act yet." in body
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', body[body.index("rf-actions"):], re.S)
    assert "route?do=force_complete" in form.group(1) and 'name="csrf"' in form.group(2)
    question = _request_page(client, cookie, _a_question(desk), "?lang=en").body.decode()
    assert "<svg" not in question and "rf-actions" not in question


def _a_question(desk) -> str:
    return desk.receive(customer_mail(mid="<q2@maasvlakte>")).request_id


def test_the_request_page_never_shows_a_working_sign_in_link_of_a_colleague(client, desk, opened):
    outcome, note = opened
    token = path_of(staff_link(note)).rsplit("/", 1)[1]
    cookie, _ = sign_in(client, desk.service.signin_links.url("sergey"))
    body = _request_page(client, cookie, outcome.request_id).body.decode()
    assert "Уведомление сотруднику" in body, "Olga's notification is on the page"
    assert token not in body and "/staff/signin/…" in body
