"""Classification by the shipped config: category, urgency and missing facts as a desk worker would judge."""
import pytest

from chalicelib.core.requests.classify import classify
from chalicelib.core.config import load_config
from chalicelib.settings import DEFAULT_CONFIG


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


@pytest.mark.parametrize("subject, body, category", [
    ("Заказ 5512 — брак", "Половина рулонов бракованные, просим замену или возврат денег.", "complaint"),
    ("Re: order 5512", "The goods arrived damaged. We want a refund.", "complaint"),
    ("緊急：收到的熱收縮膜破損", "收到的貨有破損，請盡快處理。", "complaint"),
    ("Счёт на 10 рулонов", "Просим счёт на 10 рулонов стрейч-плёнки.", "documents"),
    ("Quote request", "Please quote 40 rolls of stretch film per month.", "order"),
    ("Hello", "Do you deliver to Dublin?", "question"),
    ("Плёнка по заказу 7781", "Пришла плёнка 17 мкм вместо заказанной 23 мкм, она нам не подходит.", "complaint"),
])
def test_the_category_is_what_a_desk_worker_would_pick(config, subject, body, category):
    assert classify(config, subject, body).category == category


@pytest.mark.parametrize("subject, body, headers, urgent", [
    ("СРОЧНО нужна плёнка", "", {}, True),
    ("Question", "Not urgent at all, whenever you have a moment.", {}, False),
    ("Вопрос", "Вопрос не срочный, ответьте, когда будет время.", {}, False),
    ("Question", "This is non-urgent.", {}, False),
    ("紧急订单", "", {}, True),
    ("【急件】熱收縮膜訂單", "急件！請盡快安排。", {}, True),
    ("Certificate", "", {"priority": ["non-urgent"], "x-priority": ["5"], "importance": ["low"]}, False),
    ("Certificate", "", {"importance": ["High"]}, True),
    ("Certificate", "", {"x-priority": ["1 (Highest)"]}, True),
])
def test_urgency_reads_words_and_headers_but_not_negations(config, subject, body, headers, urgent):
    assert (classify(config, subject, body, headers=headers).priority == "urgent") is urgent


@pytest.mark.parametrize("body", [
    "Каждый месяц берём около 150 рулонов.",
    "We use about 1,200 rolls each month.",
    "一个月大概用800卷。",
    "Потребность 2 тонны в мес.",
    "Monthly volume: 40 rolls.",
    "Нам на месяц уходит около 2 тонн.",
    "月消耗量大约500卷。",
    "Annual consumption: approx. 36 tonnes, spread evenly over the year.",
])
def test_an_order_that_states_its_monthly_need_is_not_asked_for_it(config, body):
    assert classify(config, "Заказ плёнки", body, category_hint="order").missing_facts == ()


@pytest.mark.parametrize("body, sentence", [
    ("Hello. We use about 1,200 rolls each month. Please quote.", "We use about 1,200 rolls each month"),
    ("Добрый день!\nНам на месяц уходит около 2 тонн.\nС уважением", "Нам на месяц уходит около 2 тонн"),
    ("您好！一个月大概用800卷。请报价。", "一个月大概用800卷"),
    ("Please quote; monthly volume: 40 rolls", "monthly volume: 40 rolls"),
])
def test_the_monthly_need_is_kept_in_the_customers_own_words(config, body, sentence):
    result = classify(config, "Order", body, category_hint="order")
    assert result.facts == {"monthly_need": sentence} and result.missing_facts == ()


def test_a_stated_fact_is_quoted_at_most_a_line_long(config):
    body = "We need " + "very " * 80 + "many rolls per month"
    fact = classify(config, "Order", body, category_hint="order").facts["monthly_need"]
    assert len(fact) == 160 and fact.endswith("…") and fact.startswith("We need very")


def test_an_order_without_a_monthly_need_is_asked_for_it(config):
    assert classify(config, "Order", "Please send 5 rolls.", category_hint="order").missing_facts == ("monthly_need",)


def test_the_form_category_wins_over_keywords(config):
    assert classify(config, "Complaint", "damaged", category_hint="documents").category == "documents"


