"""The website form: what a customer (or a hostile client) posts, and what the page shows back."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

from chalicelib.core.config import DeskConfig, FormSection, load_config
from chalicelib.core.requests.form import (FormError, FormSubmission, Trapped, error_text, form_view, page_language,
                                           parse_form)
from chalicelib.core.render import Templates

ROOT = Path(__file__).resolve().parents[2]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
VALID = {"name": "Anna Ivanova", "email": "anna@example.com", "subject": "Pallets for May",
         "message": "We need 40 pallets.\nThank you"}


@pytest.fixture(scope="module")
def config() -> DeskConfig:
    return load_config(ROOT / "config" / "desk.toml")


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


def as_json(fields: dict) -> tuple[bytes, str]:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8"), JSON


def as_form(fields: dict) -> tuple[bytes, str]:
    return urlencode(fields, doseq=True).encode("ascii"), FORM


def as_multipart(fields: dict) -> tuple[bytes, str]:
    boundary = "----rfBoundary7MA4YWxk"
    chunks = []
    for key, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
                      + str(value).encode("utf-8") + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def error_of(config: DeskConfig, body: bytes, content_type: str | None) -> FormError:
    with pytest.raises(FormError) as caught:
        parse_form(body, content_type, config)
    return caught.value


# --- posts that are accepted -------------------------------------------------------------------

def test_a_json_post_with_the_four_required_fields_becomes_a_submission(config):
    submission = parse_form(*as_json(VALID), config)
    assert submission == FormSubmission(name="Anna Ivanova", email="anna@example.com",
                                        subject="Pallets for May", message="We need 40 pallets.\nThank you")


def test_a_browser_form_post_in_russian_keeps_the_text_and_the_language(config):
    body, content_type = as_form({**VALID, "name": "Анна", "subject": "Нужны поддоны",
                                  "message": "Добрый день!\r\nНужно 40 штук.", "phone": "+7 (495) 123-45-67",
                                  "category": "", "lang": "ru", "website": ""})
    submission = parse_form(body, content_type + "; charset=UTF-8", config)
    assert submission.name == "Анна"
    assert submission.subject == "Нужны поддоны"
    assert submission.message == "Добрый день!\nНужно 40 штук."
    assert submission.phone == "+7 (495) 123-45-67"
    assert submission.category is None
    assert submission.language == "ru"


def test_a_multipart_post_without_files_is_read_like_a_form(config):
    submission = parse_form(*as_multipart({**VALID, "name": "Ли Вэй 李伟", "lang": "zh"}), config)
    assert submission.name == "Ли Вэй 李伟"
    assert submission.message == VALID["message"]
    assert submission.language == "zh"


def test_the_email_address_is_normalised(config):
    submission = parse_form(*as_json({**VALID, "email": "  Anna@EXAMPLE.com "}), config)
    assert submission.email == "Anna@example.com"


def test_an_international_domain_is_kept_in_the_form_mail_systems_accept(config):
    submission = parse_form(*as_json({**VALID, "email": "anna@пример.рф"}), config)
    assert submission.email == "anna@xn--e1afmkfd.xn--p1ai"


def test_an_unknown_or_missing_language_is_none(config):
    assert parse_form(*as_json({**VALID, "lang": "de"}), config).language is None
    assert parse_form(*as_json(VALID), config).language is None
    assert parse_form(*as_json({**VALID, "lang": "EN"}), config).language == "en"


def test_unknown_fields_and_json_nulls_for_optional_fields_are_ignored(config):
    submission = parse_form(*as_json({**VALID, "phone": None, "category": None, "utm_source": {"a": 1}}), config)
    assert submission.phone is None and submission.category is None


def test_control_characters_are_dropped_from_the_message_but_tabs_and_lines_stay(config):
    submission = parse_form(*as_json({**VALID, "message": "a\x00b\x1b[31mc\td\r\ne\rf\x7f"}), config)
    assert submission.message == "ab[31mc\td\ne\nf"


def test_a_lone_surrogate_which_json_allows_and_utf8_cannot_store_is_dropped(config):
    body = b'{"name": "A", "email": "a@example.com", "subject": "S", "message": "x\\ud800y"}'
    assert parse_form(body, JSON, config).message == "xy"


# --- the body as a whole ------------------------------------------------------------------------

def test_a_body_over_the_configured_limit_is_413(config):
    small = config.model_copy(update={"form": FormSection(max_body_bytes=100)})
    body, content_type = as_json({**VALID, "message": "x" * 200})
    error = error_of(small, body, content_type)
    assert error.status == 413
    assert "body" in error.errors and "100" in error.errors["body"]


@pytest.mark.parametrize("content_type", [
    None, "", "text/plain", "text/html", "application/xml", "image/png", "application/javascript",
    "application/json; charset=latin-1", "application/x-www-form-urlencoded; charset=iso-8859-1",
    "application/json\r\nX-Injected: 1",
])
def test_a_missing_or_wrong_content_type_is_415(config, content_type):
    error = error_of(config, as_json(VALID)[0], content_type)
    assert error.status == 415
    assert set(error.errors) == {"body"}


def test_content_types_are_matched_without_regard_to_case_or_parameters(config):
    assert parse_form(as_json(VALID)[0], "Application/JSON; charset=utf-8", config).name == "Anna Ivanova"


def test_a_file_in_a_multipart_post_is_415(config):
    body, content_type = as_multipart(VALID)
    boundary = content_type.split("=", 1)[1]
    body = body.replace(f"--{boundary}--".encode(), (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n%PDF\r\n--{boundary}--").encode())
    error = error_of(config, body, content_type)
    assert error.status == 415 and "file" in error.errors["body"].lower()


@pytest.mark.parametrize("body, content_type", [
    (b"multipart body", "multipart/form-data"),
    (b"garbage", "multipart/form-data; boundary=XyZ"),
    (b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnna\r\n', "multipart/form-data; boundary=XyZ"),
])
def test_a_broken_multipart_body_is_400(config, body, content_type):
    error = error_of(config, body, content_type)
    assert error.status == 400 and set(error.errors) == {"body"}


@pytest.mark.parametrize("body, content_type", [
    (b'{"name": "\xff"}', JSON),
    (b"name=\xc0\xaf&email=a%40example.com", FORM),
    (b"name=%FF%FE&email=a%40example.com", FORM),
    (b"name=%D0&email=a%40example.com", FORM),
])
def test_invalid_utf8_is_400_naming_the_body(config, body, content_type):
    error = error_of(config, body, content_type)
    assert error.status == 400
    assert error.errors == {"body": "The body is not valid UTF-8."}


@pytest.mark.parametrize("body", [b"", b"{", b"{'name': 'x'}", b"[]", b'["name"]', b'"name"', b"42", b"null",
                                  b"true", b"\xef\xbb\xbf{}", b"9" * 5000, b"[" * 30000])
def test_malformed_json_or_anything_but_an_object_is_400(config, body):
    error = error_of(config, body, JSON)
    assert error.status == 400 and set(error.errors) == {"body"}


def test_too_many_fields_is_400(config):
    body = "&".join(f"x{i}=1" for i in range(500)).encode()
    assert error_of(config, body, FORM).errors == {"body": "The form has too many fields."}


# --- each bad field is named --------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["name", "email", "subject", "message"])
def test_each_missing_required_field_is_named(config, missing):
    fields = {k: v for k, v in VALID.items() if k != missing}
    for encode in (as_json, as_form):
        error = error_of(config, *encode(fields))
        assert error.status == 400
        assert error.errors == {missing: "This field is required."}
        assert missing in error.message


def test_an_empty_post_names_all_four_required_fields(config):
    error = error_of(config, b"", FORM)
    assert set(error.errors) == {"name", "email", "subject", "message"}


def test_fields_of_only_spaces_count_as_empty(config):
    error = error_of(config, *as_form({**VALID, "name": "   ", "message": " \r\n\t "}))
    assert set(error.errors) == {"name", "message"}


@pytest.mark.parametrize("field, value", [
    ("name", "N" * 201), ("subject", "S" * 301), ("message", "M" * 20001),
])
def test_too_long_fields_are_named_with_their_limit(config, field, value):
    error = error_of(config, *as_json({**VALID, field: value}))
    assert set(error.errors) == {field}
    assert "at most" in error.errors[field]


def test_fields_at_their_limits_are_accepted(config):
    submission = parse_form(*as_json({**VALID, "name": "N" * 200, "subject": "S" * 300, "message": "M" * 20000}),
                            config)
    assert len(submission.message) == 20000


@pytest.mark.parametrize("email", ["a@", "a@b", "<script>@x.com", "@x.com", "a b@x.com", "a@b@c.com",
                                   "x" * 300 + "@example.com", "пользователь@пример.рф"])
def test_a_bad_email_address_is_named(config, email):
    error = error_of(config, *as_json({**VALID, "email": email}))
    assert set(error.errors) == {"email"}


@pytest.mark.parametrize("phone", ["12", "1" * 31, "call me", "+7 495 <b>", "-----", "12345\n6"])
def test_a_bad_phone_number_is_named(config, phone):
    error = error_of(config, *as_json({**VALID, "phone": phone}))
    assert set(error.errors) == {"phone"}


def test_an_unknown_category_is_named(config):
    error = error_of(config, *as_form({**VALID, "category": "marketing"}))
    assert error.errors == {"category": "Choose one of the listed topics."}


@pytest.mark.parametrize("field", ["subject", "name"])
@pytest.mark.parametrize("value", ["Hello\r\nBcc: victim@example.com", "Hello\nBcc: x", "Hello\rX", "A\u2028B"])
def test_a_line_break_in_the_name_or_subject_is_rejected_so_no_header_can_be_injected(config, field, value):
    error = error_of(config, *as_json({**VALID, field: value}))
    assert error.errors == {field: "Must be a single line."}


def test_other_control_characters_in_single_line_fields_are_rejected(config):
    error = error_of(config, *as_json({**VALID, "name": "An\x00na", "subject": "Pal\x1blets"}))
    assert set(error.errors) == {"name", "subject"}


def test_a_repeated_field_is_named(config):
    body = urlencode([*VALID.items(), ("subject", "second")]).encode()
    assert error_of(config, body, FORM).errors == {"subject": "Must be sent only once."}
    body = b'{"name": "A", "name": "B", "email": "a@example.com", "subject": "S", "message": "M"}'
    assert error_of(config, body, JSON).errors == {"name": "Must be sent only once."}


@pytest.mark.parametrize("value", [42, 1e999, True, ["Anna"], {"first": "Anna"}, 2 ** 64])
def test_a_json_value_that_is_not_a_string_is_named(config, value):
    error = error_of(config, *as_json({**VALID, "name": value}))
    assert error.errors == {"name": "Must be a string."}


def test_several_bad_fields_are_all_named_at_once(config):
    error = error_of(config, *as_json({"name": "", "email": "a@b", "subject": "x\ny", "phone": "1",
                                       "category": "nope", "message": "ok"}))
    assert set(error.errors) == {"name", "email", "subject", "phone", "category"}


# --- honeypot -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"website": "http://spam.example", "name": ""},
    {**VALID, "website": "http://spam.example"},
    {"website": "Купить дёшево", "email": "not-an-address", "lang": "ru"},
    {"website": "优惠", "message": "", "lang": "zh"},
])
def test_a_filled_honeypot_is_trapped_before_any_field_is_checked(config, fields):
    for encode in (as_form, as_json, as_multipart):
        with pytest.raises(Trapped) as caught:
            parse_form(*encode(fields), config)
        assert caught.value.language == fields.get("lang")


def test_a_trapped_post_is_not_a_form_error_so_nothing_asks_the_sender_to_fix_it(config):
    with pytest.raises(Trapped) as caught:
        parse_form(*as_form({**VALID, "website": "x"}), config)
    assert not isinstance(caught.value, FormError)


def test_an_empty_honeypot_is_what_people_send_and_is_fine(config):
    assert parse_form(*as_form({**VALID, "website": ""}), config).name == "Anna Ivanova"


# --- categories and their required facts --------------------------------------------------------

@pytest.mark.parametrize("fact", [None, "", "   "])
@pytest.mark.parametrize("encode", [as_form, as_json, as_multipart])
def test_an_order_without_its_required_fact_is_accepted_so_the_acknowledgement_can_ask_for_it(config, fact,
                                                                                              encode):
    fields = {**VALID, "category": "order"}
    if fact is not None:
        fields["fact_monthly_need"] = fact
    submission = parse_form(*encode(fields), config)
    assert submission.category == "order"
    assert submission.facts == {}


@pytest.mark.parametrize("fields", [
    {"name": "Иван Петров", "email": "ivan@example.ru", "subject": "Плёнка", "message": "Нужна плёнка.",
     "lang": "ru"},
    {"name": "王伟", "email": "wang@example.cn", "subject": "订单", "message": "需要拉伸膜。", "lang": "zh"},
])
def test_an_order_without_its_fact_in_other_languages_is_accepted_too(config, fields):
    submission = parse_form(*as_form({**fields, "category": "order"}), config)
    assert submission.facts == {} and submission.language == fields["lang"]


def test_without_the_fact_the_proper_required_fields_are_still_named(config):
    error = error_of(config, *as_form({"name": "Anna", "subject": "Order", "category": "order"}))
    assert error.errors == {"email": "This field is required.", "message": "This field is required."}


def test_the_required_facts_of_the_chosen_category_are_kept(config):
    submission = parse_form(*as_form({**VALID, "category": "order", "fact_monthly_need": " 20 t per month "}),
                            config)
    assert submission.category == "order"
    assert submission.facts == {"monthly_need": "20 t per month"}


def test_facts_of_other_categories_and_unknown_facts_are_dropped(config):
    submission = parse_form(*as_form({**VALID, "category": "complaint", "fact_monthly_need": "20 t",
                                      "fact_colour": "red"}), config)
    assert submission.facts == {}


def test_facts_given_without_a_category_are_kept_for_when_the_desk_classifies_the_request(config):
    submission = parse_form(*as_form({**VALID, "fact_monthly_need": "20 t", "fact_colour": "red"}), config)
    assert submission.facts == {"monthly_need": "20 t"}


def test_a_fact_is_checked_like_any_single_line_field(config):
    error = error_of(config, *as_json({**VALID, "category": "order", "fact_monthly_need": "x" * 501}))
    assert set(error.errors) == {"fact_monthly_need"}
    error = error_of(config, *as_json({**VALID, "category": "order", "fact_monthly_need": "a\nb"}))
    assert set(error.errors) == {"fact_monthly_need"}


# --- errors for people --------------------------------------------------------------------------

def test_error_texts_are_localized_with_english_as_the_fallback():
    assert error_text("required", "ru") == "Заполните это поле."
    assert error_text("required", "en") == "This field is required."
    assert error_text("too_long", "ru", limit=200) == "Не больше 200 символов."
    assert error_text("required", "de") == "This field is required."
    assert error_text("no-such-code", "en") == "This value is not valid."


def test_a_failed_post_keeps_the_values_and_the_language_for_showing_the_form_again(config):
    error = error_of(config, *as_form({**VALID, "email": "a@", "lang": "ru", "website": ""}))
    assert error.values["email"] == "a@" and error.values["name"] == "Anna Ivanova"
    assert error.language == "ru"
    assert error.codes == {"email": "invalid_email"}


def test_the_page_language_comes_from_the_query_then_the_browser_then_the_desk(config):
    assert page_language("ru", config) == "ru"
    assert page_language("xx", config, "zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert page_language(None, config, "de-DE, ru;q=0.5") == "ru"
    assert page_language(None, config, None) == config.desk.default_language


# --- the page -----------------------------------------------------------------------------------

class Page(HTMLParser):
    """The elements of a rendered page: tag names with attributes, and the visible text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.html = html
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, *tags: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag in tags]

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.elements if attrs.get("id")}

    def visible_text(self) -> str:
        return " ".join(self.text)


