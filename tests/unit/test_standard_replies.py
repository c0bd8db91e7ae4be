"""Standard replies: a bad template stops the start naming the field; a good one is filled from the request in
the customer's language; `#reply <name>` is read from the first line of a staff reply."""
import copy
import tomllib

import pytest

from chalicelib.core.config import ConfigError, load_config, parse_config
from chalicelib.core.render import Templates
from chalicelib.core.requests import standard_replies
from chalicelib.core.requests.lifecycle import parse_staff_reply
from chalicelib.core.requests.models import Request
from chalicelib.settings import DEFAULT_CONFIG

from .samples import a_request


def _data():
    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def _request(**overrides) -> Request:
    return a_request(**{"customer_name": "Pieter de Vries", **overrides})


def test_the_shipped_config_has_a_price_list_delivery_terms_and_documents_in_three_languages(config):
    names = {r.name: r for r in config.replies}
    assert set(names) >= {"price_list", "delivery_terms", "documents"}
    for reply in names.values():
        assert reply.body.en and reply.body.ru and reply.body.zh
        assert reply.title.en and reply.title.ru and reply.title.zh


@pytest.mark.parametrize("body, field, words", [
    ("Dear {client},", "replies[0].body.ru", "unknown placeholder {client}: use {ticket}, {customer_name}"),
    ("Dear {customer_name", "replies[0].body.ru", "expected '}'"),
    ("Prices } here", "replies[0].body.ru", "Single '}'"),
    ("{ticket.__class__}", "replies[0].body.ru", "unknown placeholder {ticket.__class__}"),
    ("{ticket[0]}", "replies[0].body.ru", "unknown placeholder"),
    ("{ticket:>99}", "replies[0].body.ru", "takes no format or conversion"),
    ("{ticket!r}", "replies[0].body.ru", "takes no format or conversion"),
    ("{}", "replies[0].body.ru", "unknown placeholder {}"),
    ("  ", "replies[0].body.ru", "the text is empty"),
])
def test_a_bad_template_stops_the_start_naming_the_field(body, field, words):
    data = copy.deepcopy(_data())
    data["replies"][0]["body"]["ru"] = body
    with pytest.raises(ConfigError) as error:
        parse_config(data, "desk.toml")
    assert f"desk.toml: {field}: " in str(error.value) and words in str(error.value)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["replies"][1].update(categories=["order", "oder"]),
     "desk.toml: replies[1].categories[1]: unknown category 'oder'"),
    (lambda d: d["replies"][2].update(name="price_list"), "desk.toml: replies[2].name: duplicate name 'price_list'"),
    (lambda d: d["replies"][0].update(name="Price List"), "desk.toml: replies[0].name: String should match pattern"),
    (lambda d: d["replies"][0]["body"].pop("en"), "desk.toml: replies[0].body.en: Field required"),
    (lambda d: d["replies"][0].pop("title"), "desk.toml: replies[0].title: Field required"),
    (lambda d: d["replies"][0]["body"].update(de="Hallo"), "desk.toml: replies[0].body.de: Extra inputs are not permitted"),
])
def test_a_bad_reply_names_the_field(mutate, message):
    data = copy.deepcopy(_data())
    mutate(data)
    with pytest.raises(ConfigError) as error:
        parse_config(data, "desk.toml")
    assert message in str(error.value)


def test_braces_of_their_own_are_written_doubled_and_a_config_without_replies_is_fine():
    data = copy.deepcopy(_data())
    data["replies"][0]["body"]["en"] = "Sizes {{500 mm}} for {customer_name}"
    parsed = parse_config(data)
    member = parsed.staff_member("ivan")
    filled = standard_replies.fill(parsed, parsed.replies[0], _request(), member)
    assert filled.text == "Sizes {500 mm} for Pieter de Vries"
    del data["replies"]
    assert parse_config(data).replies == []


@pytest.mark.parametrize("language, text_lang, words", [
    ("ru", "ru", "Здравствуйте, Pieter de Vries!"),
    ("zh", "zh", "Pieter de Vries，您好！"),
    ("en", "en", "Dear Pieter de Vries,"),
    ("de", "en", "Dear Pieter de Vries,"),
    ("ja", "en", "Dear Pieter de Vries,"),
])
def test_a_reply_is_filled_in_the_customers_language_with_english_for_the_others(config, language, text_lang, words):
    filled = standard_replies.fill(config, standard_replies.find(config, "price_list", "order"),
                                   _request(language=language), config.staff_member("ivan"))
    assert filled.language == text_lang and filled.text.startswith(words)
    assert "RF-2611-0042" in filled.text and "{" not in filled.text


