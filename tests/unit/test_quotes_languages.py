"""new_text with the mail clients and languages of Europe and Asia: attributions, header blocks, signatures."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import new_text

QUOTE = "\n\n> Dear customer,\n> your order 7781 has been shipped.\n"
OLD = "\n\nDear customer,\nyour order 7781 has been shipped.\n\nRequestflow Desk"


# --- attributions, one per client language ------------------------------------------------------

ATTRIBUTIONS = [
    ("Bitte 20 Rollen liefern.", "Am 03.11.2026 um 10:00 schrieb Desk <desk@example.com>:"),
    ("Bitte 20 Rollen liefern.", "Am Di., 3. Nov. 2026 um 10:00 Uhr schrieb Desk <desk@example.com>:"),
    ("Merci, c'est noté.", "Le mar. 3 nov. 2026 à 10:00, Desk <desk@example.com> a écrit :"),
    ("Gracias, recibido.", "El mar, 3 nov 2026 a las 10:00, Desk (<desk@example.com>) escribió:"),
    ("Grazie, ricevuto.", "Il giorno mar 3 nov 2026 alle ore 10:00 Desk <desk@example.com> ha scritto:"),
    ("Obrigado, recebido.", "Em ter., 3 de nov. de 2026 às 10:00, Desk <desk@example.com> escreveu:"),
    ("Bedankt, ontvangen.", "Op di 3 nov. 2026 om 10:00 schreef Desk <desk@example.com>:"),
    ("Bedankt, ontvangen.", "Desk <desk@example.com> heeft op 3 november 2026 om 10:00 het volgende geschreven:"),
    ("Tak, modtaget.", "Den tir. 3. nov. 2026 kl. 10.00 skrev Desk <desk@example.com>:"),
    ("Takk, mottatt.", "tir. 3. nov. 2026 kl. 10:00 skrev Desk <desk@example.com>:"),
    ("Tack, mottaget.", "Den 3 nov. 2026 kl. 10:00 skrev Desk <desk@example.com>:"),
    ("Dziękuję, otrzymałem.", "W dniu 3.11.2026 o 10:00, Desk <desk@example.com> pisze:"),
    ("Dziękuję, otrzymałem.", "wt., 3 lis 2026 o 10:00 Desk <desk@example.com> napisał(a):"),
    ("Kiitos, vastaanotettu.", "ti 3. marrask. 2026 klo 10.00 Desk <desk@example.com> kirjoitti:"),
    ("Děkuji, přijato.", "Dne 3. 11. 2026 10:00 napsal(a) Desk <desk@example.com>:"),
    ("Спасибо, получили.", "3 ноября 2026 г., в 10:00, Desk <desk@example.com> написал(а):"),
    ("受け取りました。", "2026年11月3日(火) 10:00 Desk <desk@example.com>:"),
    ("受け取りました。", "2026/11/03 10:00、Desk さんは書きました:"),
    ("잘 받았습니다.", "2026년 11월 3일 (화) 오전 10:00, Desk <desk@example.com>님이 작성:"),
    ("잘 받았습니다.", "2026. 11. 3. 오전 10:00, Desk <desk@example.com>님이 작성했습니다:"),
    ("Ok, got it.", "On 11/3/2026 10:00 AM, Desk <desk@example.com> wrote:"),
    ("Ok, got it.", "On 2026-11-03 10:00, Desk <desk@example.com> wrote:"),
    ("收到，谢谢。", "在 2026年11月3日 10:00，Desk <desk@example.com> 写道："),
    ("收到，謝謝。", "Desk <desk@example.com> 於 2026年11月3日 週二 上午10:00 寫道："),
]


@pytest.mark.parametrize(("own", "attribution"), ATTRIBUTIONS)
def test_attribution_above_quoted_history_is_dropped(own, attribution):
    assert new_text(f"{own}\n\n{attribution}{QUOTE}") == own


@pytest.mark.parametrize(("own", "attribution"), [(own, a) for own, a in ATTRIBUTIONS if "<" in a])
def test_attribution_with_the_senders_address_ends_unprefixed_history(own, attribution):
    assert new_text(f"{own}\n\n{attribution}{OLD}") == own


@pytest.mark.parametrize(
    "attribution",
    [
        "------On Tue, 3 Nov 2026 at 10:00, Desk wrote-----",
        "---- Desk wrote ----",
        "-------- Desk schrieb --------",
        "On Tue, Nov 3, 2026 at 10:00 AM Desk Team < mailto:desk@example.com > wrote:",
        "On Tue, 3 Nov 2026 10:00:43 -0200 Desk <desk@example.com> wrote",
    ],
)
def test_decorated_and_polymail_attributions_end_the_reply(attribution):
    assert new_text(f"We need 40 rolls.\n\n{attribution}{OLD}") == "We need 40 rolls."


@pytest.mark.parametrize(
    "attribution",
    [
        "On Tue, 3 Nov 2026 at 10:00, Requestflow Desk <\ndesk@example.com> wrote:",
        "Le mar. 3 nov. 2026 à 10:00, Requestflow Desk <desk@example.com>\na écrit :",
        "Il giorno mar 3 nov 2026, Requestflow Desk <desk@example.com>\nha scritto:",
        "Op 3 november 2026 10:00 schreef Requestflow Desk <\ndesk@example.com>:",
        "tir. 3. nov. 2026 kl. 10:00 skrev Requestflow Desk <desk@example.com\n>:",
        "ti 3. marraskuuta 2026 klo 10.00 Requestflow Desk\n<desk@example.com> kirjoitti:",
        "Em 3 de novembro de 2026 às 10:00, Requestflow Desk (\ndesk@example.com) escreveu:",
        "On Tuesday, November 3, 2026,\n10:00 AM, Requestflow Desk\n<desk@example.com> wrote:",
        "Requestflow Desk <desk@example.com>\n于2026年11月3日周二 10:00写道：",
    ],
)
def test_attributions_wrapped_over_lines_are_dropped(attribution):
    assert new_text(f"Please ship on Friday.\n\n{attribution}{QUOTE}") == "Please ship on Friday."
    assert new_text(f"Please ship on Friday.\n\n{attribution}{OLD}") == "Please ship on Friday."


@pytest.mark.parametrize(
    ("line", "own"),
    [
        ("Sounds good. On Tue, 3 Nov 2026 at 10:00, Desk <desk@example.com> wrote:", "Sounds good."),
        ("Passt so. Am 03.11.2026 um 10:00 schrieb Desk <desk@example.com>:", "Passt so."),
        ("D'accord. Le 3 nov. 2026 à 10:00, Desk <desk@example.com> a écrit :", "D'accord."),
        ("Prima! Op 3 nov. 2026 om 10:00 schreef Desk <desk@example.com>:", "Prima!"),
        ("Okej--- Den 3 nov. 2026 kl. 10:00 skrev Desk <desk@example.com>:", "Okej"),
        ("好的。在 2026年11月3日 10:00，Desk <desk@example.com> 写道：", "好的。"),
    ],
)
def test_new_words_on_the_attribution_line_are_kept(line, own):
    assert new_text(f"Hello,\n{line}{QUOTE}") == f"Hello,\n{own}"
    assert new_text(f"Hello,\n{line}{OLD}") == f"Hello,\n{own}"


# --- header blocks, known by their shape ---------------------------------------------------------

HEADER_BLOCKS = [
    "Date: Tue, 3 Nov 2026 10:00:00 +0100\nFrom: desk@example.com\nTo: anna@example.org\nSubject: RE: order 7781",
    "From: Desk <desk@example.com>\nSent: Tuesday, November 3, 2026 10:00 AM\nTo: Anna\nCc: Bob\nSubject: RE: x",
    "*From:* Desk <desk@example.com>\n*Sent:* Tuesday, November 3, 2026 10:00 AM\n*To:* Anna\n*Subject:* RE: x",
    "Von: Desk <desk@example.com>\nGesendet: Dienstag, 3. November 2026 10:00\nAn: Anna\nBetreff: AW: Bestellung",
    "-----Ursprüngliche Nachricht-----\nVon: Desk <desk@example.com>\nAn: Anna\nBetreff: Bestellung\n"
    "Datum: 03.11.2026 10:00",
    "De : Desk <desk@example.com>\nEnvoyé : mardi 3 novembre 2026 10:00\nÀ : Anna\nObjet : RE: commande",
    "De: Desk <desk@example.com>\nEnviado: martes, 3 de noviembre de 2026 10:00\nPara: Ana\nAsunto: RE: pedido",
    "Da: Desk <desk@example.com>\nInviato: martedì 3 novembre 2026 10:00\nA: Anna\nOggetto: R: ordine",
    "Van: Desk <desk@example.com>\nVerzonden: dinsdag 3 november 2026 10:00\nAan: Anna\nOnderwerp: RE: order",
    "-----Oprindelig meddelelse-----\nFra: Desk <desk@example.com>\nSendt: 3. november 2026 10:00\nTil: Anna\n"
    "Emne: SV: ordre",
    "Från: Desk <desk@example.com>\nSkickat: den 3 november 2026 10:00\nTill: Anna\nÄmne: SV: order",
    "Od: Desk <desk@example.com>\nWysłano: wtorek, 3 listopada 2026 10:00\nDo: Anna\nTemat: RE: zamówienie",
    "От: Desk <desk@example.com>\nОтправлено: 3 ноября 2026 г. 10:00\nКому: Анна",
    "差出人: Desk <desk@example.com>\n送信日時: 2026年11月3日 10:00\n宛先: Anna\n件名: RE: 注文",
    "보낸 사람: Desk <desk@example.com>\n보낸 날짜: 2026년 11월 3일 화요일 오전 10:00\n받는 사람: Anna\n제목: RE: 주문",
    "发件人: Desk <desk@example.com>\n发送时间: 2026年11月3日 10:00\n收件人: Anna\n主题: 回复: 订单",
    "寄件者: Desk <desk@example.com>\n傳送時間: 2026年11月3日 上午 10:00\n收件者: Anna\n主旨: 回覆: 訂單",
    "發件人: Desk <desk@example.com>\n日期: 2026年11月3日 10:00\n收件人: Anna\n主題: 回覆: 訂單",
    "Datum: 03.11.2026 10:00\nVon: desk@example.com\nAn: anna@example.org\nBetreff: AW: Bestellung",
    "Дата: 3 ноября 2026 г. 10:00\nОт: desk@example.com\nКому: anna@example.org",
    "送信日時: 2026/11/03 10:00\n差出人: desk@example.com\n宛先: anna@example.org",
    "Objet : RE: commande\nDe : Desk <desk@example.com>\nDate : 3 nov. 2026 10:00",
    "**Von:** Desk <desk@example.com>\n**Gesendet:** Dienstag, 3. November 2026 10:00\n**An:** Anna",
]


@pytest.mark.parametrize("block", HEADER_BLOCKS)
def test_reply_header_blocks_in_any_order_and_language_end_the_reply(block):
    assert new_text(f"Bitte 20 Rollen.\n\n{block}{OLD}") == "Bitte 20 Rollen."


def test_outlook_rule_above_a_header_block_goes_with_it():
    body = f"Bitte 20 Rollen.\n\n________________________________\n{HEADER_BLOCKS[12]}{OLD}"
    assert new_text(body) == "Bitte 20 Rollen."


@pytest.mark.parametrize(
    "block",
    [
        "Von: Lager <lager@example.de>\nGesendet: Dienstag, 3. November 2026 08:12\nAn: Anna\nBetreff: Bruch",
        "差出人: 倉庫 <soko@example.jp>\n送信日時: 2026年11月3日 8:12\n宛先: Anna\n件名: 破損",
        "Fra: Lager <lager@example.dk>\nSendt: 3. november 2026 08:12\nTil: Anna\nEmne: Brud",
    ],
)
def test_a_header_block_forwarded_by_its_author_keeps_the_forwarded_message(block):
    body = f"Bitte ersetzen.\n\n-----Original Message-----\n{block}\n\n12 Rollen kamen beschädigt an."
    text = new_text(body, forwarded=True)
    assert text.startswith("Bitte ersetzen.") and text.endswith("12 Rollen kamen beschädigt an.")
    assert "Original Message" not in text


@pytest.mark.parametrize(
    "body",
    [
        "Delivery details:\nFrom: Leeds warehouse\nTo: Manchester site\nDate: any weekday",
        "Route:\nVon: Hamburg\nAn: Berlin\nDatum: nächste Woche",
        "Trajet :\nDe : Lyon\nÀ : Paris\nDate : mardi prochain",
        "Маршрут:\nОт: Москва\nКому: ООО Ромашка\nДата: 05.11",
        "Please send the invoice.\nFrom: the finance team, who asked me to follow up.",
        "配送：\n发件人: 上海仓库\n收件人: 北京门店",
    ],
)
def test_label_lines_of_the_customers_own_are_kept(body):
    assert new_text(body) == body


# --- the customer's own text ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "body",
    [
        "Hello,\nyour driver wrote on the delivery note that 12 rolls were damaged.\nPlease send replacements.",
        "Guten Tag,\nIhr Fahrer schrieb auf den Lieferschein: 12 Rollen beschädigt.\nBitte Ersatz schicken.",
        "Bonjour,\nvotre chauffeur a écrit sur le bon : 12 rouleaux abîmés.\nMerci d'envoyer un remplacement.",
        "Hej,\ner chaufför skrev på följesedeln att 12 rullar var skadade.\nSkicka ersättning.",
        "Op de pakbon schreef de chauffeur:\n\"12 rollen beschadigd\"\nGraag vervanging sturen.",
        "Am Montag schrieb uns Ihr Fahrer um 10:00:\nLieferung morgen.\nEs kam nichts.",
        "您好，\n司机在送货单上写道：12卷破损。\n请补发。",
    ],
)
def test_mentioning_who_wrote_what_is_not_history(body):
    assert new_text(body) == body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hello,\nas I wrote:\n> Delivery on Friday.\nIt did not come.", "Hello,\nas I wrote:\nIt did not come."),
        ("Guten Tag,\nwie Ihr Kollege schrieb:\n> Lieferung am Freitag.\nNichts kam.",
         "Guten Tag,\nwie Ihr Kollege schrieb:\nNichts kam."),
        ("Please deliver to Anna <anna@example.org> on 3 Nov 2026, 10:00:\n20 rolls\n5 boxes of tape",
         "Please deliver to Anna <anna@example.org> on 3 Nov 2026, 10:00:\n20 rolls\n5 boxes of tape"),
    ],
)
def test_the_customers_own_lines_introducing_a_quote_or_a_list_are_kept(body, expected):
    assert new_text(body) == expected


def test_an_inline_answer_under_a_quoted_line_is_kept():
    body = "> Können Sie am Freitag liefern oder erst am Montag der nächsten Woche, bitte?\nja, Freitag passt.\n> Gruß"
    assert new_text(body) == "ja, Freitag passt."


def test_the_unprefixed_tail_of_a_wrapped_quoted_line_is_quoted():
    body = (
        "Merci, reçu.\n\nLe 3 nov. 2026 à 10:00, Desk <desk@example.com> a écrit :\n"
        "> Votre commande 7781 a été expédiée depuis notre entrepôt de Lyon ce matin et\n"
        "arrivera jeudi.\n> Cordialement"
    )
    assert new_text(body) == "Merci, reçu."


# --- mobile signatures ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "tag",
    [
        "Sent from my iPhone", "Sent from Outlook for Android", "Get Outlook for iOS", "Sent from Yahoo Mail on Android",
        "Von meinem iPhone gesendet", "Gesendet von Outlook für Android<https://aka.ms/AAb9ysg>",
        "Gesendet mit der WEB.DE Mail App", "Envoyé de mon iPhone", "Envoyé à partir de Outlook pour iOS",
        "Enviado desde mi iPhone", "Enviado do meu iPhone", "Inviato da iPhone", "Verzonden vanaf mijn iPhone",
        "Verstuurd vanaf mijn iPad", "Skickat från min iPhone", "Sendt fra min iPhone", "Wysłane z mojego iPhone'a",
        "Odesláno z iPhonu", "Lähetetty iPhonesta", "Отправлено с iPhone", "Отправлено из мобильной Почты Mail.ru",
        "发自我的iPhone", "從我的 iPhone 傳送", "寄自我的iPhone", "iPhoneから送信", "내 iPhone에서 보냄",
    ],
)
def test_mobile_signatures_in_many_languages_are_dropped(tag):
    assert new_text(f"Bitte 20 Rollen.\n\n{tag}\n\n> alt") == "Bitte 20 Rollen."
    assert new_text(f"Bitte 20 Rollen.\n\n{tag}") == "Bitte 20 Rollen."


@pytest.mark.parametrize(
    "line",
    [
        "Envoyé de Lyon hier, le colis est perdu.", "Inviato da Milano ieri, non è arrivato.",
        "Wysłano z Krakowa wczoraj, nic nie dotarło.", "Lähetetty Helsingistä eilen.",
        "Odesláno z Brna včera, nedorazilo.", "Gesendet von unserem Lager in Hamburg am Montag.",
        "Skickat från lagret i Malmö i måndags.", "Sent from our Leeds warehouse on Monday.",
    ],
)
def test_a_line_about_where_goods_were_sent_from_is_not_a_mobile_signature(line):
    body = f"Hello,\n\n{line}\nPlease check."
    assert new_text(body) == body


def test_big5_reply_loses_its_attribution_and_mobile_signature():
    text = (
        "您好，\n我們需要二十卷，請於週五前送達。\n\n從我的 iPhone 傳送\n\n"
        "Requestflow Desk <desk@example.com> 於 2026年11月3日 週二 上午10:00 寫道：\n\n> 您的訂單已出貨。\n"
    )
    mail = (
        b"From: chen@example.tw\r\nSubject: Re: order\r\nContent-Type: text/plain; charset=big5\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("big5")
    )
    assert new_text(parse_mime(mail).text) == "您好，\n我們需要二十卷，請於週五前送達。"


def test_big5_attribution_without_a_mobile_signature():
    text = "好的，週五見。\n\n在 2026年11月3日，上午10:00，Desk <desk@example.com> 寫道：\n\n您的訂單已出貨。\n"
    mail = (
        b"From: chen@example.tw\r\nSubject: Re: order\r\nContent-Type: text/plain; charset=big5\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("big5")
    )
    assert new_text(parse_mime(mail).text) == "好的，週五見。"
