"""What the simulation's customers and staff write: mail and form posts in ru/en/zh built from sentence
templates and the category keywords of the desk config, all drawn from one seeded random generator.

Nothing here talks to the desk; `devstack.simulate` sends what this module writes.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

LANGUAGES = (("ru", 0.45), ("en", 0.35), ("zh", 0.20))
CATEGORIES = (("question", 0.30), ("order", 0.25), ("documents", 0.20), ("complaint", 0.15), ("auto_reply", 0.10))
"""The share of each kind of incoming first message; `auto_reply` is an out-of-office the desk must ignore."""

PRODUCTS = {
    "en": ["stretch film 23 micron", "shrink film 50 micron", "pallet wrap 500 mm", "bubble wrap", "PE bags 60x80",
           "corner boards", "strapping band 12 mm", "silage film"],
    "ru": ["стрейч-плёнка 23 мкм", "термоусадочная плёнка", "воздушно-пузырчатая плёнка", "паллетная плёнка 500 мм",
           "мешки ПВД 60x80", "уголки картонные", "лента ПП 12 мм", "силосная плёнка"],
    "zh": ["缠绕膜23微米", "热收缩膜", "气泡膜", "托盘膜500毫米", "PE袋60x80", "护角板", "打包带12毫米", "青贮膜"],
}
CITIES = {"en": ["Rotterdam", "Dublin", "Leeds", "Antwerp", "Gdansk"],
          "ru": ["Казань", "Самару", "Екатеринбург", "Новосибирск", "Тверь"],
          "zh": ["上海", "宁波", "广州", "天津", "深圳"]}
NAMES = {"en": ["Pieter de Vries", "John Carter", "Emma Walsh", "Mark Evans", "Sarah Lewis", "Tom Becker"],
         "ru": ["Анна Соколова", "Дмитрий Орлов", "Елена Иванова", "Сергей Кузьмин", "Ольга Белова", "Игорь Лебедев"],
         "zh": ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊"]}
DOMAINS = {"en": ["maasvlakte-logistics.nl", "carterpack.co.uk", "walsh-foods.ie", "becker-agri.de"],
           "ru": ["tdvolga.ru", "uralpack.ru", "sibagro.ru", "mail.ru"],
           "zh": ["ningbo-pack.cn", "163.com", "sh-trade.cn", "qq.com"]}
MONTHS = {"en": ["October", "November", "the third quarter"], "ru": ["октябрь", "ноябрь", "III квартал"],
          "zh": ["十月", "十一月", "第三季度"]}

SUBJECTS = {
    "question": {"en": ["Question about {product}", "Do you deliver {product} to {city}?", "{Kw}: {product}"],
                 "ru": ["Вопрос по {product}", "Подскажите по доставке в {city}", "{Kw}: {product}"],
                 "zh": ["请问{product}的交货期", "咨询：{product}", "{Kw}：{product}"]},
    "order": {"en": ["Order: {product}", "Quote for {product}", "{Kw}: {product}, {qty} rolls"],
              "ru": ["Заказ: {product}", "Прошу цену на {product}", "{Kw}: {product}"],
              "zh": ["订单：{product}", "询价：{product}", "{Kw}：{product}"]},
    "documents": {"en": ["Invoice copy for order {order}", "Certificate for {product}", "{Kw} for order {order}"],
                  "ru": ["Акт сверки за {month}", "Счёт на оплату по заказу {order}", "{Kw} по заказу {order}"],
                  "zh": ["请提供订单{order}的发票", "合同与证书：{product}", "{Kw}：订单{order}"]},
    "complaint": {"en": ["Complaint: damaged delivery {order}", "Order {order} arrived late", "{Kw}: order {order}"],
                  "ru": ["Претензия по заказу {order}", "Брак в поставке {order}", "{Kw}: заказ {order}"],
                  "zh": ["投诉：订单{order}货物破损", "订单{order}延误", "{Kw}：订单{order}"]},
}
BODIES = {
    "question": {"en": "Hello,\n\nCould you tell me whether you have {product} in stock? How long does delivery to "
                       "{city} take?\n\nBest regards,\n{name}",
                 "ru": "Здравствуйте!\n\nПодскажите, пожалуйста, есть ли в наличии {product}? Сколько идёт доставка "
                       "в {city}?\n\nС уважением,\n{name}",
                 "zh": "您好，\n\n请问{product}有现货吗？发货到{city}需要多少天？\n\n谢谢，\n{name}"},
    "order": {"en": "Hello,\n\nWe would like to order {product}: {qty} rolls{need}. Please send us your best price.\n\n"
                    "{name}",
              "ru": "Добрый день!\n\nПрошу выставить цену на {product}, нужно {qty} рулонов{need}.\n\n{name}",
              "zh": "您好，\n\n我们需要采购{product}，{need}{qty}卷。请报价。\n\n{name}"},
    "documents": {"en": "Hello,\n\nPlease send us a copy of the invoice for order {order} and the certificate for "
                        "{product}.\n\n{name}",
                  "ru": "Добрый день!\n\nПришлите, пожалуйста, акт сверки за {month} и счёт на оплату по заказу "
                        "{order}.\n\n{name}",
                  "zh": "您好，\n\n请提供订单{order}的发票和合同。\n\n{name}"},
    "complaint": {"en": "Hello,\n\nThe delivery of {product} for order {order} arrived damaged: {n} rolls are crushed. "
                        "We expect a replacement or a credit note.\n\n{name}",
                  "ru": "Здравствуйте!\n\nПо заказу {order} пришла повреждённая {product}: {n} рулонов брак. Просим "
                        "замену или возврат.\n\n{name}",
                  "zh": "您好，\n\n订单{order}的{product}到货破损，{n}卷损坏。请尽快处理退货或退款。\n\n{name}"},
}
NEED = {"en": " per month", "ru": " в месяц", "zh": "每月"}
NEED_REPLY = {"en": "Our monthly need is about {qty} rolls.", "ru": "Потребность — {qty} рулонов в месяц.",
              "zh": "每月需求{qty}卷。"}
CUSTOMER_REPLY = {"en": ["Thank you. One more question: can you deliver next week?", "Thanks, that helps. "
                         "Could you also confirm the delivery date?"],
                  "ru": ["Спасибо! Ещё вопрос: сможете доставить на следующей неделе?",
                         "Спасибо, понятно. Подтвердите, пожалуйста, дату отгрузки."],
                  "zh": ["谢谢！还有一个问题：下周可以发货吗？", "谢谢，请再确认一下发货日期。"]}
REOPEN = {"en": "Sorry, the problem is still there: {n} more rolls are damaged.",
          "ru": "К сожалению, проблема не решена: ещё {n} рулонов с браком.",
          "zh": "抱歉，问题仍未解决：又有{n}卷损坏。"}
STAFF_ANSWER = {
    "en": ["Hello {name},\n\nthank you for your message. We have checked it: {answer}\n\nKind regards",
           "Dear {name},\n\n{answer} Please let us know if you need anything else."],
    "ru": ["Здравствуйте, {name}!\n\nСпасибо за обращение. Мы проверили: {answer}\n\nС уважением",
           "{name}, добрый день!\n\n{answer} Если нужно что-то ещё, напишите нам."],
    "zh": ["{name}您好，\n\n感谢您的来信。我们已核实：{answer}\n\n此致", "{name}您好，\n\n{answer}如有其他需要请告诉我们。"],
}
ANSWERS = {"en": ["the goods are in stock and ship within three days.", "the documents are attached to our system "
                  "and will follow by post.", "a replacement leaves our warehouse tomorrow."],
           "ru": ["товар на складе, отгрузка в течение трёх дней.", "документы подготовлены и отправлены почтой.",
                  "замена будет отгружена завтра."],
           "zh": ["货物有现货，三天内发货。", "单据已准备好并已寄出。", "补发的货物明天出库。"]}
SIGNATURE = "\n--\n{staff}\nRequestflow Desk\n"
AUTO_REPLY = {"en": ("Automatic reply: out of office", "I am out of the office until Monday."),
              "ru": ("Автоответ: в отпуске", "Я в отпуске до понедельника."),
              "zh": ("自动回复：休假中", "我休假至周一。")}

PASS = ("Authentication-Results: amazonses.com; spf=pass smtp.mailfrom={address}; "
        "dkim=pass header.d={domain}; dmarc=pass\r\n")
"""SES's verdicts on a staff member's mail from the desk's own domain: vouched for."""