def controls(page: Page) -> list[dict]:
    return [a for a in page.all("input", "select", "textarea") if a.get("type") != "hidden"]


@pytest.mark.parametrize("lang, words", [
    ("en", ["Your name", "Email", "Subject", "Message", "Send request", "Order or quote"]),
    ("ru", ["Ваше имя", "Электронная почта", "Тема", "Сообщение", "Отправить запрос", "Заказ или расчёт цены",
            "Ваша ежемесячная потребность"]),
])
def test_the_form_is_in_the_chosen_language_and_every_input_has_a_label(config, templates, lang, words):
    html = templates.render("pages/form.html.j2", **form_view(config, lang))
    page = Page(html)
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in page.visible_text()
    labelled = {a["for"] for a in page.all("label")}
    assert controls(page) and all(c["id"] in labelled for c in controls(page))
    assert {c["name"] for c in controls(page)} >= {"name", "email", "phone", "category", "subject", "message",
                                                   "fact_monthly_need", "website"}
    required = {c["name"] for c in controls(page) if "required" in c}
    assert required == {"name", "email", "subject", "message"}
    assert [a["value"] for a in page.all("input") if a.get("name") == "lang"] == [lang]
    assert 'role="alert"' not in html


def test_the_form_posts_urlencoded_to_requests_and_switches_language_by_link(config, templates):
    page = Page(templates.render("pages/form.html.j2", **form_view(config, "en")))
    [form] = page.all("form")
    assert form["method"] == "post" and form["action"] == "requests?lang=en"
    assert form["enctype"] == "application/x-www-form-urlencoded"
    assert {a["href"] for a in page.all("a")} >= {"form?lang=ru", "form?lang=en"}
    assert not page.all("script")


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_the_form_posts_with_its_language_so_a_reload_of_the_answer_keeps_it(config, templates, lang):
    [form] = Page(templates.render("pages/form.html.j2", **form_view(config, lang))).all("form")
    assert form["action"] == f"requests?lang={lang}"


