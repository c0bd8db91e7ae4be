"""Keep only what the author wrote now: drop quoted history, reply headers and signatures."""
from __future__ import annotations

import re

__all__ = ["new_text", "is_forward_subject", "strip_disclaimers"]

_QUOTED = re.compile(r"^\s*>")
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|исходное сообщение|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|messaggio originale|oorspronkelijk bericht|原始邮件|原始郵件|原邮件)\s*-{2,}\s*$",
    re.I,
)
_RULE = re.compile(r"^\s*(_{8,}|-{8,}|={8,})\s*$")
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
_HDR_FROM = re.compile(
    r"^\s*\*{0,2}(from|от|von|de|da|van|od|från|fra|发件人|寄件者|差出人|보낸 사람)\s*\*{0,2}\s*[:：]", re.I
)
_HDR_DATE = re.compile(
    r"^\s*\*{0,2}(sent|date|отправлено|дата|gesendet|datum|envoyé|enviado|inviato|verzonden|skickat"
    r"|发送时间|時間|日期|寄件日期|送信日時|날짜)\s*\*{0,2}\s*[:：]",
    re.I,
)
_HDR_SUBJECT = re.compile(
    r"^\s*\*{0,2}(subject|тема|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|主题|主旨|件名|제목)\s*\*{0,2}\s*[:：]",
    re.I,
)
_MOBILE = re.compile(
    r"^\s*("
    r"sent from my \w+(?: \w+){0,3}"
    r"|sent from (?:outlook|mail|yahoo mail|gmail|aol|samsung|proton ?mail)\b.{0,40}"
    r"|sent (?:with|via) (?:spark|superhuman|proton ?mail|blackberry|airmail|edison mail|bluemail)\b.{0,40}"
    r"|get outlook for (?:ios|android)\b.{0,80}"
    r"|(?:получить|скачать|скачайте) outlook для (?:ios|android)\b.{0,40}"
    r"|(?:outlook für (?:ios|android) herunterladen|obtenir outlook pour (?:ios|android)"
    r"|obtener outlook para (?:ios|android)|scarica outlook per (?:ios|android))\b.{0,40}"
    r"|获取\s*(?:outlook for (?:ios|android)|(?:ios|android)\s*版\s*outlook)\b.{0,20}"
    r"|(?:从|從)\s*(?:ios|android)\s*版\s*outlook\s*(?:发送|傳送)"
    r"|отправлено (?:с|из) (?:моего |мобильного |мобильной )?"
    r"(?:iphone|ipad|android|samsung|xiaomi|huawei|honor|телефона|смартфона|устройства|почты|приложения"
    r"|яндекс|mail\.ru)\b.{0,60}"
    r"|(?:发自|来自|來自)(?:我的\s*\S.{0,20}|\s*(?:网易邮箱|QQ邮箱|iphone|ipad|android|手机|华为|華為|小米|荣耀|oppo|vivo"
    r"|outlook|邮箱大师|移动设备).{0,20})"
    r"|从我的\s*\S.{0,20}发送"
    r"|envoyé de mon .{1,30}"
    r"|von meinem .{1,30} gesendet"
    r"|enviado desde mi .{1,30}"
    r"|inviato da .{1,30}"
    r")\s*$",
    re.I,
)
_ATTR_STRONG = re.compile(
    r"^\s*(?:"
    r"(?:on|am|le|el|il|op|em|w dniu|den|på)\s.{4,}\s(?:wrote|writes|schrieb|a écrit|escribió|ha scritto"
    r"|schreef|escreveu|napisał|skrev)\s*:"
    r"|.{4,}\s(?:написал|написала|написал\(а\)|писал\(а\)|пишет)\s*:"
    r"|(?:вы писали|you wrote)\b.{0,80}:"
    r"|.{4,}(?:写道|寫道)\s*[:：]"
    r")\s*$",
    re.I,
)
_ATTR_HINT = re.compile(r"@|\b\d{1,2}:\d{2}\b|(?:19|20)\d\d")
_ATTR_DATE = re.compile(r"\b\d{1,2}:\d{2}\b|(?:19|20)\d\d")
_EMAIL = re.compile(r"[^\s<>()\[\],;:\"]+@[^\s<>()\[\],;:\"]+\.[^\s<>()\[\],;:\"]+")
# how mail clients write the quoted author's address: "Name <a@b.example>", "[mailto:a@b.example]"
_CLIENT_ADDRESS = re.compile(r"<\s*[^\s<>@]+@[^\s<>]+\s*>|\[mailto:[^\]\s]+\]", re.I)
# The rest of an attribution that a mail client wrapped after "Name <": "desk@example.com>:"
_ADDR_TAIL = re.compile(r"^\s*<?[^\s<>@]+@[^\s<>]+>?\s*(?:wrote|schrieb|a écrit|escribió|написал\w*|写道|寫道)?\s*[:：]\s*$", re.I)
_SIGNOFF_FORMAL = (
    r"с уважением|с наилучшими пожеланиями|всего (?:доброго|наилучшего)|kind regards|best regards|warm regards"
    r"|warmest regards|kindest regards|with (?:best |kind )?regards|regards|best wishes|yours sincerely|sincerely"
    r"|yours faithfully|yours truly|mit freundlichen grüßen|viele grüße|cordialement|saludos|cordiali saluti"
)
_SIGNOFF_CASUAL = (
    r"спасибо|благодарю|заранее спасибо|заранее благодарю|спасибо заранее|many thanks|thanks|thank you"
    r"|thanks in advance|thank you in advance|thanks again|cheers|best|всего хорошего"
)
_SIGNOFF_CJK = r"顺祝商祺|顺颂商祺|顺颂时祺|此致敬礼|此致|祝好|谢谢|謝謝|敬上|敬祝商祺"
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


