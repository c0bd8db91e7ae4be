"""detect_language: the language the desk answers in."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.language import detect_language
from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import new_text
from tests.unit.corpus import entries, ids, raw

WITH_LANGUAGE = [e for e in entries() if e["expect"].get("language")]


@pytest.mark.parametrize("case", WITH_LANGUAGE, ids=ids(WITH_LANGUAGE))
def test_corpus_language(case):
    mail = parse_mime(raw(case))
    assert detect_language(mail.subject, new_text(mail.text) or mail.text) == case["expect"]["language"]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Please send 20 rolls.",), "en"),
        (("Пришлите, пожалуйста, счёт на BOPP ленту, PO-88213, ООО Vector Trade Ltd.",), "ru"),
        (("请报价BOPP胶带 48mm x 100m, 3000 rolls per month",), "zh"),
        (("Thanks, see below.\n> Здравствуйте! Ваше обращение зарегистрировано.\n> Служба заявок",), "en"),
        (("Заказ плёнки", ""), "ru"),
        (("Заказ плёнки 500 мм", "OK"), "ru"),
        (("Order film", "Нужна плёнка 500 мм, 20 рулонов."), "ru"),
        (("Заказ", "Please send the price list for stretch film and pallet wrap."), "en"),
        (("Contact: ivan.petrov@example.com https://example.com/very/long/path/abcdef",), "en"),
        (("",), "en"),
        ((), "en"),
    ],
)
def test_script_counting(texts, expected):
    assert detect_language(*texts) == expected


DISCLAIMER = (
    "This e-mail and any attachments are confidential and intended solely for the addressee. If you have "
    "received this message in error, please notify the sender immediately and delete it. Any unauthorised use, "
    "disclosure or copying of this message is strictly prohibited. The company accepts no liability for any "
    "damage caused by any virus transmitted by this email."
)


@pytest.mark.parametrize(
    "body",
    [
        f"Добрый день!\nПросим прислать актуальный прайс на стрейч-плёнку.\n\nС уважением,\nИгорь Ветров\n\n{DISCLAIMER}",
        f"Добрый день!\nПросим прислать прайс.\n\nИгорь\n\nCONFIDENTIALITY NOTICE\n{DISCLAIMER}",
        f"Добрый день!\nПросим прислать прайс.\n{DISCLAIMER}",
    ],
)
def test_short_russian_text_with_a_long_english_disclaimer_is_russian(body):
    assert detect_language(body) == "ru"
    assert detect_language("Прайс на стрейч-плёнку", body) == "ru"
    assert detect_language("Прайс на стрейч-плёнку", new_text(body) or body) == "ru"


def test_chinese_text_with_an_english_disclaimer_is_chinese():
    assert detect_language("询价", f"您好，请报价500mm缠绕膜。\n\n{DISCLAIMER}") == "zh"


def test_the_first_lines_weigh_most():
    russian = "\n".join(["Нужна плёнка 500 мм, 20 рулонов в месяц, доставка в Казань."] * 10)
    english = "\n".join(["Specification: cast stretch film, 23 micron, 500 mm, 1500 m per roll"] * 15)
    assert detect_language(f"{russian}\n{english}") == "ru"
    assert detect_language(f"{english}\n{russian}") == "en"
