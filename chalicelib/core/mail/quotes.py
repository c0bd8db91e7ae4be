"""Keep only what the author wrote now: drop quoted history, reply headers and signatures."""
from __future__ import annotations

import re

__all__ = ["new_text", "is_forward_subject", "strip_disclaimers"]

_QUOTED = re.compile(r"^\s*>")
_QUOTE_MARKS = re.compile(r"^[\s>]*")
_CONTEXT_LINES = 8  # quoted lines kept above an inline answer: the question, not the whole quoted mail
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:original message|original e-?mail|reply message|antwort nachricht|исходное сообщение|ursprüngliche nachricht"
    r"|ursprüngliche e-?mail|originalnachricht|message d'origine|message original|mensaje original"
    r"|mensagem original|messaggio originale|oorspronkelijk bericht|origineel bericht|oprindelig meddelelse"
    r"|oprindelig besked|opprinnelig melding|originalmeldingen|ursprungligt meddelande|originalmeddelande"
    r"|wiadomość oryginalna|oryginalna wiadomość|alkuperäinen viesti|původní zpráva|původní e-?mail"
    r"|eredeti üzenet|orijinal mesaj|原始邮件|原始郵件|原邮件|原始信件|元のメッセージ|원본 메시지|원래 메시지)"
    r"\s*-{2,}\s*$",
    re.I,
)
_RULE = re.compile(r"^\s*(_{8,}|-{8,}|={8,})\s*$")
# the footer a list server puts under each message, below a rule: Mailman's "riak-users mailing list",
# Google Groups' "You received this message because you are subscribed to …"
_LIST_FOOTER = re.compile(
    r"^\s*\S.{0,60}\b(?:mailing list|list ?serv|рассылк[аи])\s*$|^\s*(?:you received this (?:message|email) because you are"
    r" subscribed|to unsubscribe from this (?:group|list)|вы получили это (?:сообщение|письмо), (?:так как|потому что) "
    r"подписаны)",
    re.I,
)
_SHORT_RULE = re.compile(r"^\s*[-_=*]{3,}\s*$")  # only a separator when a header block follows it
_FORWARD_WORDS = (
    r"forwarded message|begin forwarded message|пересылаемое сообщение|переадресованное сообщение"
    r"|перенаправленное сообщение|weitergeleitete nachricht|message transféré|mensaje reenviado"
    r"|转发的邮件|轉寄的郵件|转发邮件"
)
_FORWARD = re.compile(rf"({_FORWARD_WORDS})", re.I)
# A line that is only a forward marker: "---------- Forwarded message ---------", "Begin forwarded message:"
_FORWARD_LINE = re.compile(rf"^\s*[-_=*]*\s*(?:{_FORWARD_WORDS})\s*[-_=*]*\s*:?\s*$", re.I)
# Subject of a message forwarded by its author (not a reply): "FW:", "Fwd:", "Пересл.:", "转发:", "WG:", "TR:"
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|fw\[\d+\]|пересл(?:\.|ано)?|wg|tr|rv|enc|doorst"
    r"|转发|轉發|转寄|轉寄)\s*[:：]",
    re.I,
)

# Labels of the header block a mail client writes above the message it quotes, by what they name.
_HEADER_LABELS = {
    "from": (
        "from", "von", "de", "da", "van", "fra", "från", "od", "от", "kimden", "lähettäjä", "feladó", "afzender",
        "expéditeur", "remitente", "mittente", "nadawca", "odesílatel", "发件人", "寄件者", "發件人", "寄件人",
        "差出人", "보낸 사람", "送信者",
    ),
    "date": (
        "sent", "date", "sent at", "gesendet", "datum", "envoyé", "envoyé le", "message du", "enviado", "enviada",
        "enviado el", "fecha", "inviato", "data", "verzonden", "verstuurd", "skickat", "sendt", "dato", "wysłano",
        "wysłane", "odesláno", "lähetetty", "päivämäärä", "отправлено", "дата", "gönderildi", "tarih", "elküldve",
        "dátum", "发送时间", "发送日期", "日期", "時間", "传送时间", "傳送時間", "寄件日期", "送信日時", "日付",
        "날짜", "보낸 날짜",
    ),
    "to": (
        "to", "an", "à", "a", "para", "aan", "till", "til", "do", "komu", "кому", "vastaanottaja", "címzett",
        "kime", "destinatario", "收件人", "收件者", "宛先", "받는 사람",
    ),
    "cc": (
        "cc", "kopie", "copie", "copie à", "copia", "kopia", "kopi", "kopio", "dw", "копия", "抄送", "副本",
        "抄送人", "참조",
    ),
    "subject": (
        "subject", "betreff", "objet", "sujet", "asunto", "assunto", "oggetto", "onderwerp", "ämne", "emne",
        "temat", "předmět", "aihe", "тема", "konu", "tárgy", "主题", "主旨", "標題", "件名", "제목",
    ),
}
_LABEL_KIND = {"".join(label.split()): kind for kind, labels in _HEADER_LABELS.items() for label in labels}
_LABELS = "|".join(
    re.escape(label).replace(r"\ ", r"\s?")
    for label in sorted({lb for labels in _HEADER_LABELS.values() for lb in labels}, key=len, reverse=True)
)
# "From: …", "*From:* …", "> Von: …", "De : …", "发件人：…"
_HEADER_LINE = re.compile(rf"^[\s>]*[*_]{{0,2}}({_LABELS})[*_]{{0,2}}\s?[:：][*_]{{0,2}}\s*(.*)$", re.I)
_HEADER_SPAN = 12  # lines a header block may take, wrapped values included