def _next_content(lines: list[str], start: int) -> int | None:
    for j in range(start, min(len(lines), start + 4)):
        if lines[j].strip():
            return j
    return None


def _header_block(lines: list[str], i: int) -> bool:
    if not _HDR_FROM.match(lines[i]):
        return False
    window = [ln for ln in lines[i + 1:i + 7] if ln.strip()][:5]
    return any(_HDR_DATE.match(ln) for ln in window) and any(_HDR_SUBJECT.match(ln) for ln in window)


def _after_forward_marker(lines: list[str], i: int) -> bool:
    before = [ln for ln in lines[max(0, i - 3):i] if ln.strip()]
    return bool(before) and bool(_FORWARD.search(before[-1]))


def _separator_above(lines: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and (_RULE.match(lines[j]) or _ORIGINAL.match(lines[j])):
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
        if _history_starts(lines, j):
            break
        if lines[j].strip() and not quoted[j]:
            tail.append(lines[j].strip())
            if len(tail) > _SIGNATURE_MAX_LINES:
                return False
    else:
        if i + 1 + _SIGNATURE_SCAN < len(lines):
            return False
    return all(_signature_line(t) for t in tail)


def _history_starts(lines: list[str], j: int) -> bool:
    """A separator, reply header block or attribution line: what follows is not the author's."""
    line = lines[j]
    if _ORIGINAL.match(line) or _RULE.match(line) or _FORWARD_LINE.match(line) or _header_block(lines, j):
        return True
    strong, weak = _attribution(line)
    if not (strong or weak):
        return False
    after = _next_content(lines, j + 1)
    return (after is not None and bool(_QUOTED.match(lines[after]))) or bool(_CLIENT_ADDRESS.search(line))


def _attribution(text: str) -> tuple[bool, bool]:
    """(strong, weak): 'On … wrote:' / '… написал:' / '…写道：', or a line ending in ':' with a date or address."""
    strong = bool(_ATTR_STRONG.match(text))
    weak = text.rstrip().endswith((":", "：")) and bool(_ATTR_HINT.search(text))
    return strong, weak


def _scan(lines: list[str], quoted: list[bool], forwarded: bool = False) -> tuple[int, set[int], int | None]:
    """Index where the author's text ends, the set of lines to drop (attributions, forward separators,
    a forwarder's signature) and where forwarded content starts (None: nothing forwarded)."""
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
        span = [i]
        strong, weak = _attribution(line)
        nxt = i + 1
        if not (strong or weak) and nxt < len(lines) and not quoted[nxt] and lines[nxt].strip():
            # an attribution wrapped by the mail client: "…, Desk <" / "desk@example.com>:", or
            # "Desk <desk@example.com>" / "于2026年11月3日 15:20写道：". A line of the author's own
            # ("Thanks.") above a complete attribution is not part of it.
            joined = f"{line.strip()} {lines[nxt].strip()}"
            own_line = _ATTR_STRONG.match(lines[nxt]) and not (_EMAIL.search(line) and len(line) < 120)
            if not own_line and (
                _ATTR_STRONG.match(joined) or (_ADDR_TAIL.match(lines[nxt]) and _ATTR_DATE.search(line))
            ):
                span = [i, nxt]
                strong, weak = _attribution(joined)
                weak = True
        if strong or weak:
            after = _next_content(lines, span[-1] + 1)
            if after is not None and quoted[after]:
                drop.update(span)  # the '>' history below is dropped line by line
            elif strong and _CLIENT_ADDRESS.search(" ".join(lines[k] for k in span)):
                # a client's attribution ("On …, Name <addr> wrote:") above unprefixed history.
                # Without "<address>" it is the author citing someone ("… ваш менеджер Иван написал:")
                return i, drop, boundary
        i = span[-1] + 1
    return len(lines), drop, boundary


def _strip_signoff(lines: list[str]) -> list[str]:
    """Drop a closing sign-off and the short lines under it (name, title, company, bank details);
    everything above the sign-off is kept."""
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
        if all(_signature_line(t) for t in tail):
            return lines[:idx]
    return lines


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


def new_text(text: str, *, forwarded: bool = False) -> str:
    """The part of a message body its author wrote now (no quotes, reply headers, disclaimers or signature).

    `forwarded`: the message is one its author forwarded to the desk (subject "FW:"/"Fwd:"/"Пересл.:"/
    "转发:", see `is_forward_subject`, and not a reply in a desk thread): the forwarded message below an
    "-----Original Message-----" line or a "From:/Sent:/To:/Subject:" block is part of the request and
    is kept (only the separator line goes). Explicitly marked forwards ("---------- Forwarded message
    ---------") are kept either way.
    """
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    quoted = [bool(_QUOTED.match(ln)) for ln in lines]
    end, drop, boundary = _scan(lines, quoted, forwarded)
    if boundary is None or boundary >= end:
        boundary = end
    note = [ln for i, ln in enumerate(lines[:boundary]) if not quoted[i] and i not in drop]
    below = [ln for i, ln in enumerate(lines[boundary:end], start=boundary) if not quoted[i] and i not in drop]
    if not below:
        return _tidy(_strip_signoff(_strip_disclaimer_lines(note)))
    # a forward: the forwarder's note (without its sign-off) above the forwarded message
    note = _strip_signoff(_strip_disclaimer_lines(note))
    return _tidy([*note, "", *_strip_signoff(_strip_disclaimer_lines(below))])
