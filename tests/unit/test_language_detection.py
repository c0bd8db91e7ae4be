"""detect_language in the thirteen languages every desk recognises, on mail written for these tests.

SAMPLES are (language, subject, new text), short and long requests about packaging film and tape, some
with an English disclaimer, some with product codes in another script.
"""
from __future__ import annotations

import re

import pytest

from chalicelib.core.mail.language import LANGUAGES, detect_language
from chalicelib.core.mail.quotes import new_text

DISCLAIMER = (
    "This e-mail and any attachments are confidential and intended solely for the addressee. If you have "
    "received this message in error, please notify the sender immediately and delete it."
)

SAMPLES: list[tuple[str, str, str]] = [
    # English
    ("en", "Stretch film", "Hi, could you send me a price for 40 rolls of 500 mm stretch film?"),
    ("en", "Invoice 4471", "Please resend the invoice, the PDF did not open."),
    ("en", "Damaged delivery", "Two pallets arrived crushed. We need a replacement by Friday.\n\nThanks,\nTom"),
    ("en", "", "Do you have BOPP tape 48x66 in stock? We would need about 300 boxes a month."),
    ("en", "Re: quote", "Thank you. We accept the offer, please book the truck for next Tuesday."),
    ("en", "Question about delivery to Rotterdam",
     "Good morning,\n\nwe are a distributor in the Netherlands and would like to know whether you can deliver "
     "to our warehouse in Rotterdam every month. Our usual order would be 20 pallets of cast stretch film "
     "(23 µm, 500 mm) and some hand rolls. What are your lead times and payment terms for new customers?\n\n"
     "Kind regards,\nPieter de Vries\nVan den Berg Verpakkingen B.V."),

    # Russian
    ("ru", "Заказ плёнки", "Добрый день! Нужна стрейч-плёнка 500 мм, 20 рулонов. Когда сможете отгрузить?"),
    ("ru", "Счёт", "Пришлите счёт на оплату по заказу PO-88213."),
    ("ru", "Re: доставка", f"Груз так и не пришёл, где он сейчас?\n\nС уважением,\nИгорь\n\n{DISCLAIMER}"),
    ("ru", "Вопрос", "Есть ли у вас лента BOPP 48x66 в наличии?"),
    ("ru", "", "Спасибо, получили. Всё в порядке."),
    ("ru", "Претензия по поставке 7781",
     "Здравствуйте!\n\nВчера пришла партия плёнки по заказу 7781. Из двадцати рулонов шесть повреждены при "
     "перевозке, на двух рулонах плёнка слиплась и рвётся при намотке. Просим заменить бракованные рулоны "
     "или сделать возврат денег. Фотографии прилагаем.\n\nС уважением,\nОльга Белова\nООО «Сибупак»"),

    # Ukrainian
    ("uk", "Замовлення плівки", "Добрий день! Потрібна стрейч-плівка 500 мм, 20 рулонів. Коли зможете відвантажити?"),
    ("uk", "Рахунок", "Надішліть, будь ласка, рахунок на оплату за замовленням PO-88213."),
    ("uk", "Доставка", "Вантаж досі не прийшов. Де він зараз?"),
    ("uk", "Питання", "Чи є у вас стрічка BOPP 48x66 в наявності?"),
    ("uk", "", f"Дякуємо, отримали. Усе гаразд.\n\nЗ повагою,\nОлена\n\n{DISCLAIMER}"),
    ("uk", "Претензія щодо поставки 7781",
     "Вітаю!\n\nУчора надійшла партія плівки за замовленням 7781. З двадцяти рулонів шість пошкоджені під час "
     "перевезення, а на двох рулонах плівка злиплася і рветься під час намотування. Просимо замінити "
     "браковані рулони або повернути гроші. Фотографії додаємо.\n\nЗ повагою,\nОксана Коваленко\nТОВ «Їжак Пак»"),

    # Chinese
    ("zh", "询价", "您好，请报价500mm缠绕膜，每月大约300卷。"),
    ("zh", "發票", "請開具上個月的發票，謝謝。"),
    ("zh", "", f"收到的货有破损，请尽快处理。\n\n{DISCLAIMER}"),
    ("zh", "关于BOPP胶带", "请问48mm x 100m的BOPP胶带有现货吗？"),
    ("zh", "交货时间", "我们下周需要20托盘的热收缩膜，能按时发货吗？"),
    ("zh", "投诉：订单5512",
     "你好，\n\n我们上周收到订单5512的货物，其中有六卷缠绕膜在运输中损坏，另外两卷的膜粘在一起，使用时容易断裂。"
     "请安排更换或者退款。照片见附件。\n\n此致\n王芳\n上海包装材料有限公司"),

    # Japanese
    ("ja", "見積依頼", "ストレッチフィルム500mmを20ロールお願いします。"),
    ("ja", "請求書", "先月分の請求書を送ってください。"),
    ("ja", "", f"届いた商品が破損していました。交換をお願いします。\n\n{DISCLAIMER}"),
    ("ja", "在庫確認", "BOPPテープ48mm×100mの在庫はありますか？"),
    ("ja", "納期について", "来週までに発送可能でしょうか。"),
    ("ja", "注文5512の件",
     "お世話になっております。\n\n先週注文5512の商品を受け取りましたが、ストレッチフィルム6本が輸送中に破損しており、"
     "さらに2本はフィルムがくっついて使用中に切れてしまいます。交換または返金をお願いいたします。写真を添付します。"
     "\n\nよろしくお願いいたします。\n山田花子\n株式会社東京包装"),

    # Korean
    ("ko", "견적 요청", "500mm 스트레치 필름 20롤 견적 부탁드립니다."),
    ("ko", "세금계산서", "지난달 세금계산서를 보내주세요."),
    ("ko", "", f"받은 제품이 파손되었습니다. 교환 부탁드립니다.\n\n{DISCLAIMER}"),
    ("ko", "재고 문의", "BOPP 테이프 48mm x 100m 재고 있나요?"),
    ("ko", "배송", "다음 주까지 배송 가능할까요?"),
    ("ko", "주문 5512 관련 불만",
     "안녕하세요.\n\n지난주 주문 5512 제품을 받았는데 스트레치 필름 6롤이 운송 중 파손되었고, 2롤은 필름이 서로 "
     "붙어서 사용 중에 끊어집니다. 교환 또는 환불을 요청드립니다. 사진을 첨부합니다.\n\n감사합니다.\n김민수\n"
     "서울포장 주식회사"),

    # German
    ("de", "Angebot Stretchfolie", "Hallo, bitte schicken Sie uns ein Angebot für 40 Rollen Stretchfolie 500 mm."),
    ("de", "Rechnung 4471", "Bitte senden Sie die Rechnung noch einmal, das PDF lässt sich nicht öffnen."),
    ("de", "Lieferung beschädigt", f"Zwei Paletten sind beschädigt angekommen.\n\nMit freundlichen Grüßen\nJens\n\n{DISCLAIMER}"),
    ("de", "", "Haben Sie BOPP-Klebeband 48x66 auf Lager? Wir brauchen etwa 300 Kartons im Monat."),
    ("de", "AW: Angebot", "Danke, wir nehmen das Angebot an."),
    ("de", "Reklamation Auftrag 7781",
     "Sehr geehrte Damen und Herren,\n\ngestern ist die Lieferung zu unserem Auftrag 7781 eingetroffen. Von "
     "zwanzig Rollen sind sechs beim Transport beschädigt worden, bei zwei weiteren klebt die Folie zusammen und "
     "reißt beim Abwickeln. Wir bitten um Ersatz oder eine Gutschrift. Fotos sind im Anhang.\n\n"
     "Mit freundlichen Grüßen\nAnna Schmidt\nSchmidt Verpackungen GmbH"),

    # French
    ("fr", "Devis film étirable", "Bonjour, pourriez-vous m'envoyer un devis pour 40 rouleaux de film étirable 500 mm ?"),
    ("fr", "Facture 4471", "Merci de renvoyer la facture, le PDF ne s'ouvre pas."),
    ("fr", "Livraison endommagée", f"Deux palettes sont arrivées abîmées.\n\nCordialement,\nJulien\n\n{DISCLAIMER}"),
    ("fr", "", "Avez-vous du ruban adhésif BOPP 48x66 en stock ? Il nous faut environ 300 cartons par mois."),
    ("fr", "RE: devis", "Merci, nous acceptons votre offre."),
    ("fr", "Réclamation commande 7781",
     "Madame, Monsieur,\n\nnous avons reçu hier la livraison de notre commande 7781. Sur vingt rouleaux, six "
     "ont été endommagés pendant le transport et, sur deux autres, le film colle et se déchire au déroulage. "
     "Nous vous demandons un remplacement ou un avoir. Vous trouverez les photos en pièce jointe.\n\n"
     "Cordialement,\nMarie Dupont\nEmballages Dupont SARL"),

    # Spanish
    ("es", "Presupuesto film estirable", "Hola, ¿podrían enviarme un presupuesto para 40 rollos de film estirable de 500 mm?"),
    ("es", "Factura 4471", "Por favor, vuelvan a enviar la factura, el PDF no se abre."),
    ("es", "Entrega dañada", f"Dos palés llegaron dañados.\n\nSaludos,\nJavier\n\n{DISCLAIMER}"),
    ("es", "", "¿Tienen cinta adhesiva BOPP 48x66 en stock? Necesitamos unas 300 cajas al mes."),
    ("es", "RE: presupuesto", "Gracias, aceptamos la oferta."),
    ("es", "Reclamación pedido 7781",
     "Estimados señores:\n\nayer recibimos la entrega de nuestro pedido 7781. De veinte rollos, seis se dañaron "
     "durante el transporte y en otros dos el film se pega y se rompe al desenrollarlo. Les pedimos la "
     "sustitución o un abono. Adjuntamos las fotos.\n\nUn saludo,\nLucía García\nEmbalajes García S.L."),

    # Italian
    ("it", "Preventivo film estensibile", "Buongiorno, potete inviarci un preventivo per 40 rotoli di film estensibile da 500 mm?"),
    ("it", "Fattura 4471", "Per favore inviate di nuovo la fattura, il PDF non si apre."),
    ("it", "Consegna danneggiata", f"Due bancali sono arrivati danneggiati.\n\nCordiali saluti,\nMarco\n\n{DISCLAIMER}"),
    ("it", "", "Avete del nastro adesivo BOPP 48x66 a magazzino? Ci servono circa 300 cartoni al mese."),
    ("it", "R: preventivo", "Grazie, accettiamo l'offerta."),
    ("it", "Reclamo ordine 7781",
     "Gentili signori,\n\nieri abbiamo ricevuto la merce del nostro ordine 7781. Su venti rotoli, sei sono stati "
     "danneggiati durante il trasporto e su altri due il film si incolla e si strappa durante lo svolgimento. "
     "Chiediamo la sostituzione oppure una nota di credito. Le foto sono in allegato.\n\n"
     "Distinti saluti,\nGiulia Rossi\nImballaggi Rossi S.r.l."),

    # Portuguese
    ("pt", "Orçamento filme stretch", "Olá, podem enviar-nos um orçamento para 40 rolos de filme stretch de 500 mm?"),
    ("pt", "Fatura 4471", "Por favor, enviem novamente a fatura, o PDF não abre."),
    ("pt", "Entrega danificada", f"Duas paletes chegaram danificadas.\n\nObrigado,\nJoão\n\n{DISCLAIMER}"),
    ("pt", "", "Vocês têm fita adesiva BOPP 48x66 em estoque? Precisamos de cerca de 300 caixas por mês."),
    ("pt", "RE: orçamento", "Obrigada, aceitamos a proposta."),
    ("pt", "Reclamação encomenda 7781",
     "Prezados senhores,\n\nontem recebemos a entrega da nossa encomenda 7781. Dos vinte rolos, seis ficaram "
     "danificados durante o transporte e, em outros dois, o filme está colado e rasga ao desenrolar. Pedimos a "
     "substituição ou um reembolso. Seguem as fotografias em anexo.\n\nAtenciosamente,\nAna Costa\n"
     "Embalagens Costa Lda."),

    # Dutch
    ("nl", "Offerte rekfolie", "Hallo, kunt u ons een offerte sturen voor 40 rollen rekfolie van 500 mm?"),
    ("nl", "Factuur 4471", "Wilt u de factuur nogmaals sturen? De PDF gaat niet open."),
    ("nl", "Beschadigde levering", f"Twee pallets zijn beschadigd aangekomen.\n\nMet vriendelijke groet,\nSander\n\n{DISCLAIMER}"),
    ("nl", "", "Heeft u BOPP-tape 48x66 op voorraad? Wij hebben ongeveer 300 dozen per maand nodig."),
    ("nl", "RE: offerte", "Bedankt, wij gaan akkoord met de offerte."),
    ("nl", "Klacht bestelling 7781",
     "Geachte heer, mevrouw,\n\ngisteren hebben wij de levering van onze bestelling 7781 ontvangen. Van de twintig "
     "rollen zijn er zes tijdens het transport beschadigd en bij twee andere plakt de folie aan elkaar en scheurt "
     "bij het afwikkelen. Wij verzoeken u om vervanging of een creditnota. De foto's zitten in de bijlage.\n\n"
     "Met vriendelijke groet,\nEva Jansen\nJansen Verpakkingen B.V."),

    # Polish
    ("pl", "Oferta folia stretch", "Dzień dobry, proszę o ofertę na 40 rolek folii stretch 500 mm."),
    ("pl", "Faktura 4471", "Proszę o ponowne przesłanie faktury, plik PDF się nie otwiera."),
    ("pl", "Uszkodzona dostawa", f"Dwie palety dotarły uszkodzone.\n\nPozdrawiam,\nTomasz\n\n{DISCLAIMER}"),
    ("pl", "", "Czy mają Państwo taśmę BOPP 48x66 na stanie? Potrzebujemy około 300 kartonów miesięcznie."),
    ("pl", "RE: oferta", "Dziękujemy, przyjmujemy ofertę."),
    ("pl", "Reklamacja zamówienia 7781",
     "Szanowni Państwo,\n\nwczoraj otrzymaliśmy dostawę do naszego zamówienia 7781. Z dwudziestu rolek sześć "
     "zostało uszkodzonych w transporcie, a w dwóch kolejnych folia skleja się i rwie przy rozwijaniu. Prosimy "
     "o wymianę lub zwrot pieniędzy. Zdjęcia przesyłamy w załączniku.\n\nZ poważaniem,\nKatarzyna Nowak\n"
     "Nowak Opakowania Sp. z o.o."),
]