def _whole_words(words: list[str], lang: str) -> list[str]:
    """The config's keywords that read as words in a subject: Chinese ones always; Latin and Cyrillic ones
    when they are not cut-off stems (the config keeps stems like "поврежд", fine for matching, odd to read)."""
    if lang == "zh":
        return [w for w in words if len(w) >= 2 and w not in ("？", "?")]
    return [w for w in words if len(w) >= 4 and re.fullmatch(r"[^\W\d_]+", w)
            and (lang != "ru" or w[-1] in "аоуыяьйр" or w in ("брак", "возврат", "документ"))]


@dataclass
class Customer:
    name: str
    email: str
    lang: str


@dataclass
class FirstMessage:
    category: str
    lang: str
    customer: Customer
    subject: str
    body: str
    states_need: bool
    urgent: bool


class Traffic:
    """A seeded author of every message the simulation sends."""

    def __init__(self, config, seed: int, customers: int = 400):
        self.rng = random.Random(seed)
        self.config = config
        self.keywords = {c.id: {lang: _whole_words(c.keywords.get(lang), lang) for lang, _ in LANGUAGES}
                         for c in config.categories}
        self.urgent = {lang: _whole_words(config.priority.urgent_words.get(lang), lang) or ["срочно"]
                       for lang, _ in LANGUAGES}
        self.customers = [self._customer(n) for n in range(customers)]

    def pick(self, weighted):
        values, weights = zip(*weighted)
        return self.rng.choices(values, weights)[0]

    def _customer(self, n: int) -> Customer:
        lang = self.pick(LANGUAGES)
        name = self.rng.choice(NAMES[lang])
        domain = self.rng.choice(DOMAINS[lang])
        return Customer(name, f"c{n:04d}@{domain}", lang)

    def order_number(self) -> str:
        return f"{self.rng.randint(30000, 39999)}"

    def first_message(self) -> FirstMessage:
        customer = self.rng.choice(self.customers)
        lang = customer.lang
        category = self.pick(CATEGORIES)
        if category == "auto_reply":
            subject, body = AUTO_REPLY[lang]
            return FirstMessage(category, lang, customer, subject, body, False, False)
        states_need = category == "order" and self.rng.random() < 0.6
        values = {"product": self.rng.choice(PRODUCTS[lang]), "city": self.rng.choice(CITIES[lang]),
                  "qty": self.rng.choice([20, 40, 60, 120, 300]), "order": self.order_number(),
                  "month": self.rng.choice(MONTHS[lang]), "n": self.rng.randint(2, 12), "name": customer.name,
                  "need": NEED[lang] if states_need else ""}
        keywords = self.keywords.get(category, {}).get(lang) or [category]
        keyword = self.rng.choice(keywords)
        values["Kw"] = keyword[:1].upper() + keyword[1:]
        subject = self.rng.choice(SUBJECTS[category][lang]).format(**values)
        urgent = self.rng.random() < 0.08
        if urgent:
            word = self.rng.choice(self.urgent[lang])
            subject = f"{word[:1].upper() + word[1:]}: {subject}"
        body = BODIES[category][lang].format(**values)
        return FirstMessage(category, lang, customer, subject, body, states_need, urgent)

    def need_reply(self, lang: str) -> str:
        return NEED_REPLY[lang].format(qty=self.rng.choice([20, 40, 60, 120]))

    def customer_reply(self, lang: str) -> str:
        return self.rng.choice(CUSTOMER_REPLY[lang])

    def reopen(self, lang: str) -> str:
        return REOPEN[lang].format(n=self.rng.randint(2, 9))

    def staff_answer(self, lang: str, customer_name: str, staff_name: str) -> str:
        text = self.rng.choice(STAFF_ANSWER[lang]).format(name=customer_name, answer=self.rng.choice(ANSWERS[lang]))
        return text + SIGNATURE.format(staff=staff_name)


def mime(sender: str, name: str, to: str, subject: str, body: str, message_id: str, *,
         in_reply_to: str | None = None, headers: str = "") -> bytes:
    """A plain UTF-8 message as a mail client sends it (the quoted history left out)."""
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    text = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return (f"{headers}From: {name} <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"{thread}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n").encode()