def test_an_unknown_language_shows_the_desk_default(config, templates):
    html = templates.render("pages/form.html.j2", **form_view(config, "de"))
    assert '<html lang="en">' in html and "Your name" in html


def test_the_honeypot_is_hidden_from_people_and_screen_readers(config, templates):
    page = Page(templates.render("pages/form.html.j2", **form_view(config, "en", {"website": "spam"})))
    [trap] = [a for a in page.all("input") if a.get("name") == "website"]
    assert trap["tabindex"] == "-1" and trap["autocomplete"] == "off" and trap["value"] == ""
    wrapper = [attrs for tag, attrs in page.elements if attrs.get("aria-hidden") == "true"]
    assert wrapper and wrapper[0].get("class") == "hp"


def test_the_facts_sit_in_a_fieldset_named_after_their_category(config, templates):
    html = templates.render("pages/form.html.j2", **form_view(config, "en"))
    assert "<legend>For “Order or quote”</legend>" in html
    ru = templates.render("pages/form.html.j2", **form_view(config, "ru"))
    assert "<legend>Для «Заказ или расчёт цены»</legend>" in ru


def test_a_failed_post_shows_the_form_again_with_errors_by_the_fields_and_the_values_kept(config, templates):
    error = error_of(config, *as_form({**VALID, "email": "a@", "category": "order", "lang": "ru"}))
    view = form_view(config, error.language, error.values, error.codes)
    html = templates.render("pages/form.html.j2", **view)
    page = Page(html)
    assert 'role="alert"' in html
    assert "Введите правильный адрес электронной почты" in html
    by_name = {c["name"]: c for c in controls(page)}
    assert by_name["email"]["value"] == "a@"
    assert by_name["email"]["aria-invalid"] == "true"
    assert "aria-invalid" not in by_name["fact_monthly_need"]
    assert "aria-invalid" not in by_name["name"] and by_name["name"]["value"] == "Anna Ivanova"
    assert [a for a in page.all("option") if "selected" in a] == [{"value": "order", "selected": None}]
    for control in controls(page):
        for target in (control.get("aria-describedby") or "").split():
            assert target in page.ids()
    summary_links = [a["href"] for a in page.all("a") if (a["href"] or "").startswith("#rf-")]
    assert summary_links == ["#rf-email"]
    assert all(link[1:] in page.ids() for link in summary_links)