def _ids(cases):
    return [f"{case[0]}-{i}" for i, case in enumerate(cases)]


def test_every_language_has_short_and_long_samples():
    for lang in LANGUAGES:
        sentences = sorted(len(re.findall(r"[.!?](?:\s|$)|[。！？]", body.replace(DISCLAIMER, "")))
                           for language, _, body in SAMPLES if language == lang)
        assert len(sentences) >= 5 and sentences[0] <= 1 and sentences[-1] >= 3, lang


@pytest.mark.parametrize(("language", "subject", "body"), SAMPLES, ids=_ids(SAMPLES))
def test_a_request_is_stored_in_the_language_it_is_written_in(language, subject, body):
    assert detect_language(subject, body) == language
    assert detect_language(body) == language
    assert detect_language(subject, new_text(body) or body) == language


SHORT = [
    ("es", "Factura 4471", "Por favor, vuelvan a enviar la factura."),
    ("es", "Pedido", "Necesito 20 rollos."),
    ("es", "", "Gracias"),
    ("es", "Consulta", "¿Tienen stock?"),
    ("es", "Entrega dañada", "Dos palés llegaron dañados."),
    ("de", "", "Danke!"),
    ("de", "Rechnung", "Bitte schicken Sie die Rechnung."),
    ("de", "Frage", "Haben Sie das auf Lager?"),
    ("de", "Dringend", "Wir brauchen es morgen."),
    ("fr", "", "Merci beaucoup"),
    ("fr", "Question", "Avez-vous du stock ?"),
    ("fr", "Urgent", "Nous en avons besoin demain."),
    ("fr", "Facture", "Pouvez-vous renvoyer la facture ?"),
    ("it", "", "Grazie mille"),
    ("it", "Domanda", "Avete disponibilità?"),
    ("it", "Urgente", "Ci serve domani."),
    ("it", "Fattura", "Potete inviare la fattura?"),
    ("pt", "", "Obrigado"),
    ("pt", "Pergunta", "Vocês têm estoque?"),
    ("pt", "Urgente", "Precisamos amanhã."),
    ("pt", "Fatura", "Podem enviar a fatura?"),
    ("nl", "", "Bedankt"),
    ("nl", "Vraag", "Heeft u dit op voorraad?"),
    ("nl", "Spoed", "We hebben het morgen nodig."),
    ("nl", "Factuur", "Kunt u de factuur sturen?"),
    ("pl", "", "Dziękuję"),
    ("pl", "Pytanie", "Czy macie to na stanie?"),
    ("pl", "Pilne", "Potrzebujemy tego jutro."),
    ("pl", "Faktura", "Proszę przesłać fakturę."),
    ("en", "", "Thanks"),
    ("en", "Question", "Do you have it in stock?"),
    ("en", "Urgent", "We need it tomorrow."),
    ("en", "", "Contact: Test"),
    ("uk", "Рахунок", "Дякую"),
    ("ru", "Счет", "Спасибо"),
    ("ru", "", "Пришлите счет на оплату по заказу"),
    ("uk", "", "Чекаємо на відповідь"),
]


