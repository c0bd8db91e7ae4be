"""new_text: only what the author wrote now, without quoted history or signature."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import is_forward_subject, new_text
from tests.unit.corpus import collapse, entries, ids, raw

REPLIES = [e for e in entries("reply") if e["expect"].get("new_text") is not None]
WITH_TEXT = [e for e in entries() if e["expect"].get("text_contains")]
WITH_EXCLUSIONS = [e for e in entries() if e["expect"].get("text_not_contains")]


def body_of(case) -> str:
    return new_text(parse_mime(raw(case)).text)


@pytest.mark.parametrize("case", REPLIES, ids=ids(REPLIES))
def test_reply_keeps_exactly_the_new_text(case):
    assert collapse(body_of(case)) == collapse(case["expect"]["new_text"])


@pytest.mark.parametrize("case", WITH_TEXT, ids=ids(WITH_TEXT))
def test_what_the_customer_wrote_survives(case):
    text = body_of(case)
    for fragment in case["expect"]["text_contains"]:
        assert fragment in text


@pytest.mark.parametrize("case", WITH_EXCLUSIONS, ids=ids(WITH_EXCLUSIONS))
def test_quotes_and_signatures_are_gone(case):
    text = body_of(case)
    for fragment in case["expect"]["text_not_contains"]:
        assert fragment not in text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Please confirm the date.\n\nOn Tue, 3 Nov 2026 at 10:00, Desk <\n"
            "desk@requestflow.example> wrote:\n> old\n",
            "Please confirm the date.",
        ),
        (
            "Да, подтверждаем.\n\nпт, 6 нояб. 2026 г. в 9:15, Служба <desk@x.ru>:\n\n> Подтвердите заказ\n",
            "Да, подтверждаем.",
        ),
        (
            "Received, thanks.\n\nFrom: Desk <desk@x.example>\nSent: Monday, 2 November 2026 10:00\n"
            "To: Bob <bob@y.example>\nSubject: RE: order\n\nold text",
            "Received, thanks.",
        ),
        (
            "Danke.\n\nVon: Desk <desk@x.example>\nGesendet: Montag, 2. November 2026 10:00\n"
            "An: Bob\nBetreff: x\n\nalt",
            "Danke.",
        ),
        ("好的，明天发货。\n\n------------------ 原始邮件 ------------------\n发件人: desk\n", "好的，明天发货。"),
        ("Ok\n\nSent from my Galaxy\n", "Ok"),
        (
            "Noted.\n\nOn Monday, November 2, 2026, 09:09:00 AM GMT+1, Desk <d@x.example> wrote:\n\n\nDear customer",
            "Noted.",
        ),
        ("收到。\n\n发自网易邮箱大师\n", "收到。"),
        ("\ufeffПринято.\n\nОтправлено из мобильной Почты Mail.ru\n", "Принято."),
        ("Need 5 rolls.\n\nBest regards, Anna Schulz\nLager Nord GmbH\n+49 40 555 01\n", "Need 5 rolls."),
        ("Нужно 5 рулонов.\n\nС уважением, Иван\n", "Нужно 5 рулонов."),
    ],
)
def test_common_reply_styles(body, expected):
    assert new_text(body) == expected


def test_inline_answers_between_quotes_are_kept_with_the_questions_they_answer():
    body = "> Which width?\n500 mm.\n\n> How many rolls?\n40 rolls a month.\n\n-- \nBob"
    assert new_text(body) == "> Which width?\n500 mm.\n\n> How many rolls?\n40 rolls a month."


def test_koi8r_reply_with_quote_and_signature_after_it():
    text = (
        "Получили, спасибо.\n\nВы писали 5 ноября 2026 г., 10:00:\n\n> Отгрузили вам 20 рулонов.\n\n"
        "-- \nС уважением,\n Пётр Семёнов\n"
    )
    mail = (
        b"From: p@example.ru\r\nSubject: Re: x\r\nContent-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("koi8-r")
    )
    assert new_text(parse_mime(mail).text) == "Получили, спасибо."


def test_inline_forward_is_not_cut_as_history():
    body = (
        "See the complaint below.\n\n---------- Forwarded message ---------\nFrom: Shop <shop@example.com>\n"
        "Date: Mon, 2 Nov 2026 at 10:00\nSubject: Damaged rolls\nTo: me@example.com\n\nTwelve rolls arrived torn."
    )
    assert "Twelve rolls arrived torn." in new_text(body)


@pytest.mark.parametrize(
    "body",
    [
        "Hi,\nThank you!\nPlease send the price list for next month and the delivery terms for Leeds.",
        "Добрый день.\nОтправлено с опозданием на три дня, прошу разобраться.",
        "Hello,\nKind regards from the whole team, and could you quote 40 rolls?",
        "Спасибо,\nно можно ли отгрузить раньше, в четверг?",
        "Order: 20 rolls\n\nFrom: our warehouse in Leeds\nTo: your site\nfor delivery next week.",
        "Маршрут:\nОт: Москва\nДата: 05.11\nКому: ООО Ромашка\nВес: 2 т",
        'On the delivery note the driver wrote:\n"12 rolls damaged"',
        "Sent via DHL yesterday, tracking 1234567890.\nPlease confirm receipt.",
        "来自上海的订单：500卷\n请确认。",
        "Need 5 rolls.\n\nThanks,\nJohn\n\nP.S. Add 2 boxes of tape",
    ],
)
def test_real_content_is_not_mistaken_for_a_signature(body):
    assert collapse(new_text(body)) == collapse(body)


@pytest.mark.parametrize("body", ["-- \nBob Smith", "Sent from my iPhone\n\n> old", "> quoted only\n> more", ""])
def test_nothing_new_gives_empty_text(body):
    assert new_text(body) == ""


def html_mail(html: str) -> bytes:
    return (
        "From: a@b.c\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + html
    ).encode()


@pytest.mark.parametrize(
    "html",
    [
        '<div dir="ltr">Yes, ship on Friday.<div><br></div><div>Best regards,<br>Ann</div></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, 2 Nov 2026 at 09:09, Desk &lt;d@x.example&gt;'
        ' wrote:<br></div><blockquote class="gmail_quote"><div>Dear customer,</div></blockquote></div>',
        '<div>Yes, ship on Friday.</div><hr><div id="divRplyFwdMsg"><b>From:</b> Desk &lt;d@x&gt;<br>'
        "<b>Sent:</b> Tuesday, 3 November 2026<br><b>To:</b> Ann<br><b>Subject:</b> x</div><div>old</div>",
        "<p>Yes, ship on Friday.</p><p>&nbsp;</p><p>-- </p><p>Ann</p>"
        "<blockquote><p>Dear customer,</p></blockquote>",
    ],
)
def test_html_only_replies(html):
    assert new_text(parse_mime(html_mail(html)).text) == "Yes, ship on Friday."


# --- an attribution only starts history when history follows ----------------------------------

@pytest.mark.parametrize(
    "body",
    [
        "Добрый день.\n\n31 октября 2026 г. в 17:40 ваш менеджер Иван написал:\n«Машина будет у вас 2 ноября до обеда».\n"
        "Сегодня 3 ноября, машины нет. Из-за задержки мы сорвали отгрузку.\nТребуем назвать точную дату поставки.",
        "Hello,\n\nOn 2 November 2026 at 14:00 your driver wrote:\n\"Delivery tomorrow before noon.\"\n"
        "Nothing arrived. We had to stop the packing line.\nPlease tell us the new delivery date.",
        "Вчера в 10:30 ваш водитель пишет:\nбуду через час\nС тех пор тишина, телефон выключен. Где машина?",
        "2026年11月2日 14:00 你们的司机写道：\n“明天上午送到”\n到现在还没有到货，请尽快确认新的送货时间。",
    ],
)
def test_a_cited_sentence_after_an_attribution_like_line_is_not_history(body):
    assert collapse(new_text(body)) == collapse(body)


def test_attribution_with_a_quoted_line_then_own_text_keeps_the_own_text():
    body = (
        "Hello,\nOn 2 November 2026 at 14:00 your driver wrote:\n> Delivery tomorrow before noon.\n"
        "Nothing arrived. Please tell us the new delivery date."
    )
    assert new_text(body) == "Hello,\nNothing arrived. Please tell us the new delivery date."


def test_gmail_russian_attribution_wrapped_over_two_lines_is_dropped():
    body = (
        "Добрый день!\n\nУточняю: плёнка нужна шириной 500 мм.\n\nвт, 3 нояб. 2026 г. в 10:15, Requestflow Desk <\n"
        "desk+r.rf-2611-0007.5ce0051a7020@requestflow.example>:\n\n> Уважаемый(ая) Дмитрий Лаптев,\n>\n"
        "> благодарим за обращение.\n"
    )
    assert new_text(body) == "Добрый день!\n\nУточняю: плёнка нужна шириной 500 мм."


def test_own_line_just_above_a_complete_attribution_is_kept():
    body = "Спасибо.\nпт, 6 нояб. 2026 г. в 9:15, Служба <desk@x.ru>:\n> Подтвердите заказ\n"
    assert new_text(body) == "Спасибо."
    body = "Thanks, confirmed.\nOn Tue, 3 Nov 2026 at 10:00, Desk <desk@x.example> wrote:\n> old\n"
    assert new_text(body) == "Thanks, confirmed."


@pytest.mark.parametrize(
    "tag", ["Получить Outlook для Android", "Получить Outlook для iOS", "Get Outlook for Android", "获取 Outlook for iOS"]
)
def test_outlook_mobile_tags_are_dropped(tag):
    body = f"Добрый день!\nСчёт получили, спасибо. Оплатим завтра.\n\n{tag}\n________________________________\nОт: Desk"
    assert new_text(body) == "Добрый день!\nСчёт получили, спасибо. Оплатим завтра."


# --- signatures ---------------------------------------------------------------------------------

def test_double_dash_without_space_in_the_middle_does_not_cut():
    body = (
        "Добрый день!\nНужны 40 рулонов плёнки 23 мкм.\n--\nДоставка на склад в Подольске, разгрузка с 9:00 до 17:00, "
        "нужен пропуск на машину и водителя с паспортом.\nОплата по счёту в течение трёх дней после поставки."
    )
    assert collapse(new_text(body)) == collapse(body)


@pytest.mark.parametrize("delimiter", ["--", "-- "])
def test_double_dash_before_a_short_last_block_is_a_signature(delimiter):
    body = f"Нужны 40 рулонов плёнки 23 мкм.\n{delimiter}\nИван Петров\nООО «Вектор»\n+7 495 123-45-67"
    assert new_text(body) == "Нужны 40 рулонов плёнки 23 мкм."


@pytest.mark.parametrize(
    "history",
    [
        "From: Desk <d@x.ru>\nSent: Monday, 2 November 2026 10:00\nTo: Ivan\nSubject: RE: order\n\n"
        + "old text\n" * 8,
        "On Mon, 2 Nov 2026 at 10:00, Desk <d@x.ru> wrote:\n> old\n> old",
    ],
)
def test_double_dash_signature_above_the_quoted_history(history):
    assert new_text(f"Нужно 5 рулонов.\n--\nИван\n\n{history}") == "Нужно 5 рулонов."


def test_sign_off_with_bank_details_keeps_everything_above_it():
    body = (
        "Добрый день!\nПросим выставить счёт на 20 рулонов стрейч-плёнки 500 мм.\nДоставка до склада в Химках.\n\n"
        "Спасибо,\nООО «Ромашка»\nИНН 7701234567 КПП 770101001\nр/с 40702810900000012345\nБИК 044525225"
    )
    assert new_text(body) == (
        "Добрый день!\nПросим выставить счёт на 20 рулонов стрейч-плёнки 500 мм.\nДоставка до склада в Химках."
    )


def test_thanks_comma_going_on_with_the_sentence_is_not_a_sign_off():
    body = "Добрый день!\nСчёт получили.\nСпасибо,\nждём отгрузку 20 рулонов в четверг\nИван"
    assert new_text(body) == body


@pytest.mark.parametrize(
    "disclaimer",
    [
        "This e-mail and any attachments are confidential and intended solely for the addressee. If you have "
        "received this message in error, please notify the sender immediately and delete it. Any unauthorised "
        "use, disclosure or copying of this message is strictly prohibited.",
        "CONFIDENTIALITY NOTICE: The information in this message is confidential and may be privileged.",
        "Конфиденциально. Данное сообщение и вложения предназначены исключительно для адресата. Если вы получили "
        "его по ошибке, сообщите отправителю и удалите его.",
        "免责声明：本邮件及其附件含有保密信息，仅供指定收件人使用。如果您误收了本邮件，请立即通知发件人并删除。",
    ],
)
def test_confidentiality_disclaimers_are_not_new_text(disclaimer):
    body = f"Добрый день!\nПросим прислать актуальный прайс на стрейч-плёнку.\n\nС уважением,\nИгорь Ветров\n\n{disclaimer}"
    assert new_text(body) == "Добрый день!\nПросим прислать актуальный прайс на стрейч-плёнку."


def test_a_customer_sentence_about_confidentiality_is_kept():
    body = "Hello,\nPlease keep our prices confidential.\n\nWe need 40 rolls a month, delivery to Leeds."
    assert new_text(body) == body


# --- forwards -----------------------------------------------------------------------------------

OUTLOOK_FORWARD = (
    "Hi,\n\nPlease see below the report from our warehouse and arrange a replacement.\n\nRegards,\nMark Allen\n"
    "Operations Manager\n\n-----Original Message-----\nFrom: Warehouse Leeds <warehouse@allenfoods.co.uk>\n"
    "Sent: 03 November 2026 08:12\nTo: Mark Allen <mark.allen@allenfoods.co.uk>\n"
    "Subject: Damaged pallets on delivery DN-7781\n\nMark,\n\n"
    "Delivery DN-7781 arrived this morning with 4 pallets of stretch film crushed.\nPhoto attached.\n\nWarehouse Leeds"
)


def test_forwarded_outlook_message_is_kept_when_the_author_forwarded_it():
    text = new_text(OUTLOOK_FORWARD, forwarded=True)
    assert "arrange a replacement" in text
    assert "4 pallets of stretch film crushed" in text
    assert "Subject: Damaged pallets on delivery DN-7781" in text
    assert "Original Message" not in text and "Operations Manager" not in text


def test_the_same_block_in_a_reply_is_history():
    assert new_text(OUTLOOK_FORWARD) == "Hi,\n\nPlease see below the report from our warehouse and arrange a replacement."


@pytest.mark.parametrize(
    "forward",
    [
        "________________________________\nОт: Склад <sklad@x.ru>\nОтправлено: 3 ноября 2026 г. 8:12\nКому: Иван\n"
        "Тема: Брак\n\n12 рулонов пришли с порванной втулкой.",
        "-------- Пересылаемое сообщение --------\n03.11.2026, 08:12, \"Склад\" <sklad@x.ru>:\n\n"
        "12 рулонов пришли с порванной втулкой.\n-------- Конец пересылаемого сообщения --------",
        "------------------ 原始邮件 ------------------\n发件人: 仓库 <ck@x.cn>\n发送时间: 2026年11月3日 8:12\n"
        "收件人: 王\n主题: 破损\n\n12 рулонов пришли с порванной втулкой.",
    ],
)
def test_forwarded_blocks_in_other_languages_are_kept(forward):
    body = f"Коллеги, пересылаю письмо склада, просим заменить.\n\nОтправлено с iPhone\n\n{forward}"
    text = new_text(body, forwarded=True)
    assert "просим заменить" in text and "12 рулонов пришли с порванной втулкой." in text
    assert "iPhone" not in text


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("FW: Damaged pallets", True), ("Fwd: заказ", True), ("Пересл.: Брак", True), ("转发: 投诉", True),
        ("WG: Bestellung", True), ("TR: commande", True), ("[EXT] FW: x", True),
        ("RE: FW: x", False), ("Re: заказ", False), ("Forward planning", False), ("", False),
    ],
)
def test_forward_subjects(subject, expected):
    assert is_forward_subject(subject) is expected
