"""new_text on what a QA pass found: closings and names in many languages, signatures without '--',
Ukrainian mobile tags, and inline replies that keep the questions they answer."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import new_text

QUOTE = "\n\nOn Tue, 1 Dec 2026 at 09:00, Desk <desk@requestflow.example> wrote:\n> Dear customer,\n> thank you.\n"

CLOSINGS = [
    ("Proszę o ofertę na folię stretch. Czy możliwa jest dostawa do Łodzi?", "Pozdrawiam\nPaweł Wójcik"),
    ("Proszę o fakturę.", "Z poważaniem,\nAnna Nowak\nDział zakupów"),
    ("Wij hebben ongeveer 5 pallets per maand nodig.", "Met vriendelijke groet,\nJan de Vries"),
    ("Kunt u de factuur sturen?", "Groeten,\nSanne"),
    ("Vi har inte fått vår leverans ännu. När kommer den?", "Med vänliga hälsningar\nÅsa Öberg"),
    ("Kan I sende et tilbud på strækfilm?", "Venlig hilsen\nSøren Kjær"),
    ("Kan dere levere til Tromsø?", "Hilsen\nOla"),
    ("Kan dere sende en ny faktura?", "Med vennlig hilsen\nKari Nordmann\nInnkjøp"),
    ("Voisitteko lähettää tarjouksen?", "Ystävällisin terveisin\nMatti Virtanen"),
    ("Prosím o zaslání nabídky.", "S pozdravem\nJan Novák\nNákup"),
    ("Bitte senden Sie uns ein Angebot.", "Viele Grüße\nKlaus"),
    ("Merci de nous envoyer le devis.", "Bien cordialement,\nLuc Martin"),
    ("¿Podrían enviarnos un presupuesto?", "Un cordial saludo,\nLucía"),
    ("Potete inviare la fattura?", "Distinti saluti\nGiulia Rossi"),
    ("Podem enviar a fatura?", "Atenciosamente,\nJoão Silva"),
    ("Чи можете ви доставити плівку до Києва?", "З повагою,\nОлена"),
    ("Нужна плёнка 500 мм.", "С уважением,\nИгорь Ветров\nООО «Сибупак»"),
    ("ストレッチフィルムの見積もりをお願いいたします。", "よろしくお願いいたします。\n田中"),
    ("納期を教えてください。", "以上、よろしくお願いします。\n山田花子\n株式会社東京包装"),
    ("스트레치 필름 견적을 부탁드립니다.", "감사합니다.\n김민수 드림"),
    ("배송 일정을 알려주세요.", "고맙습니다.\n이지은\n서울포장 주식회사"),
    ("请报价，每月需要3吨。", "谢谢！\n王芳"),
    ("Please resend the invoice.", "All the best,\nSam"),
]


@pytest.mark.parametrize(("own", "closing"), CLOSINGS, ids=[c[1].split("\n")[0] for c in CLOSINGS])
def test_a_closing_and_the_name_under_it_are_not_new_text(own, closing):
    assert new_text(f"{own}\n\n{closing}") == own
    assert new_text(f"{own}\n\n{closing}{QUOTE}") == own


@pytest.mark.parametrize(
    "body",
    [
        "Pozdrawiam\nPaweł\n\nProszę jeszcze o fakturę korygującą za dostawę z zeszłego tygodnia.",
        "Met vriendelijke groet,\nJan\n\nPS: graag ook de leverbon meesturen.",
        "Hej!\nMed vänliga hälsningar från hela lagret vill vi beställa 20 rullar.",
        "Danke,\nwir warten auf die Rechnung bis Freitag.",
        "Venlig hilsen\nSøren\n\nHusk venligst at sende fakturaen til vores bogholderi.",
        "감사합니다.\n내일까지 배송 부탁드립니다.",
        "よろしくお願いいたします。\n明日までに発送してください。",
        "Thanks,\nJohn\n\nP.S. Add 2 boxes of tape",
        "Kind regards to your driver.\nHe was very helpful and the delivery arrived on time.\n"
        "We would like to order another 20 pallets next month.\nCould you send a quote for that?\n"
        "We also need 5 boxes of tape.\nAnd the invoice for the last delivery.\nThe PO number is 4471.\n"
        "Delivery address is unchanged.",
    ],
)
def test_a_closing_followed_by_real_text_or_in_the_middle_is_kept(body):
    assert new_text(body) == body


@pytest.mark.parametrize(
    ("own", "name"),
    [
        ("Thanks, Tuesday works for us.", "Sam"),
        ("我們的訂單還沒有收到，請問何時發貨？", "陳大文"),
        ("请尽快发货。", "李伟"),
        ("Пришлите, пожалуйста, счёт.", "Игорь"),
        ("Bitte um Rückruf.", "Anna Schulz"),
        ("배송 일정을 알려주세요.", "김민수"),
    ],
)
def test_a_bare_name_under_the_finished_text_is_not_new_text(own, name):
    assert new_text(f"{own}\n\n{name}") == own
    assert new_text(f"{own}\n\n{name}{QUOTE}") == own


@pytest.mark.parametrize(
    "body",
    [
        "Please deliver to:\n\nHamburg",
        "我们需要的型号是：\n\n加急",
        "Order for next week\n\nTuesday",
        "Можно ли доставить в четверг?\n\nЕсли нет, то в пятницу.",
    ],
)
def test_a_last_line_that_is_no_name_after_finished_text_is_kept(body):
    assert new_text(body) == body


@pytest.mark.parametrize(
    ("own", "signature"),
    [
        ("请报价，每月需要3吨。", "李伟\n销售部\n电话：010-12345678"),
        ("Please send 20 rolls.", "Ivan Petrov\nSales manager\n+7 495 123-45-67"),
        ("Bitte senden Sie die Rechnung.", "Klaus Müller\nEinkauf\nTel. 040 555 0123"),
        ("Proszę o ofertę.", "Paweł Wójcik\nKierownik zakupów\npawel.wojcik@firma.example"),
        ("見積もりをお願いします。", "佐藤健\n営業部\n電話: 03-1234-5678"),
    ],
)
def test_a_contact_block_without_a_delimiter_at_the_end_is_a_signature(own, signature):
    assert new_text(f"{own}\n\n{signature}") == own
    assert new_text(f"{own}\n{signature}{QUOTE}") == own


def test_a_delivery_contact_the_author_introduces_is_kept():
    body = "Please deliver to:\n\nIvan Petrov\nLenina 5, Kazan\n+7 495 123-45-67"
    assert new_text(body) == body


@pytest.mark.parametrize(
    "tag",
    ["Надіслано з iPhone", "Відправлено з мого Samsung Galaxy", "Надіслано з мого телефона",
     "Відправлено з пошти Ukr.net"],
)
def test_ukrainian_mobile_tags_are_dropped(tag):
    assert new_text(f"Дякуємо, рахунок отримали.\n\n{tag}") == "Дякуємо, рахунок отримали."
    assert new_text(f"Чи можна доставити в четвер?\n\nЗ повагою,\nОлена\n{tag}") == "Чи можна доставити в четвер?"


def test_ukrainian_mail_in_cp1251_with_a_samsung_tag():
    raw = (b"From: o@firma.example\r\nSubject: x\r\nContent-Type: text/plain; charset=windows-1251\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n"
           + "Доброго дня, надішліть рахунок. Дякуємо!\r\n\r\nВідправлено з мого Samsung Galaxy\r\n".encode("cp1251"))
    assert new_text(parse_mime(raw).text) == "Доброго дня, надішліть рахунок. Дякуємо!"


HISTORY = QUOTE.replace("> Dear customer,\n> thank you.", "> 1. How many pallets?\n> 2. Which thickness?")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Answers inline.\n> 1. How many pallets?\n20 pallets.\n> 2. Which thickness?\n23 micron." + HISTORY,
         "Answers inline.\n> 1. How many pallets?\n20 pallets.\n> 2. Which thickness?\n23 micron."),
        ("Ответы ниже.\n\n> Какая ширина?\n500 мм.\n\n> Сколько рулонов?\n> В месяц или разово?\n40 в месяц.\n\n"
         "Пн, 30 нояб. 2026 г. в 10:00, Desk <desk@x.ru>:\n> Какая ширина?\n",
         "Ответы ниже.\n\n> Какая ширина?\n500 мм.\n\n> Сколько рулонов?\n> В месяц или разово?\n40 в месяц."),
        ("Am 30.11.2026 um 10:00 schrieb Desk <desk@x.example>:\n> Welche Breite?\n500 mm.\n> Wie viele Rollen?\n"
         "> \n> Bitte mit Liefertermin.\n40 Rollen, Freitag.\n\n-- \nKlaus",
         "> Welche Breite?\n500 mm.\n> Bitte mit Liefertermin.\n40 Rollen, Freitag."),
        ("在 2026年11月30日 10:00，Desk <desk@x.cn> 写道：\n>宽度是多少？\n500毫米。\n>>需要多少卷？\n每月40卷。",
         "> 宽度是多少？\n500毫米。\n> > 需要多少卷？\n每月40卷。"),
    ],
)
def test_inline_answers_keep_the_quoted_lines_they_answer(body, expected):
    assert new_text(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        f"Thanks, 20 pallets.{QUOTE}",
        f"> How many pallets?\n20 pallets.{QUOTE}",
        "Спасибо, получили.\n\n> Счёт во вложении.\n> С уважением, Desk\n",
    ],
)
def test_a_reply_with_one_quoted_passage_keeps_no_quote(body):
    assert ">" not in new_text(body)


def test_long_quoted_passages_above_an_answer_keep_only_their_last_lines():
    quoted = "\n".join(f"> line {n} of the desk's long letter" for n in range(20))
    body = f"{quoted}\nAgreed.\n> And the price?\nFine too."
    assert new_text(body).split("\n") == [
        *(f"> line {n} of the desk's long letter" for n in range(12, 20)), "Agreed.", "> And the price?", "Fine too.",
    ]