@pytest.mark.parametrize(("language", "subject", "body"), SHORT, ids=_ids(SHORT))
def test_a_one_line_mail_is_told_apart_by_its_most_frequent_words(language, subject, body):
    assert detect_language(subject, body) == language


@pytest.mark.parametrize(("language", "subject", "body"), [
    ("de", "Lieferung beschädigt",
     "Zwei Paletten sind beschädigt angekommen.\n\nBest regards\nJens Müller\nSales Manager\nMüller GmbH"),
    ("fr", "Commande 5512", "Merci de livrer la commande lundi.\n\nBest regards,\nJulien Martin\nPurchasing"),
    ("es", "", f"Necesitamos la factura del pedido 5512 para cerrar el mes.\n\n{DISCLAIMER}"),
    ("pl", "Zamówienie", f"Prosimy o potwierdzenie terminu dostawy.\n\nKind regards\nPiotr\n\n{DISCLAIMER}"),
    ("en", "Order", "Please ship 20 rolls to Maasvlakte Logistics B.V., Europaweg 875, 3199 LD Rotterdam."),
    ("en", "Re: Angebot 4471", "Thank you, please go ahead with the order."),
])
def test_an_english_signature_or_a_foreign_name_does_not_change_the_language(language, subject, body):
    assert detect_language(subject, body) == language


