"""Staff sign-in links, session cookies and CSRF tokens: who they let in, for how long, and what they refuse."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.core.clock import FixedClock
from chalicelib.core.pages.session import (COOKIE_NAME, Sessions, SigninLinks, StaffSession, cookie_of, safe_next,
                                           set_cookie)

KEY = b"k" * 32


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def links(clock):
    return SigninLinks(KEY, "https://desk.example/api/", clock)


@pytest.fixture
def sessions(clock):
    return Sessions(KEY, clock)


@pytest.mark.parametrize("staff_id", ["olga", "li", "maria.k", "a_1-b"])
def test_a_sign_in_link_names_its_person_and_lands_on_my_work(links, staff_id):
    url = links.url(staff_id)
    assert url.startswith("https://desk.example/api/staff/signin/")
    check = links.check(url.rsplit("/", 1)[1])
    assert check.valid and check.staff_id == staff_id and check.next == "work"


def test_a_link_for_a_request_lands_on_that_request(links):
    check = links.check(links.page_url("olga", "RF-2611-0042").rsplit("/", 1)[1])
    assert check.next == "requests/RF-2611-0042"


def test_a_link_works_for_seven_days_then_says_whose_it_was(links, clock):
    token = links.token("olga")
    clock.advance(days=7)
    assert links.check(token).valid
    clock.advance(seconds=1)
    check = links.check(token)
    assert check.expired and not check.valid and check.staff_id == "olga"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "eyJzdGFmZiI6Im9sZ2EifQ.AAAAAA.BBBBBB"])
def test_anything_not_signed_by_the_desk_is_nobodys_link(links, token):
    check = links.check(token)
    assert check.staff_id is None and not check.valid and not check.expired


def test_a_link_signed_with_another_key_or_salt_is_refused(links, clock, sessions):
    assert links.check(SigninLinks(b"x" * 32, "https://desk.example", clock).token("olga")).staff_id is None
    cookie = sessions.cookie_value(StaffSession("olga", "sid"))
    assert links.check(cookie).staff_id is None, "a session cookie is no sign-in link"
    assert sessions.read(links.token("olga")) is None, "a sign-in link is no session cookie"


def test_changing_one_character_of_a_link_breaks_it(links):
    token = links.token("olga")
    for i in range(0, len(token), 7):
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        assert not links.check(changed).valid


@pytest.mark.parametrize("wanted, landed", [
    ("requests/RF-2611-0042", "requests/RF-2611-0042"), ("work", "work"), (None, "work"), ("", "work"),
    ("https://evil.example/", "work"), ("//evil.example", "work"), ("/staff/work", "work"),
    ("requests/../../admin", "work"), ("requests/RF-1\r\nSet-Cookie: x=1", "work"), ("javascript:alert(1)", "work"),
    ("signin", "work")])
def test_a_link_can_only_land_on_a_staff_page(links, wanted, landed):
    assert safe_next(wanted) == landed
    assert links.check(links.token("olga", wanted)).next == landed


def test_a_session_lasts_twelve_hours(sessions, clock):
    value = sessions.cookie_value(StaffSession("ivan", "s1"))
    clock.advance(hours=12)
    assert sessions.read(value) == StaffSession("ivan", "s1")
    clock.advance(seconds=1)
    assert sessions.read(value) is None


@pytest.mark.parametrize("value", [None, "", "ivan", "x.y.z", "eyJzdGFmZiI6Iml2YW4ifQ.Zz.Zz"])
def test_a_forged_session_cookie_is_nobody(sessions, value):
    assert sessions.read(value) is None


def test_a_session_without_an_id_is_nobody(clock):
    from itsdangerous import URLSafeTimedSerializer

    unsigned_id = URLSafeTimedSerializer(KEY, salt="staff-session").dumps({"staff": "ivan"})
    assert Sessions(KEY, clock).read(unsigned_id) is None


def test_a_csrf_token_belongs_to_one_session(sessions):
    one, other = StaffSession("olga", "first"), StaffSession("olga", "second")
    token = sessions.csrf_token(one)
    assert sessions.csrf_valid(one, token)
    assert not sessions.csrf_valid(other, token)
    assert sessions.csrf_token(one) == token, "the same session keeps its token for all its forms"
    for wrong in (None, "", token[:-1], token.upper(), token + "0", "0" * len(token)):
        assert not sessions.csrf_valid(one, wrong)


def test_csrf_tokens_depend_on_the_desk_key(clock):
    session = StaffSession("olga", "same")
    assert Sessions(KEY, clock).csrf_token(session) != Sessions(b"z" * 32, clock).csrf_token(session)


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_http_only_lax_and_secure_on_https(secure):
    header = set_cookie("v.a.l", secure=secure, max_age=timedelta(hours=12))
    parts = [p.strip() for p in header.split(";")]
    assert parts[0] == f"{COOKIE_NAME}=v.a.l"
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"} <= set(parts)
    assert ("Secure" in parts) is secure


@pytest.mark.parametrize("header, value", [
    (f"{COOKIE_NAME}=abc.def-ghi_j", "abc.def-ghi_j"),
    (f"theme=dark; {COOKIE_NAME}=abc.def; lang=ru", "abc.def"),
    ("theme=dark", None), ("", None), (None, None), (f"{COOKIE_NAME}", None)])
def test_the_session_cookie_is_found_among_others(header, value):
    assert cookie_of(header) == value


@pytest.mark.parametrize("text", [
    "Открыть: {link}\n\nПодскажите, какая плёнка подойдёт?",
    "打开：{link}（请勿转发）",
    "Open: <{link}> and also {link}?lang=en.",
    "> Open: {link}\n> quoted by a colleague",
])
def test_pages_show_sign_in_links_cut_so_nobody_signs_in_as_a_colleague(links, text):
    from chalicelib.core.pages.views import without_personal_links

    link = links.page_url("olga", "RF-2611-0042")
    token = link.rsplit("/", 1)[1]
    shown = without_personal_links(text.format(link=link))
    assert token not in shown and token.split(".")[0] not in shown
    assert "/staff/signin/…" in shown
    assert shown.replace("https://desk.example/api/staff/signin/…", "") == text.format(link=""), \
        "the words around the link stay as they were"


@pytest.mark.parametrize("path", ["act", "survey"])
def test_pages_show_a_colleagues_task_and_survey_links_cut(path):
    from chalicelib.core.pages.views import without_personal_links

    token = "eyJyIjoiUkYtMjYxMS0wMDQyIiwicyI6ImFwcHJvdmUifQ.Z0x1aQ.k3Jf0-abc_DEF"
    text = f"Approve: https://desk.example/api/{path}/{token}\nReject: https://desk.example/api/{path}/{token}x"
    shown = without_personal_links(text)
    assert token not in shown and token.split(".")[0] not in shown
    assert shown.count(f"/{path}/…") == 2 and shown.startswith("Approve: https://desk.example/api/")