def test_a_form_level_error_appears_in_the_summary_without_a_link(config, templates):
    error = error_of(config, b"name=%FF", FORM)
    html = templates.render("pages/form.html.j2", **form_view(config, "ru", error.values, error.codes))
    page = Page(html)
    assert "Текст запроса не в кодировке UTF-8." in html
    assert not [a for a in page.all("a") if (a["href"] or "").startswith("#rf-")]


def test_beside_each_fact_the_form_says_it_is_optional_and_helps_us_answer_faster(config, templates):
    for lang, words in (("en", "helps us answer faster"), ("ru", "поможет нам ответить быстрее"),
                        ("zh", "更快答复")):
        page = Page(templates.render("pages/form.html.j2", **form_view(config, lang)))
        [fact] = [c for c in controls(page) if c["name"] == "fact_monthly_need"]
        assert "required" not in fact
        [hint_id] = fact["aria-describedby"].split()
        hint = re.search(f'id="{hint_id}">([^<]*)<', page.html).group(1)
        assert words in hint


# --- the hostile corpus -------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "{{7*7}}", "${7*7}", "#{7*7}", "<%= 7*7 %>",
           "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>', "{% raw %}'\"</textarea>"]
ENCODERS = {"json": as_json, "form": as_form, "multipart": as_multipart}
MEGABYTE = 1024 * 1024