def test_every_field_is_filled_from_the_request_in_the_customers_language(config):
    request = _request(language="ru", category="documents", department="accounting", subject="Нужен счёт",
                       facts={"monthly_need": "40 рулонов"})
    filled = standard_replies.fill(config, standard_replies.find(config, "documents", "documents"), request,
                                   config.staff_member("maria"))
    assert "«Нужен счёт» (Документы и счета)" in filled.text
    assert "Документы пришлёт Бухгалтерия" in filled.text and "по заявке RF-2611-0042" in filled.text
    fields = standard_replies.fields_of(config, request, config.staff_member("maria"), "ru")
    assert fields["facts"] == "ваша ежемесячная потребность (объём в месяц): 40 рулонов"
    assert fields["staff_name"] == "Maria Kuznetsova" and fields["desk_name"] == "Requestflow Desk"


def test_a_reply_only_in_english_reaches_a_russian_customer_in_english():
    data = copy.deepcopy(_data())
    data["replies"][0]["body"] = {"en": "Hello {customer_name}, see {ticket}."}
    parsed = parse_config(data)
    filled = standard_replies.fill(parsed, parsed.replies[0], _request(language="ru"), parsed.staff_member("ivan"))
    assert filled.language == "en" and filled.text == "Hello Pieter de Vries, see RF-2611-0042."


def test_a_customer_without_a_name_is_greeted_by_their_address(config):
    fields = standard_replies.fields_of(config, _request(customer_name=""), config.staff_member("ivan"), "en")
    assert fields["customer_name"] == "buyer@example.com"


def test_the_staff_members_own_words_come_before_the_standard_text(config):
    filled = standard_replies.fill(config, config.replies[0], _request(), config.staff_member("ivan"))
    assert standard_replies.answer_text(filled, "  Pieter, as promised:  ") == "Pieter, as promised:\n\n" + filled.text
    assert standard_replies.answer_text(filled, "") == filled.text


def test_a_category_is_offered_only_its_replies_and_names_are_case_insensitive(config):
    assert [r.name for r in standard_replies.offered(config, "question")] == ["price_list", "delivery_terms"]
    assert [r.name for r in standard_replies.offered(config, "documents")] == ["price_list", "documents"]
    assert standard_replies.find(config, "Price_List", "order").name == "price_list"
    assert standard_replies.find(config, "documents", "question") is None
    assert standard_replies.find(config, "nothing", "order") is None


def test_the_page_lists_titles_in_the_staff_language_and_previews_in_the_customers(config):
    items = standard_replies.choices(config, _request(language="zh", category="question"),
                                     config.staff_member("olga"), "ru")
    assert [(i["name"], i["title"], i["preview_lang"]) for i in items] == [
        ("price_list", "Прайс-лист", "zh"), ("delivery_terms", "Условия доставки", "zh")]
    assert items[0]["preview"].startswith("Pieter de Vries，您好！")


def test_the_notice_for_an_unknown_name_lists_the_replies_in_the_staff_members_language(config):
    mail = standard_replies.unknown_reply_notice(config, Templates(), _request(category="question"),
                                                 config.staff_member("li"), name="pricelist", ident="abc",
                                                 reply_to="desk+s.x@requestflow.example")
    assert mail.to == ["li@requestflow.example"] and mail.language == "zh"
    assert "没有名为\"pricelist\"的标准回复" in mail.text
    assert "#reply price_list   （价目表）" in mail.text and "#reply documents" not in mail.text


@pytest.mark.parametrize("text, name, resolve, body", [
    ("#reply price_list", "price_list", False, ""),
    ("#reply Price_List\nPieter, here you are.", "price_list", False, "Pieter, here you are."),
    ("  \n#REPLY delivery_terms", "delivery_terms", False, ""),
    ("#reply price_list #resolve", "price_list", True, ""),
    ("#reply price_list #resolve as promised\nmore", "price_list", True, "as promised\nmore"),
    ("#reply documents\n#resolve\nThanks.", "documents", True, "Thanks."),
    ("#resolve\n#reply documents\nThanks.", "documents", True, "Thanks."),
    ("#reply", "", False, ""),
])
def test_hash_reply_names_the_standard_reply_on_the_first_line(text, name, resolve, body):
    reply = parse_staff_reply(text)
    assert (reply.command, reply.argument, reply.resolve, reply.body) == ("reply", name, resolve, body)


def test_other_commands_read_as_before():
    assert parse_staff_reply("#resolve\nDone.").command == "resolve"
    assert parse_staff_reply("#resolve\nDone.").body == "Done."
    assert parse_staff_reply("#replies x").command == "unknown"
    assert parse_staff_reply("We reply today.").command is None