_DEVICE = (
    r"iphon\w*|ipad|ipod|android|samsung|galaxy|xiaomi|huawei|honor|pixel|nokia|sony|motorola|oneplus|blackberry"
    r"|mobile|mobil\w*|handy|smartphone|tablet|phone|telefo\w*|telefoon|outlook|yahoo|gmail|mail|aol|gmx|web\.de"
    r"|t-online|proton ?mail|spark|edison|bluemail|airmail|superhuman"
)
_MOBILE = re.compile(
    r"^\s*("
    r"sent from my \w+(?: \w+){0,3}"
    rf"|sent from (?:{_DEVICE})\b.{{0,60}}"
    r"|sent (?:with|via) (?:spark|superhuman|proton ?mail|blackberry|airmail|edison mail|bluemail)\b.{0,40}"
    r"|get outlook for (?:ios|android)\b.{0,80}"
    r"|(?:получить|скачать|скачайте) outlook для (?:ios|android)\b.{0,40}"
    r"|(?:outlook für (?:ios|android) herunterladen|obtenir outlook pour (?:ios|android)"
    r"|obtener outlook para (?:ios|android)|scarica outlook per (?:ios|android)|obter o outlook para (?:ios|android)"
    r"|outlook voor (?:ios|android) downloaden|hämta outlook för (?:ios|android)|hent outlook (?:for|til) (?:ios|android)"
    r"|pobierz (?:aplikację )?outlook dla (?:ios|android))\b.{0,40}"
    r"|获取\s*(?:outlook for (?:ios|android)|(?:ios|android)\s*版\s*outlook)\b.{0,20}"
    r"|(?:从|從)\s*(?:ios|android)\s*版\s*outlook\s*(?:发送|傳送)"
    r"|отправлено (?:с|из) (?:моего |мобильного |мобильной )?"
    r"(?:iphone|ipad|android|samsung|xiaomi|huawei|honor|телефона|смартфона|устройства|почты|приложения"
    r"|яндекс|mail\.ru)\b.{0,60}"
    r"|(?:надіслано|відправлено) (?:з|із) (?:мого |моєї |мобільного )?"
    rf"(?:{_DEVICE}|телефона|смартфона|пристрою|пошти|додатка|додатку)\b.{{0,60}}"
    r"|(?:发自|發自|来自|來自|寄自)(?:我的\s*\S.{0,20}|\s*(?:网易邮箱|QQ邮箱|iphone|ipad|android|手机|手機|华为|華為|小米"
    r"|荣耀|oppo|vivo|outlook|邮箱大师|移动设备|行動裝置).{0,20})"
    r"|(?:从|從)我的\s*\S.{0,20}(?:发送|傳送|寄出|發送)"
    r"|\S.{0,30}(?:から送信|より送信)"
    r"|(?:내 )?\S.{0,30}에서 (?:보냄|보냈습니다\.?)"
    rf"|envoyé (?:de|depuis|à partir de) (?:mon |ma |l'application )?(?:{_DEVICE})\b.{{0,40}}|envoyé de mon .{{1,30}}"
    rf"|(?:von|vom) meinem .{{1,30}} gesendet|gesendet (?:von|mit|vom|aus) (?:meinem |meiner |der |dem )?(?:{_DEVICE})\b.{{0,60}}"
    rf"|enviado (?:desde|do|de) (?:mi |meu |o |a )?(?:{_DEVICE})\b.{{0,40}}|enviado desde mi .{{1,30}}"
    rf"|inviato da(?:l mio| il mio)? (?:{_DEVICE})\b.{{0,40}}"
    rf"|(?:verzonden|verstuurd) (?:vanaf|met|via|van) (?:mijn )?(?:{_DEVICE})\b.{{0,40}}"
    rf"|(?:skickat|sendt) (?:från|fra) (?:min |mitt )?(?:{_DEVICE})\b.{{0,40}}"
    rf"|(?:wysłane|wysłano) (?:z|ze) (?:mojego |mój |aplikacji )?(?:{_DEVICE})\b.{{0,40}}"
    rf"|odesláno z (?:mého |aplikace )?(?:{_DEVICE})\S*.{{0,40}}"
    rf"|lähetetty (?:omasta )?(?:{_DEVICE})\S*(?:sta|stä)\b.{{0,30}}"
    r"|\S{1,30}(?:'?[uıi]mdan|'?[uıi]mden|'dan|'den) gönderildi"
    r")\s*$",
    re.I,
)