def hostile_corpus() -> list[tuple[str, dict, bytes, str | None, dict | None]]:
    """(label, fields sent, body, content type, expected verbatim fields or None when it must fail)."""
    cases: list[tuple[str, dict, bytes, str | None, dict | None]] = []

    def add(label: str, fields: dict, expected: dict | None, encoder: str = "json") -> None:
        cases.append((label, fields, *ENCODERS[encoder](fields), expected))

    for n, text in enumerate(HOSTILE):
        for encoder in ENCODERS:
            for field in ("name", "subject", "message"):
                add(f"{encoder}: {field} #{n}", {**VALID, field: text}, {field: text}, encoder)
            add(f"{encoder}: fact #{n}", {**VALID, "category": "order", "fact_monthly_need": text},
                {"facts": {"monthly_need": text}}, encoder)
            add(f"{encoder}: lang #{n}", {**VALID, "lang": text}, {"language": None}, encoder)
            for field in ("email", "phone", "category"):
                add(f"{encoder}: {field} #{n}", {**VALID, field: text}, None, encoder)
        add(f"json: everything #{n}", {"name": text, "email": text, "subject": text, "message": text,
                                       "phone": text, "category": text}, None)
    for missing in ("name", "email", "subject", "message"):
        for encoder in ENCODERS:
            add(f"{encoder}: without {missing}", {k: v for k, v in VALID.items() if k != missing}, None, encoder)
        add(f"json: empty {missing}", {**VALID, missing: ""}, None)
    for email in ["a@", "a@b", "<script>@x.com", "@x.com", "a b@x.com", "a@x.com\r\nBcc: v@x.com"]:
        for encoder in ("json", "form"):
            add(f"{encoder}: email {email!r}", {**VALID, "email": email}, None, encoder)
    for encoder in ENCODERS:
        add(f"{encoder}: 1 MB message", {**VALID, "message": "<script>" * (MEGABYTE // 8)}, None, encoder)
    cases.append(("raw 1 MB", {}, b"\x00" * MEGABYTE, None, None))
    for content_type in [None, "", "text/plain", "text/html", "application/xml", "image/png",
                         "application/json; charset=latin-1", "multipart/form-data"]:
        cases.append((f"type {content_type!r}", VALID, as_json(VALID)[0], content_type, None))
    for body, content_type in [(b'{"name": "\xff\xfe"}', JSON), (b"name=%FF", FORM), (b"name=\xc3\x28", FORM),
                               (b"\xed\xa0\x80", JSON)]:
        cases.append((f"bad utf-8 {body!r}", {}, body, content_type, None))
    for body in [b"[]", b'[{"name": "x"}]', b'"<script>"', b"1e999", b"null", b"9" * 10000, b"[" * 30000,
                 b'{"name": ' * 5000]:
        cases.append((f"json {body[:12]!r}", {}, body, JSON, None))
    for field in ("name", "email", "subject", "message", "phone", "category", "lang"):
        for value in ({"$gt": ""}, ["<script>"], 10 ** 300, True):
            add(f"json: {field} = {value!r:.20}", {**VALID, field: value}, None)
    for field in ("name", "subject"):
        add(f"form: CRLF in {field}", {**VALID, field: "x\r\nBcc: a@x.com"}, None, "form")
        cases.append((f"form: repeated {field}", {}, urlencode([*VALID.items(), (field, "again")]).encode(),
                      FORM, None))
    return cases


def test_every_hostile_post_is_refused_with_named_errors_or_kept_verbatim(config):
    corpus = hostile_corpus()
    assert len(corpus) >= 200
    for label, _fields, body, content_type, expected in corpus:
        if expected is None:
            with pytest.raises(FormError) as caught:
                parse_form(body, content_type, config)
            assert 400 <= caught.value.status < 500, label
            assert caught.value.errors and all(caught.value.errors.values()), label
        else:
            submission = parse_form(body, content_type, config)
            for key, value in expected.items():
                assert getattr(submission, key) == value, label


def test_hostile_values_are_shown_back_as_text_never_as_markup_or_template_code(config, templates):
    baseline = templates.render("pages/form.html.j2", **form_view(config, "en"))
    assert "49" not in baseline
    for label, fields, body, content_type, _expected in hostile_corpus():
        try:
            parse_form(body, content_type, config)
            values, codes = {k: v for k, v in fields.items() if isinstance(v, str)}, {}
        except FormError as error:
            values, codes = error.values, error.codes
        for lang in ("en", "ru"):
            html = templates.render("pages/form.html.j2", **form_view(config, lang, values, codes))
            assert "<script" not in html and "<img src=x" not in html and "<svg" not in html, label
            page = Page(html)
            for tag, attrs in page.elements:
                assert tag not in {"script", "img", "svg", "iframe"}, label
                assert not [name for name in attrs if name.startswith("on")], label
            assert len(page.all("form")) == 1 and len(page.all("textarea")) == 1, label
            assert "49" not in html, label
            if any("{{7*7}}" in v for k, v in values.items() if k not in {"lang", "category"}):
                assert "{{7*7}}" in html, label


def test_the_other_pages_show_hostile_text_as_text(config, templates):
    for text in HOSTILE:
        for name, view in [
            ("pages/status.html.j2", {"ticket": text, "subject": text, "status": text, "category": text,
                                      "created": text, "form_url": text}),
            ("pages/submitted.html.j2", {"ticket": text, "status_url": text, "email": text}),
            ("pages/message.html.j2", {"title": text, "text": text, "link_url": text, "link_text": text}),
        ]:
            html = templates.render(name, lang="ru", desk_name=text, **view)
            page = Page(html)
            assert not [t for t, _ in page.elements if t in {"script", "img", "svg"}], (name, text)
            assert not [n for _, attrs in page.elements for n in attrs if n.startswith("on")], (name, text)
            assert "49" not in html
            if text == "{{7*7}}":
                assert "{{7*7}}" in html


@pytest.mark.parametrize("lang, words", [
    ("en", ["Thank you!", "Your request number", "RF-2611-0042", "See the status of your request"]),
    ("ru", ["Спасибо!", "Номер вашего запроса", "RF-2611-0042", "Посмотреть статус запроса"]),
])
def test_the_success_page_shows_the_ticket_large_and_a_status_link(templates, lang, words):
    html = templates.render("pages/submitted.html.j2", lang=lang, ticket="RF-2611-0042", status_url="status/t0k")
    assert '<p class="ticket">RF-2611-0042</p>' in html
    assert '<a href="status/t0k">' in html
    for word in words:
        assert word in html


def test_the_status_page_lists_the_request_in_the_chosen_language(templates):
    html = templates.render("pages/status.html.j2", lang="ru", ticket="RF-2611-0042", subject="Поддоны",
                            status="В работе", category="Заказ", created="23.11.2026 10:00")
    for word in ["Номер запроса", "Тема", "Статус", "Вид обращения", "Получен", "Поддоны", "В работе"]:
        assert word in html
    assert '<html lang="ru">' in html and 'href="?lang=en"' in html


def test_the_message_page_shows_a_title_and_a_text(templates):
    html = templates.render("pages/message.html.j2", lang="en", title="Link expired", text="Ask for a new one.")
    assert "<h1>Link expired</h1>" in html and "<p>Ask for a new one.</p>" in html
    assert "<title>Link expired</title>" in html
