"""detect_language: the language the desk answers in."""
from __future__ import annotations

import pytest

from chalicelib.core.language import detect_language
from chalicelib.core.mime import parse_mime
from chalicelib.core.quotes import new_text
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