# The verbs a client puts into the line above the message it quotes ("On …, X wrote:", "Am … schrieb X:")
_WROTE = re.compile(
    r"(?<!\w)(?:wrote|writes|has written|schrieb|hat geschrieben|a écrit|escribió|ha escrito|escreveu"
    r"|ha scritto|scrisse|schreef|geschreven|skrev|skriver|kirjoitti|napisał\(a\)|napisała|napisał|pisze"
    r"|napsal\(a\)|napsala|napsal|napisao|написал\(а\)|написала|написал|писал\(а\)|пишет|yazdı|írta)(?!\w)"
    r"|さんは書きました|は書きました|のメッセージ|写道|寫道|写入|寫入|님이 작성(?:했습니다|하였습니다)?",
    re.I,
)
# How attributions begin: "On", "Am", "Le", "El", "Il", "In data", "Op", "Em", "W dniu", "Dnia", "Den", "Dne", "På", "在"
_LEAD_WORDS = r"on|am|le|el|il|in data|op|em|w dniu|dnia|den|dne|på|в|在"
_LEAD = re.compile(rf"^\s*(?:{_LEAD_WORDS})(?:\s|(?<=在))", re.I)
# a lead inside a line, as clients write it, after the author's own words: "Sounds good. On Tue, …"
_INNER_LEAD = re.compile(r"(?<=[\s.!?,;\-。！？，])(?:On|Am|Le|El|Il|In data|Op|Em|W dniu|Dnia|Den|Dne|På|在)(?:\s|(?<=在))")
_TIME_OR_YEAR = re.compile(r"\b\d{1,2}:\d{2}\b|(?:19|20)\d\d")
_ATTR_HINT = re.compile(rf"@|{_TIME_OR_YEAR.pattern}")
_ATTR_DATE = re.compile(r"\b\d{1,2}[:.]\d{2}\b|(?:19|20)\d\d|\d\s?[年월日]")
_SENTENCE_END = (".", "!", "?", "。", "！", "？")
_ATTR_MAX = 400  # characters: a longer line is prose, not an attribution
_DECORATION = "-=_* \t"
# a weak attribution names the quoted author last: "вт, 3 нояб. 2026 г. в 10:15, Desk <desk@x.ru>:"
_ADDRESS_LAST = re.compile(r"(?:<\s*[^\s<>@]+@[^\s<>]+\s*>|\(\s*[^\s()@]+@[^\s()]+\s*\)|\[mailto:[^\]\s]+\])\s*[:：]$")
# Gmail's attribution in Chinese, Japanese and Korean settings has no verb and no colon:
# "2026/11/3 Desk <desk@x.example>", "2026-11-03 10:15 GMT+08:00 王伟 <w@x.example>"
_DATE_NAME_ADDRESS = re.compile(r"^(?:19|20)\d\d[/.-]\d{1,2}[/.-]\d{1,2}\b.{1,80}<[^\s<>@]+@[^\s<>]+>$")
_OPEN_ADDRESS = re.compile(r"<[^\s<>@]+@[^\s<>]+$")
_ADDRESS_CLOSE = re.compile(r"^\s*>\s*[:：]?\s*$")
# pieces of a quoted link the sender's client wrapped onto a line without '>': "(https://x.example/t/1) >",
# or the rest of "View ticket (https://x.example/action" on the next line: "_nonce=3dd518)"
_LINK_PIECE = re.compile(r"^[(<\[](?:https?://|www\.)\S+?[)>\]](?:\s*>)?$", re.I)
_OPEN_LINK = re.compile(r"[(<\[](?:https?://|www\.)[^\s)>\]]*$", re.I)
_LINK_TAIL = re.compile(r"^[^\s()<>\[\]]+[)>\]](?:\s*>)?$")
_WRAP_WIDTH = 60  # a quoted line this long may have been wrapped by the sender's client
_EMAIL = re.compile(r"[^\s<>()\[\],;:\"]+@[^\s<>()\[\],;:\"]+\.[^\s<>()\[\],;:\"]+")
# how mail clients write the quoted author's address: "Name <a@b.example>", "< mailto:a@b.example >",
# "[mailto:a@b.example]", "(a@b.example)"
_CLIENT_ADDRESS = re.compile(
    r"<\s*(?:mailto:)?[^\s<>@]+@[^\s<>]+\s*>|\[mailto:[^\]\s]+\]|\(\s*<?[^\s()<>@]+@[^\s()<>]+?>?\s*\)|mailto:\S+@",
    re.I,
)
# Closings that end a letter, by language; a name may follow on the same line ("Pozdrawiam Paweł")
_CLOSINGS = {
    "en": "kind regards|best regards|warm regards|warmest regards|kindest regards|with (?:best |kind )?regards"
          "|regards|best wishes|all the best|yours sincerely|sincerely|yours faithfully|yours truly",
    "ru": "с уважением|с наилучшими пожеланиями|всего (?:доброго|наилучшего)",
    "uk": "з повагою|з найкращими побажаннями|всього (?:доброго|найкращого)|щиро ваш[аі]?",
    "de": "mit freundlichen gr(?:ü|ue|u)(?:ß|ss)en|freundliche gr(?:ü|ue|u)(?:ß|ss)e|(?:viele|beste|liebe|herzliche"
          "|schöne) gr(?:ü|ue|u)(?:ß|ss)e|mit besten gr(?:ü|ue|u)(?:ß|ss)en|mfg",
    "fr": "cordialement|bien cordialement|bien à vous|sincères salutations|salutations distinguées"
          "|meilleures salutations|bien amicalement|amicalement",
    "es": "saludos(?: cordiales)?|un (?:cordial )?saludo|atentamente|cordialmente",
    "it": "cordiali saluti|distinti saluti|saluti|un saluto|cordialmente",
    "pt": "atenciosamente|(?:com os )?melhores cumprimentos|cumprimentos|saudações|um abraço|abraços",
    "nl": "met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|met hartelijke groet(?:en)?"
          "|hartelijke groet(?:en)?|groet(?:en|jes)?|mvg",
    "pl": "pozdrawiam(?: serdecznie)?|serdecznie pozdrawiam|z poważaniem|z wyrazami szacunku|pozdrowienia"
          "|łączę pozdrowienia",
    "sv": "med vänliga hälsningar|vänliga hälsningar|med vänlig hälsning|vänlig hälsning|bästa hälsningar"
          "|hälsningar|mvh",
    "da": "med venlig hilsen|venlig hilsen|venlige hilsner|de bedste hilsner|bedste hilsner|mange hilsner"
          "|hilsen|vh|mvh",
    "no": "med vennlig hilsen|vennlig hilsen|vennlige hilsener|beste hilsen|hilsen|mvh",
    "fi": "ystävällisin terveisin|parhain terveisin|terveisin|ystävällisesti",
    "cs": "s pozdravem|s přátelským pozdravem|se srdečným pozdravem|s úctou",
}
# Thanks that close a letter when a comma leaves them hanging ("Thanks," / "Спасибо,")
_THANKS = {
    "en": "many thanks|thanks|thank you|thanks in advance|thank you in advance|thanks again|cheers|best",
    "ru": "спасибо|благодарю|заранее спасибо|заранее благодарю|спасибо заранее|всего хорошего",
    "uk": "дякую|дякуємо|заздалегідь дякую|заздалегідь дякуємо",
    "de": "danke|vielen dank|besten dank|danke im voraus",
    "fr": "merci|merci d'avance|merci beaucoup",
    "es": "gracias|muchas gracias|gracias de antemano",
    "it": "grazie|grazie mille|grazie in anticipo",
    "pt": "obrigad[oa]|muito obrigad[oa]",
    "nl": "bedankt|dank u|dank je|alvast bedankt",
    "pl": "dziękuję|dziękujemy|z góry dziękuję",
    "sv": "tack|tack på förhand|stort tack",
    "da": "tak|på forhånd tak|mange tak",
    "no": "takk|på forhånd takk|tusen takk",
    "fi": "kiitos|kiitos etukäteen",
    "cs": "děkuji|děkujeme|předem děkuji",
}
# Closings of Chinese, Japanese and Korean letters: whole phrases, often ended with a full stop
_CLOSINGS_CJK = {
    "zh": "顺祝商祺|顺颂商祺|顺颂时祺|此致敬礼|此致|祝好|谢谢|謝謝|敬上|敬祝商祺|顺祝|祝商祺|多谢|多謝|感谢|感謝"
          "|谢谢您|謝謝您|万分感谢",
    "ja": "(?:以上[、，,]?\\s*)?(?:何卒|なにとぞ)?(?:どうぞ)?(?:よろしく|宜しく)お願い(?:いたします|致します|します"
          "|申し上げます)"
          "|以上(?:です|となります)?|敬具|草々",
    "ko": "감사합니다|고맙습니다|감사드립니다|수고하세요|좋은 하루 되세요",
}
_SIGNOFF_FORMAL = "|".join(_CLOSINGS.values())
_SIGNOFF_CASUAL = "|".join(_THANKS.values())
_SIGNOFF_CJK = "|".join(_CLOSINGS_CJK.values())
_SIGNOFF = re.compile(
    rf"^\s*(?:(?:{_SIGNOFF_FORMAL})\s*[,.!]?(?:\s+[^\s.?!,:;][^.?!:;]{{0,40}})?"
    rf"|(?:{_SIGNOFF_CASUAL})\s*,|(?:{_SIGNOFF_CJK})\s*[,.!，。！]?)\s*$",
    re.I,
)
_POSTSCRIPT = re.compile(r"^(?:p\.?\s?p\.?\s?)?(?:p\.?\s?s|п\.?\s?с)\b", re.I)
_CASUAL = re.compile(rf"^\s*(?:{_SIGNOFF_CASUAL})\s*,\s*$", re.I)
# prose continuing "Спасибо," / "Thanks," on the next line: a small letter starting a plain word
# (not "р/с …", "тел.: …", "e-mail: …", "г. Москва") and more words after it
_PROSE = re.compile(r"^[^\W\d_A-ZА-ЯЁ][^\s/:@.]*\s+\S")
# Confidentiality disclaimers and external-sender banners: not what the author wrote
_DISCLAIMER_HEAD = re.compile(
    r"^\s*[*_\[(]*\s*(?:confidentiality notice|confidentiality|disclaimer|legal notice|important notice"
    r"|privileged (?:and|&) confidential|this (?:e-?mail|message) (?:and any attachments? )?(?:is|are|may be|may contain)"
    r" (?:strictly )?(?:confidential|privileged)|конфиденциально|конфиденциальность|уведомление о конфиденциальности"
    r"|отказ от ответственности|保密声明|保密聲明|免责声明|免責聲明)\b",
    re.I,
)
_DISCLAIMER_CUE = re.compile(
    r"confidential|privileged|intended (?:solely |only |exclusively )?for|intended recipient|addressee"
    r"|received (?:this|the) (?:e-?mail|message|communication|transmission) in error|in error,? please"
    r"|strictly prohibited|unauthori[sz]ed (?:use|review|disclosure|copying)|disclosure,? copying"
    r"|do not (?:read|copy|disclose|distribute)|virus(?:es)? free|no liability"
    r"|конфиденциальн|по ошибке|предназначен\w* (?:исключительно |только )?для|запрещен|адресат"
    r"|保密|机密|機密|免责|免責|误收|誤收|仅供|僅供|收件人以外",
    re.I,
)
# the legal core of a disclaimer, one of which must be there
_DISCLAIMER_LEGAL = re.compile(
    r"intended (?:solely |only |exclusively )?for|intended recipient|in error|prohibited|unauthori[sz]ed"
    r"|по ошибке|предназначен\w* (?:исключительно |только )?для|запрещ|误收|誤收|收件人以外|仅供|僅供",
    re.I,
)
_BANNER = re.compile(
    r"originated from outside|external (?:e-?mail|sender|message)|внешн\w+ (?:отправител|письм)"
    r"|письмо (?:пришло|получено) (?:из-за|извне)|来自外部|外部邮件|外部郵件",
    re.I,
)
_SIGNATURE_MAX_LINES = 6
_SIGNATURE_SCAN = 200  # lines looked at below a bare '--'
_DISCLAIMER_MAX = 3000  # characters: a longer paragraph is no boilerplate
_SIGNATURE_MAX_WIDTH = 72
_CONTACT_MAX_WIDTH = 50
_NAME_MAX = 40
_PHONE_DIGITS = 7
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
_CONTACT_LABEL = re.compile(
    r"(?<!\w)(?:tel|tel\.|phone|mob|mobile|cell|fax|тел|моб|факс|телефон|tlf|puh|電話|电话|手机|手機|传真|傳真"
    r"|携帯|전화|휴대폰|핸드폰)(?!\w)|https?://|www\.", re.I)