@pytest.mark.parametrize("subject, body, category", [
    ("Angebot Stretchfolie", "Bitte schicken Sie uns ein Angebot für 40 Rollen Stretchfolie 500 mm.", "order"),
    ("Bestellung", "Wir möchten 20 Paletten Stretchfolie bestellen.", "order"),
    ("Reklamation Auftrag 7781", "Von zwanzig Rollen sind sechs beim Transport beschädigt worden. Wir bitten um Ersatz.",
     "complaint"),
    ("Lieferung 5512", "Wir haben 23 µm bestellt und statt dessen 17 µm erhalten, die Folie passt nicht.", "complaint"),
    ("Rechnung 4471", "Bitte senden Sie die Rechnung noch einmal, das PDF lässt sich nicht öffnen.", "documents"),
    ("Sicherheitsdatenblatt", "Können Sie uns das Sicherheitsdatenblatt für die Folie schicken?", "documents"),
    ("Frage", "Liefern Sie auch nach Österreich?", "question"),
    ("Devis film étirable", "Pourriez-vous m'envoyer un devis pour 40 rouleaux de film étirable ?", "order"),
    ("Commande", "Nous souhaitons passer une commande de 20 palettes.", "order"),
    ("Réclamation commande 7781", "Six rouleaux ont été endommagés pendant le transport. Nous demandons un avoir.",
     "complaint"),
    ("Livraison", "La livraison est arrivée en retard et il manque deux cartons.", "complaint"),
    ("Facture 4471", "Merci de renvoyer la facture, le PDF ne s'ouvre pas.", "documents"),
    ("Certificat", "Pouvez-vous nous envoyer le certificat de conformité ?", "documents"),
    ("Question", "Livrez-vous en Belgique ?", "question"),
    ("Presupuesto", "¿Podrían enviarme un presupuesto para 40 rollos de film estirable?", "order"),
    ("Pedido", "Queremos hacer un pedido de 20 palés.", "order"),
    ("Reclamación pedido 7781", "Seis rollos llegaron dañados. Pedimos la sustitución o un abono.", "complaint"),
    ("Entrega", "El pedido llegó con retraso y faltan dos cajas.", "complaint"),
    ("Factura 4471", "Por favor, vuelvan a enviar la factura, el PDF no se abre.", "documents"),
    ("Contrato", "Necesitamos el contrato firmado y los datos bancarios.", "documents"),
    ("Consulta", "¿Hacen envíos a Portugal?", "question"),
])
def test_german_french_and_spanish_mail_gets_the_category_a_desk_worker_would_pick(config, subject, body, category):
    assert classify(config, subject, body).category == category


@pytest.mark.parametrize("subject, body, urgent", [
    ("Dringend: Folie", "Wir brauchen die Folie bis morgen.", True),
    ("Frage", "Es ist nicht dringend, antworten Sie, wenn Sie Zeit haben.", False),
    ("Frage", "Nicht so dringend.", False),
    ("Commande urgente", "Il nous faut le film au plus vite.", True),
    ("Question", "Ce n'est pas urgent.", False),
    ("Question", "Rien d'urgent, merci.", False),
    ("Pedido urgente", "Lo necesitamos lo antes posible.", True),
    ("Consulta", "No es urgente, contesten cuando puedan.", False),
    ("Consulta", "Sin urgencia.", False),
    ("Question", "This is not an urgent matter.", False),
    ("Question", "No reply yet, urgent!", True),
])
def test_urgency_and_its_negation_are_read_in_german_french_and_spanish(config, subject, body, urgent):
    assert (classify(config, subject, body).priority == "urgent") is urgent


@pytest.mark.parametrize("subject, body", [
    ("RE: Pedido 889", "Hola, el pedido llegó con 2 cajas dañadas."),
    ("Re: Order 889", "The order arrived damaged."),
    ("AW: Bestellung 4711", "Die Lieferung kam beschädigt an."),
    ("Ответ: Заказ 17", "Заказ пришёл с браком."),
])
def test_a_reply_about_an_order_that_complains_is_a_complaint(subject, body):
    assert classify(load_config(DEFAULT_CONFIG), subject, body).category == "complaint"


@pytest.mark.parametrize("text", ["Budget 1.200 € pro Monat", "2 palettes par mois", "40 rollos al mes",
                                  "5 pallets per maand", "4 paletes por mês", "40 рулонів на місяць",
                                  "20 rullar per månad", "毎月200本", "매월 100개"])
def test_the_monthly_need_is_recognised_in_many_languages(text):
    result = classify(load_config(DEFAULT_CONFIG), "Order stretch film", f"We would like to order. {text}.",
                      category_hint="order")
    assert "monthly_need" not in result.missing_facts