@pytest.mark.parametrize(("language", "subject", "body"), [
    ("ru", "Артикул SF-500-23", "Нужно 20 рулонов PE-LD 500mm x 300m, BOPP 48x66 — 100 коробок."),
    ("uk", "Артикул SF-500-23", "Потрібно 20 рулонів PE-LD 500mm x 300m, BOPP 48x66 — 100 коробок."),
    ("de", "PE-LD 500/23µ", "Wir brauchen 20 Rollen SF-500-23 und 5 Kartons BOPP-48x66."),
    ("zh", "BOPP-48x66-CLR", "请报价BOPP-48x66-CLR 3000卷和PE-LD 500mm x 300m。"),
    ("ja", "BOPP-48x66-CLR", "BOPP-48x66-CLRを3000巻お願いします。"),
    ("ko", "BOPP-48x66-CLR", "BOPP-48x66-CLR 3000롤 주문합니다."),
])
def test_product_codes_in_another_script_do_not_decide(language, subject, body):
    assert detect_language(subject, body) == language


@pytest.mark.parametrize("subject, body", [
    ("見積依頼", "至急対応願います。"),
    ("", "ストレッチフィルム 20ロール 至急"),
    ("注文5512の件", "よろしくお願いします。"),
    ("納期", "来週の月曜日に届きますか？"),
    ("請求書", "請求書の再発行をお願いします。"),
])
def test_japanese_is_never_taken_for_chinese(subject, body):
    assert detect_language(subject, body) == "ja"