_EAST_ASIAN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_HANGUL_NAME = re.compile(r"[\uac00-\ud7a3]{2,4}(?:\s*(?:드림|올림))?")
_HAN_SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾萧蕭田董"
    "潘袁蔡蒋蔣余于杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛"
    "闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯欧歐司诸諸上官"
)
"""The first character of most Chinese names (compound surnames begin with 欧, 司, 诸, 上)."""
_HANGUL_SURNAMES = frozenset("김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄"
                             "채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용")
_DASHED_NAME = re.compile(r"^(?:-(?=[^\s-])|--\s?|[—–~]\s?)(\S.*)$")  # "- Bread" is a list item, "-Sam" a name
_NAME_PARTICLES = frozenset("de da di do dos das del della der den van von vom zu ten ter te la le du af y e".split())
_CLOSE_BRACKETS = (")", "）", "」", "»", "\"", "”")


def _next_content(lines: list[str], start: int) -> int | None:
    for j in range(start, min(len(lines), start + 4)):
        if lines[j].strip():
            return j
    return None


def _header_fields(lines: list[str], i: int) -> list[tuple[str, str]]:
    """The (kind, value) fields of the 'Label: value' lines from line i on, a wrapped value or a blank
    line between two of them allowed."""
    fields: list[tuple[str, str]] = []
    gap = 0
    for line in lines[i:i + _HEADER_SPAN]:
        m = _HEADER_LINE.match(line) if len(line) <= _ATTR_MAX else None
        if m:
            fields.append((_LABEL_KIND["".join(m.group(1).lower().split())], m.group(2)))
            gap = 0
        elif fields and gap == 0:
            gap = 1
        else:
            break
    return fields


