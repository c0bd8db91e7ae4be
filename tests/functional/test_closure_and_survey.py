"""Closure and the survey: what a customer and a manager see after a request is resolved, and what the
desk closes by itself."""
from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from chalice.test import Client

from app import app

from .test_staff_answers import CUSTOMER, customer_mail, notification_of, staff_reply
from .test_staff_pages import sign_in, text_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SURVEY_LINK = re.compile(r"https?://\S+/survey/[^\s?]+\?score=[1-5]")
RUSSIAN = ("Здравствуйте!\r\n\r\nПодскажите, пожалуйста, сроки доставки стретч-плёнки на наш склад в Казани и "
           "стоимость доставки.\r\n\r\nПётр\r\n")


@pytest.fixture
def client(desk):
    with Client(app, stage_name="dev") as test_client:
        yield test_client


def open_request(desk, body=None, subject="Question: delivery to Rotterdam"):
    outcome = desk.receive(customer_mail(subject, body) if body else customer_mail(subject))
    assert outcome.outcome == "created"
    staff = str(desk.service.config.staff_member(outcome.assignee).email)
    return outcome, staff


def reply_as_staff(desk, outcome, staff, text, mid):
    note = notification_of(desk, staff)
    result = desk.receive(staff_reply(note, staff, text, mid=mid), [str(note["message"]["Reply-To"])])
    assert result.author == "staff"
    return result


def resolve(desk, body=None, subject="Question: delivery to Rotterdam"):
    outcome, staff = open_request(desk, body, subject)
    result = reply_as_staff(desk, outcome, staff, "#resolve\r\nThe film ships tomorrow morning.", "<s1@requestflow.example>")
    assert result.staff_action == "resolved"
    return outcome, staff


def surveys(desk):
    return [m for m in desk.sent_to(CUSTOMER) if SURVEY_LINK.search(m["text"])]


def links_of(mail) -> list[str]:
    return SURVEY_LINK.findall(mail["text"])


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def events(desk, request_id, name=None):
    found = desk.service.table.events(request_id)
    return [e for e in found if e["event"] == name] if name else found


def post(client, link, **fields):
    return client.http.post(urlsplit(link).path, headers=FORM, body=urlencode(fields))


def customer_writes_again(desk, outcome, text="It has not arrived yet.", mid="<c2@maasvlakte>"):
    answer = [m for m in desk.sent_to(CUSTOMER) if "answer" in m["message_id"]][-1]
    back = customer_mail("Re: " + answer["subject"], text + "\r\n", mid, f"In-Reply-To: {answer['message_id']}\r\n")
    return desk.receive(back, [outcome.reply_to])