@pytest.mark.parametrize("subject, body", [
    ("询价", "我们使用ポカリ品牌的膜，请报价。"),
    ("", "本日发货"),
    ("发票", "请开发票。"),
])
def test_chinese_stays_chinese_with_a_japanese_brand_name_or_no_kana(subject, body):
    assert detect_language(subject, body) == "zh"


@pytest.mark.parametrize("body", [
    "Доброго дня! Чи можна замовити 20 рулонів?",
    "Дякую, все гаразд",
    "Ґудзики не потрібні, тільки плівка.",
    "Є питання щодо доставки до Києва.",
    "Ми чекаємо на рахунок уже тиждень.",
])
def test_ukrainian_is_never_taken_for_russian(body):
    assert detect_language("", body) == "uk"


def test_a_language_outside_the_thirteen_is_recognised_with_or_without_the_config_naming_it():
    swedish = "Hej! Vi behöver 20 rullar sträckfilm varje månad. Kan ni skicka en offert?"
    assert detect_language("Offert", swedish, also=("sv",)) == "sv"
    assert detect_language("Offert", swedish) == "sv"


def test_the_same_text_always_gets_the_same_language():
    for language, subject, body in SAMPLES[:: 7]:
        assert {detect_language(subject, body) for _ in range(3)} == {language}