def _header_block(lines: list[str], i: int) -> bool:
    """A reply header block starts at line i, known by its shape: consecutive 'Label: value' lines of at
    least two kinds, one of them the sender, in any order and language, with enough signs that a mail
    client wrote them (an address as sender, a date with a time or year, a subject, a third kind)."""
    if len(lines[i]) > _ATTR_MAX or not _HEADER_LINE.match(lines[i]):
        return False
    fields = _header_fields(lines, i)
    kinds = {kind for kind, _ in fields}
    if len(kinds) < 2 or "from" not in kinds:
        return False
    signs = sum((
        any(kind == "from" and ("@" in value or "<" in value) for kind, value in fields),
        any(kind == "date" and bool(_TIME_OR_YEAR.search(value)) for kind, value in fields),
        "subject" in kinds,
        len(kinds) >= 3,
    ))
    return signs >= 2


def _after_forward_marker(lines: list[str], i: int) -> bool:
    before = [ln for ln in lines[max(0, i - 3):i] if ln.strip()]
    return bool(before) and bool(_FORWARD.search(before[-1]))


def _separator_above(lines: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and (_RULE.match(lines[j]) or _ORIGINAL.match(lines[j]) or _SHORT_RULE.match(lines[j])):
        return j
    return i


def _forward_below(lines: list[str], start: int, forwarded: bool) -> int | None:
    """Where forwarded content starts below `start`: an explicit forward marker, or (in a message
    forwarded by its author) an 'Original Message' line or a From/Sent/Subject header block."""
    for j in range(start, len(lines)):
        line = lines[j]
        if _FORWARD_LINE.match(line):
            return j
        if forwarded and (_ORIGINAL.match(line) or _header_block(lines, j)):
            return _separator_above(lines, j)
    return None


def _signature_start(lines: list[str], quoted: list[bool], i: int) -> bool:
    """'-- ' (the standard delimiter), a mobile-client tag, or '--' alone before a short last block."""
    line = lines[i]
    if _MOBILE.match(line):
        return True
    if line.strip() != "--":
        return False
    if line.lstrip().startswith("-- "):
        return True
    tail = []
    for j in range(i + 1, min(len(lines), i + 1 + _SIGNATURE_SCAN)):
        if _history_starts(lines, quoted, j):
            break
        if lines[j].strip() and not quoted[j]:
            tail.append(lines[j].strip())
            if len(tail) > _SIGNATURE_MAX_LINES:
                return False
    else:
        if i + 1 + _SIGNATURE_SCAN < len(lines):
            return False
    return all(_signature_line(t) for t in tail)


def _history_starts(lines: list[str], quoted: list[bool], j: int) -> bool:
    """A separator, reply header block or attribution line: what follows is not the author's."""
    line = lines[j]
    if _ORIGINAL.match(line) or _RULE.match(line) or _FORWARD_LINE.match(line) or _header_block(lines, j):
        return True
    kind = _attribution(line)
    return kind is not None and _attribution_ends_reply(lines, quoted, line, j, kind)


def _attribution(text: str) -> str | None:
    """'strong': a line with a 'wrote' verb as clients write it ("On …, X wrote:", "Am … schrieb X <a>:",
    "---- X wrote ----", "X 于 … 写道："); 'weak': a line ending in ':' with a date or an address
    ("вт, 3 нояб. 2026 г. в 10:15, X <a>:"); None: neither."""
    line = text.strip()
    if not line or len(line) > _ATTR_MAX:
        return None
    decorated = line[0] in "-=_*" and line[-1] in "-=_*" and len(line) > 2
    core = line.strip(_DECORATION)
    colon = core.endswith((":", "："))
    body = core.rstrip(":： ")
    if colon or decorated or (body and body[-1].isalpha()):
        verbs = list(_WROTE.finditer(body))
        if verbs:
            verb = verbs[-1]
            dated = bool(_ATTR_DATE.search(body[:verb.start()]) or _ATTR_DATE.search(body))
            if verb.end() == len(body) and verb.start() >= 2 and (
                colon or decorated or (_LEAD.match(body) and dated)
            ) and (decorated or not verb.group()[0].isascii() or _begins_attribution(body)):
                return "strong"  # "As I wrote:" alone is the author's own framing
            if colon and dated and (_LEAD.match(body) or _EMAIL.search(body)):
                return "strong"  # the verb inside: "Op 3 nov. 2026 10:00 schreef X <a>:"
    if colon and _ATTR_HINT.search(core):
        return "weak"
    if _DATE_NAME_ADDRESS.match(core):
        return "weak"
    return None


def _attribution_ends_reply(lines: list[str], quoted: list[bool], text: str, last: int, kind: str) -> bool:
    """Whether the attribution `text` (ending on line `last`) heads quoted history: '>' lines follow, or a
    client wrote it (the quoted author's "<address>", or '----' around it) above unprefixed history.
    Without an address it is the author citing someone ("… ваш менеджер Иван написал:")."""
    after = _next_content(lines, last + 1)
    if after is not None and quoted[after]:
        return True
    line = text.strip()
    if kind == "strong":
        return bool(_CLIENT_ADDRESS.search(line)) or (line[0] in "-=_" and line[-1] in "-=_")
    return bool(_ADDRESS_LAST.search(line)) and bool(_ATTR_DATE.search(line))


def _begins_attribution(line: str) -> bool:
    return bool(_LEAD.match(line) or _ATTR_HINT.search(line) or _ATTR_DATE.search(line))


def _wrapped_attribution(lines: list[str], quoted: list[bool], i: int) -> tuple[int, str | None]:
    """An attribution the mail client wrapped over two or three lines from line i: ("On …, Desk <" /
    "desk@example.com> wrote:", "Desk <desk@example.com>" / "于2026年11月3日 15:20写道："). A line of the
    author's own ("Thanks.") above a complete attribution is not part of it. (last line, kind)."""
    if not _begins_attribution(lines[i]):
        return i, None
    for last in (i + 1, i + 2):
        if last >= len(lines) or quoted[last] or not lines[last].strip():
            break
        joined = " ".join(lines[k].strip() for k in range(i, last + 1))
        kind = _attribution(joined)
        if kind is None:
            continue
        own_line = lines[i].rstrip().endswith(_SENTENCE_END) and any(
            _attribution(" ".join(lines[k].strip() for k in range(j, last + 1))) for j in range(i + 1, last + 1)
        )
        if not own_line:
            return last, kind
        break
    return i, None


def _inline_attribution(line: str) -> int | None:
    """Where an attribution starts inside a line after the author's own words ("Fine. On Tue, 3 Nov 2026
    at 10:00, Desk <d@x> wrote:"): the last lead word from which the rest is a dated attribution."""
    if len(line) > _ATTR_MAX * 2 or not line.rstrip(_DECORATION).endswith((":", "：")):
        return None
    for m in reversed(list(_INNER_LEAD.finditer(line))):
        tail = line[m.start():]
        if line[:m.start()].strip() and _attribution(tail) == "strong" and _ATTR_DATE.search(tail):
            return m.start()
    return None


def _scan(lines: list[str], quoted: list[bool], forwarded: bool = False) -> tuple[int, set[int], int | None]:
    """Index where the author's text ends, the set of lines to drop (attributions, forward separators,
    a forwarder's signature) and where forwarded content starts (None: nothing forwarded). A line that
    holds the author's words and then an attribution is cut to the author's words in `lines`."""
    drop: set[int] = set()
    boundary: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if quoted[i] or i in drop or not line.strip():
            i += 1
            continue
        if _FORWARD_LINE.match(line) and boundary is None:
            boundary = i
        if forwarded and (_ORIGINAL.match(line) or _RULE.match(line)):
            drop.add(i)  # the forwarded message follows: keep it, drop only the separator
            boundary = i if boundary is None else boundary
            i += 1
            continue
        if _ORIGINAL.match(line):
            return i, drop, boundary
        if _RULE.match(line) and (nxt := _next_content(lines, i + 1)) is not None and _LIST_FOOTER.match(lines[nxt]):
            return i, drop, boundary
        if _header_block(lines, i):
            if not forwarded and not _after_forward_marker(lines, i):
                return _separator_above(lines, i), drop, boundary
            boundary = i if boundary is None else boundary
        if _signature_start(lines, quoted, i):
            below = _forward_below(lines, i + 1, forwarded)
            if below is None:
                return i, drop, boundary
            drop.update(range(i, below))  # the forwarder's signature; the forwarded message follows
            boundary = below if boundary is None else boundary
            i = below
            continue
        cut = _inline_attribution(line)
        if cut is not None and _attribution_ends_reply(lines, quoted, line[cut:], i, "strong"):
            lines[i] = line[:cut].rstrip(_DECORATION)
            after = _next_content(lines, i + 1)
            if after is None or not quoted[after]:
                return i + 1, drop, boundary
            i += 1
            continue
        last, kind = i, _attribution(line)
        if kind is None:
            last, kind = _wrapped_attribution(lines, quoted, i)
        if kind is not None and not _after_forward_marker(lines, i):
            text = " ".join(lines[k].strip() for k in range(i, last + 1))
            if _attribution_ends_reply(lines, quoted, text, last, kind):
                after = _next_content(lines, last + 1)
                if after is not None and quoted[after]:
                    drop.update(range(i, last + 1))  # the '>' history below is dropped line by line
                else:
                    return i, drop, boundary
        i = last + 1
    return len(lines), drop, boundary


def _strip_signoff(lines: list[str]) -> list[str]:
    """Drop a closing sign-off and the short lines under it (name, title, company, bank details);
    everything above the sign-off is kept. A closing followed by a sentence is the author's text."""
    content = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(content) < 2:
        return lines
    for pos, idx in enumerate(content[1:], start=1):
        if len(content) - pos - 1 > _SIGNATURE_MAX_LINES:
            continue
        if not _SIGNOFF.match(lines[idx]):
            continue
        tail = [lines[j].strip() for j in content[pos + 1:]]
        if tail and _CASUAL.match(lines[idx]) and _PROSE.match(tail[0]):
            continue  # "Спасибо,\nждём счёт до пятницы": the comma went on with the sentence
        if all(_signature_line(t) and not _sentence(t) for t in tail):
            return lines[:idx]
    return lines


def _sentence(line: str) -> bool:
    """A line of prose, not a name, title or company: CJK or Hangul ended by a full stop, or three and more
    words ended by one after a plain word ("Ship on Friday.", not "Sp. z o.o." or "GmbH & Co. KG.")."""
    if not line.endswith(_SENTENCE_END):
        return False
    if _EAST_ASIAN.search(line):
        return True
    words = line.split()
    last = words[-1].rstrip(".!?")
    return len(words) >= 3 and len(last) >= 4 and last.isalpha() and not last.isupper()


def _name_line(line: str, strict: bool = True) -> bool:
    """A person's name alone on its line: "Sam", "Jan de Vries", "Олена", "陳大文", "김민수 드림". `strict`:
    a Chinese or Korean name must begin with a common surname (two Han syllables are often a word)."""
    if len(line) > _NAME_MAX or any(ch.isdigit() for ch in line):
        return False
    if _HAN_NAME.fullmatch(line):
        return not strict or line[0] in _HAN_SURNAMES
    if _HANGUL_NAME.fullmatch(line):
        return not strict or line[0] in _HANGUL_SURNAMES
    words = line.split()
    return 1 <= len(words) <= 4 and any(w[0].isupper() for w in words) and all(
        w in _NAME_PARTICLES or (w[0].isupper() and w.replace("-", "").replace("'", "").rstrip(".").isalpha())
        for w in words
    )


def _ends_paragraph(line: str) -> bool:
    return line.rstrip().endswith(_SENTENCE_END) or line.rstrip().endswith(_CLOSE_BRACKETS)


def _strip_name(lines: list[str]) -> list[str]:
    """Drop the author's bare name left as the last paragraph under finished text ("…works for us.\n\nSam",
    "…works for us.\n\n-Sam", "— Иван")."""
    content = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(content) < 2:
        return lines
    last, above = content[-1], content[-2]
    signed = _DASHED_NAME.match(lines[last].strip())
    name = signed.group(1) if signed else lines[last].strip()
    if last - above > 1 and _name_line(name) and _ends_paragraph(lines[above]):
        return lines[:last]
    return lines


def _strip_contact_block(lines: list[str]) -> list[str]:
    """Drop a signature written without a '--' delimiter at the very end: a name line, then short lines
    with at least one way to reach the author ("李伟\n销售部\n电话：010-12345678")."""
    content = [i for i, ln in enumerate(lines) if ln.strip()]
    for size in range(min(_SIGNATURE_MAX_LINES, len(content) - 1), 1, -1):
        block = [lines[i].strip() for i in content[-size:]]
        first, above = content[-size], content[-size - 1]
        if not _name_line(block[0], strict=False) or not any(_contact_line(b) for b in block):
            continue
        if lines[above].rstrip().endswith((":", "：")) or not (first - above > 1 or _ends_paragraph(lines[above])):
            continue
        if all(len(b) <= _CONTACT_MAX_WIDTH and _signature_line(b) and not _sentence(b) for b in block):
            return lines[:first]
    return lines


def _contact_line(line: str) -> bool:
    return bool(_CONTACT_LABEL.search(line) or _EMAIL.search(line)) or (
        sum(ch.isdigit() for ch in line) >= _PHONE_DIGITS and bool(_PHONE.search(line))
    )


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) index ranges of runs of non-empty lines; a line opening a disclaimer
    ("CONFIDENTIALITY NOTICE", or a whole disclaimer on one line) starts a new run."""
    spans, start = [], None
    for i, line in enumerate([*lines, ""]):
        if start is not None and line.strip() and i > start and (
            _DISCLAIMER_HEAD.match(line) or _is_disclaimer(line.strip())
        ):
            spans.append((start, i))
            start = None
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            spans.append((start, i))
            start = None
    return spans


def _is_banner(text: str) -> bool:
    return len(text) < 400 and bool(_BANNER.search(text))


def _is_disclaimer(text: str) -> bool:
    if len(text) > _DISCLAIMER_MAX or not _DISCLAIMER_CUE.search(text):
        return False
    if _DISCLAIMER_HEAD.match(text):
        return True
    return len(text) >= 60 and bool(_DISCLAIMER_LEGAL.search(text)) and len(_DISCLAIMER_CUE.findall(text)) >= 2


def _strip_disclaimer_lines(lines: list[str]) -> list[str]:
    """Lines without external-sender banners and the confidentiality disclaimers that close a message
    (after the author's first paragraph, followed by nothing but other disclaimers or signature lines)."""
    spans = _paragraphs(lines)
    texts = [" ".join(ln.strip() for ln in lines[start:end]) for start, end in spans]
    dropped = {n for n, text in enumerate(texts) if _is_banner(text)}
    for n in range(len(spans) - 1, 0, -1):
        if _is_disclaimer(texts[n]):
            dropped.add(n)
        elif not all(_signature_line(ln.strip()) for ln in lines[spans[n][0]:spans[n][1]]):
            break
    if not dropped or len(dropped) == len(spans):
        return lines
    gone = {i for n in dropped for i in range(*spans[n])}
    return [ln for i, ln in enumerate(lines) if i not in gone]


def strip_disclaimers(text: str) -> str:
    """`text` without confidentiality-disclaimer paragraphs and external-sender banners."""
    return "\n".join(_strip_disclaimer_lines(text.split("\n")))


def is_forward_subject(subject: str) -> bool:
    """The subject of a message its author forwarded: "FW:", "Fwd:", "Пересл.:", "转发:", "WG:", "TR:"."""
    return bool(_FORWARD_SUBJECT.match(subject or ""))


def _signature_line(line: str) -> bool:
    """Names, titles, phones, companies: short, no question, not a full sentence."""
    if len(line) > _SIGNATURE_MAX_WIDTH or line.endswith(("?", "？")) or _POSTSCRIPT.match(line):
        return False
    return not (line.endswith((".", "!", "。", "！")) and len(line.split()) >= 6)


def _tidy(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _rejoin_addresses(lines: list[str]) -> list[str]:
    """Lines with an address the client wrapped before its closing bracket ("… skrev X <x@y.example" /
    ">:") made whole again, so the '>' of the address is not read as a quote."""
    out: list[str] = []
    for line in lines:
        if out and _ADDRESS_CLOSE.match(line) and _OPEN_ADDRESS.search(out[-1]):
            out[-1] = out[-1].rstrip() + line.strip()
            line = ""
        out.append(line)
    return out


def _quoted_lines(lines: list[str]) -> list[bool]:
    """Which lines are quoted: '>' lines, and the tail of a long quoted line its sender's client wrapped
    without '>' (a small letter going on with an unfinished quoted sentence, more quote right below it)."""
    quoted = [bool(_QUOTED.match(ln)) for ln in lines]
    for i in range(1, len(lines) - 1):
        above, line = lines[i - 1].rstrip(), lines[i].strip()
        if not (quoted[i - 1] and not quoted[i] and quoted[i + 1]):
            continue
        if (
            (line[:1].islower() and len(above) >= _WRAP_WIDTH and not above.endswith((*_SENTENCE_END, ":", ";")))
            or _LINK_PIECE.match(line)
            or (_OPEN_LINK.search(above) and _LINK_TAIL.match(line))
        ):
            quoted[i] = True
    return quoted


def _inline_context(lines: list[str], quoted: list[bool], drop: set[int], end: int) -> dict[int, str]:
    """The quoted lines an interleaved reply answers, by index, as '> ' lines: when the author's text comes
    after two or more quoted passages (quote, answer, quote, answer), the quoted paragraph right above each
    answer stays as its context. A reply with the quote only at the bottom keeps none."""
    answered: list[int] = []  # the last quoted line right above each answer
    previous: int | None = None  # the last non-blank line kept so far
    for i in range(end):
        if i in drop:
            previous = None
        elif lines[i].strip():
            if not quoted[i] and previous is not None and quoted[previous]:
                answered.append(previous)
            previous = i
    if len(answered) < 2:
        return {}
    context: dict[int, str] = {}
    for last in answered:
        first = last
        while (last - first < _CONTEXT_LINES - 1 and first > 0 and quoted[first - 1] and first - 1 not in drop
               and lines[first - 1].strip(" \t>")):
            first -= 1
        for k in range(first, last + 1):
            marks = _QUOTE_MARKS.match(lines[k]).group()
            context[k] = "> " * marks.count(">") + lines[k][len(marks):].strip()
    return context


def new_text(text: str, *, forwarded: bool = False) -> str:
    """The part of a message body its author wrote now (no quotes, reply headers, disclaimers or signature).

    `forwarded`: the message is one its author forwarded to the desk (subject "FW:"/"Fwd:"/"Пересл.:"/
    "转发:", see `is_forward_subject`, and not a reply in a desk thread): the forwarded message below an
    "-----Original Message-----" line or a "From:/Sent:/To:/Subject:" block is part of the request and
    is kept (only the separator line goes). Explicitly marked forwards ("---------- Forwarded message
    ---------") are kept either way.
    """
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = _rejoin_addresses(text.split("\n"))
    quoted = _quoted_lines(lines)
    end, drop, boundary = _scan(lines, quoted, forwarded)
    if boundary is None or boundary >= end:
        boundary = end
    context = _inline_context(lines, quoted, drop, end)
    kept = [context.get(i, ln) if (not quoted[i] or i in context) and i not in drop else None
            for i, ln in enumerate(lines[:end])]
    note = [ln for ln in kept[:boundary] if ln is not None]
    below = [ln for ln in kept[boundary:end] if ln is not None]
    if not below:
        return _tidy(_strip_signature(note))
    # a forward: the forwarder's note (without its sign-off) above the forwarded message
    return _tidy([*_strip_signature(note), "", *_strip_signature(below)])


def _strip_signature(lines: list[str]) -> list[str]:
    """The lines without disclaimers, the closing and what follows it, a delimiter-less contact block
    or a bare name at the end."""
    return _strip_name(_strip_contact_block(_strip_signoff(_strip_disclaimer_lines(lines))))