def run_schedule(client):
    return client.lambda_.invoke("close_and_survey", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload


# --- the survey mail -----------------------------------------------------------------------------------

def test_resolving_sends_the_customer_one_survey_with_five_links_in_their_language(desk):
    outcome, staff = resolve(desk, RUSSIAN, "Вопрос о доставке")
    [survey] = surveys(desk)
    assert "Как мы справились?" in survey["html"] and "Насколько вы довольны" in survey["text"]
    assert [link[-1] for link in links_of(survey)] == ["1", "2", "3", "4", "5"]
    assert len({link.rsplit("?", 1)[0] for link in links_of(survey)}) == 1, "one signed link, five scores"
    assert f"[#{outcome.ticket}]" in survey["subject"]
    assert survey["message"]["In-Reply-To"] == "<c1@maasvlakte>", "in the customer's thread"
    assert len(events(desk, outcome.request_id, "survey_sent")) == 1

    note = notification_of(desk, staff)
    desk.receive(staff_reply(note, staff, "#resolve\r\nThe film ships tomorrow morning.", mid="<s1@requestflow.example>"),
                 [str(note["message"]["Reply-To"])])
    assert len(surveys(desk)) == 1, "the same resolution delivered twice asks once"


def test_a_customer_in_another_language_gets_the_survey_in_english(desk):
    body = "Guten Tag,\r\n\r\nliefern Sie Stretchfolie nach Rotterdam? Wir brauchen 40 Rollen.\r\n"
    resolve(desk, body, "Frage zur Lieferung")
    [survey] = surveys(desk)
    assert "How satisfied are you" in survey["text"] and "Very satisfied" in survey["text"]


# --- the survey page -----------------------------------------------------------------------------------

def test_opening_every_survey_link_records_nothing(desk, client):
    outcome, _ = resolve(desk, RUSSIAN, "Вопрос о доставке")
    before = events(desk, outcome.request_id)
    for link in links_of(surveys(desk)[0]):
        page = client.http.get(path(link))
        assert page.status_code == 200
        html = page.body.decode()
        score = link[-1]
        assert '<html lang="ru">' in html and "<legend>" in html and 'type="radio"' in html
        assert re.search(rf'value="{score}" checked', html), "the clicked score is chosen"
        assert len(re.findall(r" checked", html)) == 1
        assert '<label for="comment">' in html and "<button" in html
    assert desk.service.table.survey_answer(outcome.request_id) is None
    assert events(desk, outcome.request_id) == before


def test_the_answer_is_recorded_once_and_a_second_is_refused_politely(desk, client):
    outcome, _ = resolve(desk)
    links = links_of(surveys(desk)[0])
    thanks = post(client, links[4], score="5", comment="Quick and friendly, thank you.")
    assert thanks.status_code == 200 and "Thank you!" in thanks.body.decode()
    [answered] = events(desk, outcome.request_id, "survey_answered")
    assert answered["score"] == 5 and answered["comment"] == "Quick and friendly, thank you."

    again = post(client, links[0], score="1", comment="changed my mind")
    assert again.status_code == 409
    assert "You have already answered" in again.body.decode() and "Very satisfied" in again.body.decode()
    assert desk.service.table.survey_answer(outcome.request_id)["score"] == 5, "the first answer stays"
    assert len(events(desk, outcome.request_id, "survey_answered")) == 1
    assert events(desk, outcome.request_id, "low_rating_alerted") == []
    reopened = client.http.get(path(links[2]))
    assert reopened.status_code == 200 and "You have already answered" in reopened.body.decode()
    assert "<form" not in reopened.body.decode()


def test_a_post_without_a_score_shows_the_form_again_and_records_nothing(desk, client):
    outcome, _ = resolve(desk)
    answer = post(client, links_of(surveys(desk)[0])[3], comment="forgot to choose")
    assert answer.status_code == 400
    html = answer.body.decode()
    assert "Please choose one of the five answers." in html and "forgot to choose" in html
    assert desk.service.table.survey_answer(outcome.request_id) is None


def test_a_tampered_link_shows_a_clear_page_in_english_and_russian_and_records_nothing(desk, client):
    outcome, _ = resolve(desk)
    link = links_of(surveys(desk)[0])[4]
    token = urlsplit(link).path.rsplit("/", 1)[1]
    forged = ("X" if token[0] != "X" else "Y") + token[1:]
    page = client.http.get(f"/survey/{forged}?score=5")
    assert page.status_code == 400
    assert "This link is not valid" in page.body.decode() and "Ссылка недействительна" in page.body.decode()
    assert post(client, f"http://desk.test/survey/{forged}", score="5").status_code == 400
    assert desk.service.table.survey_answer(outcome.request_id) is None


def test_an_expired_link_says_so_in_the_customers_language(desk, client, clock):
    outcome, _ = resolve(desk, RUSSIAN, "Вопрос о доставке")
    link = links_of(surveys(desk)[0])[3]
    clock.advance(days=desk.service.config.survey.link_days + 1)
    page = client.http.get(path(link))
    assert page.status_code == 410 and "Опрос завершён" in page.body.decode()
    assert post(client, link, score="4").status_code == 410
    assert desk.service.table.survey_answer(outcome.request_id) is None


def test_a_low_rating_emails_the_department_manager_with_the_score_the_comment_and_a_link(desk, client):
    outcome, _ = resolve(desk)
    request = desk.service.table.get_request(outcome.request_id)
    manager = desk.service.config.staff_member(desk.service.config.department(request.department).manager)
    answer = post(client, links_of(surveys(desk)[0])[1], score="2", comment="The delivery was two days late.")
    assert answer.status_code == 200
    [alert] = [m for m in desk.sent_to(str(manager.email)) if outcome.ticket in m["subject"] and "2/5" in m["subject"]]
    assert "The delivery was two days late." in alert["text"]
    assert "/staff/signin/" in alert["text"], "a link to the request's staff page"
    [alerted] = events(desk, outcome.request_id, "low_rating_alerted")
    assert alerted["score"] == 2 and alerted["manager"] == manager.id

    [link] = re.findall(r"https?://\S+/staff/signin/\S+", alert["text"])
    cookie, landed = sign_in(client, link)
    page = client.http.get(f"/staff/requests/{outcome.request_id}", headers={"Cookie": cookie})
    assert landed.headers["Location"].endswith(f"requests/{outcome.request_id}")
    assert "2/5: “The delivery was two days late.”" in text_of(page.body), "the request's page shows the rating"


def test_a_high_rating_alerts_nobody(desk, client):
    outcome, _ = resolve(desk)
    before = len(desk.sent())
    assert post(client, links_of(surveys(desk)[0])[2], score="3").status_code == 200
    assert len(desk.sent()) == before and events(desk, outcome.request_id, "low_rating_alerted") == []


# --- reopening and closing -----------------------------------------------------------------------------

def test_a_reply_within_the_reopen_days_reopens_the_request(desk, clock):
    outcome, _ = resolve(desk)
    clock.advance(days=desk.service.config.closure.reopen_days - 1)
    result = customer_writes_again(desk, outcome)
    assert result.status == "open"
    [reopened] = events(desk, outcome.request_id, "reopened")
    assert reopened["by"] == "customer"
    assert [(e["from"], e["to"]) for e in events(desk, outcome.request_id, "status_changed")][-1] == ("resolved", "open")


def test_resolved_requests_are_closed_after_the_reopen_days_and_a_later_reply_opens_a_follow_up(desk, client, clock):
    outcome, _ = resolve(desk)
    clock.advance(days=desk.service.config.closure.reopen_days - 1)
    run_schedule(client)
    assert desk.service.table.get_request(outcome.request_id).status == "resolved"
    clock.advance(days=2)
    assert run_schedule(client)["closed_resolved"] == 1
    assert desk.service.table.get_request(outcome.request_id).status == "closed"
    [closed] = [e for e in events(desk, outcome.request_id, "status_changed") if e["to"] == "closed"]
    assert closed["by"] == "desk" and closed["reason"] == "resolved"
    assert [m for m in desk.sent_to(CUSTOMER) if "closed" in m["message_id"]] == [], "a resolved request closes quietly"
    follow_up = customer_writes_again(desk, outcome, "The next delivery has not arrived either.")
    assert follow_up.outcome == "created" and follow_up.request_id != outcome.request_id
    assert desk.service.table.get_request(outcome.request_id).status == "closed", "the finished request stays"
    assert desk.service.table.get_request(follow_up.request_id).follow_up_of == outcome.request_id
    assert desk.service.table.get_request(follow_up.request_id).subject == "Question: delivery to Rotterdam", \
        "the old ticket's tag and the reply prefixes are not the new request's subject"
    [received] = events(desk, follow_up.request_id, "received")
    assert received["follow_up_of"] == outcome.request_id
    assigned = [m for m in desk.sent() if follow_up.ticket in m["subject"] and m["to"] != [CUSTOMER]]
    assert any(f"по закрытой заявке {outcome.ticket}" in m["text"] for m in assigned), "the assignee hears of the old one"
    cookie, _ = sign_in(client, desk.service.signin_links.url(follow_up.assignee))
    page = client.http.get(f"/staff/requests/{follow_up.request_id}", headers={"Cookie": cookie}).body
    assert f'<a href="{outcome.request_id}">{outcome.request_id}</a>' in page.decode(), "the page links the old one"
    ack = [m for m in desk.sent_to(CUSTOMER) if follow_up.ticket in m["subject"]]
    assert ack, "the customer is told the new request's number"
    again = customer_writes_again(desk, follow_up, "Any news?", mid="<c3@maasvlakte>")
    assert (again.outcome, again.request_id) == ("threaded", follow_up.request_id), \
        "a reply to the follow-up's mail joins the follow-up"


def test_a_reply_long_after_the_resolution_opens_a_follow_up_before_the_desk_closed_it(desk, clock):
    outcome, _ = resolve(desk)
    clock.advance(days=desk.service.config.closure.reopen_days + 1)
    result = customer_writes_again(desk, outcome, "Same question for the next order, please.")
    assert result.outcome == "created" and result.request_id != outcome.request_id
    assert desk.service.table.get_request(outcome.request_id).status == "resolved"
    assert not events(desk, outcome.request_id, "reopened")


def test_staff_writing_on_a_closed_request_adds_to_it(desk, client, clock):
    outcome, staff = resolve(desk)
    clock.advance(days=desk.service.config.closure.reopen_days + 1)
    assert run_schedule(client)["closed_resolved"] == 1
    result = reply_as_staff(desk, outcome, staff, "#note\r\nCustomer called, all fine.", "<s9@requestflow.example>")
    assert result.request_id == outcome.request_id
    assert desk.service.table.get_request(outcome.request_id).status == "closed"


def test_a_request_waiting_on_the_customer_is_closed_once_with_a_notice_even_with_two_runs(desk, client, clock):
    outcome, staff = open_request(desk)
    reply_as_staff(desk, outcome, staff, "Which address should we deliver to?", "<s1@requestflow.example>")
    assert desk.service.table.get_request(outcome.request_id).status == "waiting_customer"
    days = desk.service.config.closure.waiting_customer_days
    clock.advance(days=days - 1)
    run_schedule(client)
    assert desk.service.table.get_request(outcome.request_id).status == "waiting_customer"

    clock.advance(days=2)
    overlapping = desk.service.table.closure_candidates("waiting_customer", "9999")
    assert run_schedule(client)["closed_waiting_customer"] == 1
    for mark in overlapping:  # a second run that read the queue before the first one closed the request
        desk.service.closure._close(mark, "waiting_customer", clock.now())
    assert run_schedule(client)["closed_waiting_customer"] == 0
    assert desk.service.table.get_request(outcome.request_id).status == "closed"
    closings = [e for e in events(desk, outcome.request_id, "status_changed") if e["to"] == "closed"]
    assert [(c["by"], c["reason"]) for c in closings] == [("desk", "no_customer_reply")]
    [notice] = [m for m in desk.sent_to(CUSTOMER) if "closed" in m["message_id"]]
    assert f"for {days} days" in notice["text"] and "reply to this email" in notice["text"]

    assert customer_writes_again(desk, outcome, "Sorry, the address is Europaweg 1.").status == "open", \
        "a reply to the notice reopens the request"
    assert events(desk, outcome.request_id, "reopened")


def test_a_request_the_customer_answered_is_not_closed(desk, client, clock):
    outcome, staff = open_request(desk)
    reply_as_staff(desk, outcome, staff, "Which address should we deliver to?", "<s1@requestflow.example>")
    clock.advance(days=1)
    assert customer_writes_again(desk, outcome, "Europaweg 1, Rotterdam.").status == "open"
    clock.advance(days=desk.service.config.closure.waiting_customer_days + 1)
    run_schedule(client)
    assert desk.service.table.get_request(outcome.request_id).status == "open"
    assert desk.service.table.closure_candidates("waiting_customer", "9999") == [], "the stale mark is gone"


def test_requests_from_before_the_closure_marks_are_closed_too(desk, client, clock):
    resolved, staff = resolve(desk)
    waiting = desk.receive(customer_mail("Question: pallets to Antwerp", mid="<c9@maasvlakte>"))
    other = str(desk.service.config.staff_member(waiting.assignee).email)
    reply_as_staff(desk, waiting, other, "Which address should we deliver to?", "<s2@requestflow.example>")
    assert desk.service.table.get_request(waiting.request_id).status == "waiting_customer"
    table = desk.session.resource("dynamodb").Table(desk.resources.table_name)
    for outcome in (resolved, waiting):  # as a desk that ran before the marks were written has them
        table.delete_item(Key={"PK": f"REQ#{outcome.request_id}", "SK": "CLOSURE"})
    assert desk.service.table.closure_candidates("resolved", "9999") == []

    clock.advance(days=desk.service.config.closure.waiting_customer_days + 1)
    first = run_schedule(client)
    for outcome in (resolved, waiting):
        assert desk.service.table.get_request(outcome.request_id).status == "closed"
    assert (first["closed_resolved"], first["closed_waiting_customer"], first["marks_checked"]) == (1, 1, 2)
    assert [m for m in desk.sent_to(CUSTOMER) if "closed" in m["message_id"]], "the waiting customer is told"
    assert run_schedule(client)["marks_checked"] == 0, "the check runs once a month"
