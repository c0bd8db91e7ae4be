"""Keep only what the author wrote now: drop quoted history, reply headers and signatures."""
from __future__ import annotations

import re

__all__ = ["new_text"]

_QUOTED = re.compile(r"^\s*>")
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|исходное сообщение|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|messaggio originale|oorspronkelijk bericht|原始邮件|原始郵件|原邮件)\s*-{2,}\s*$",
    re.I,
)
_RULE = re.compile(r"^\s*(_{8,}|-{8,}|={8,})\s*$")
_FORWARD = re.compile(
    r"(forwarded message|begin forwarded message|пересылаемое сообщение|переадресованное сообщение"
    r"|weitergeleitete nachricht|message transféré|mensaje reenviado|转发的邮件|轉寄的郵件|转发邮件)",
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
_SIGNATURE_MAX_LINES = 6
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


def _is_signature_start(line: str) -> bool:
    return line.rstrip() == "--" or bool(_MOBILE.match(line))


def _scan(lines: list[str], quoted: list[bool]) -> tuple[int, set[int]]:
    """Index where the author's text ends and the set of attribution lines to drop."""
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if quoted[i] or i in drop or not line.strip():
            continue
        if _ORIGINAL.match(line):
            return i, drop
        if _header_block(lines, i) and not _after_forward_marker(lines, i):
            return _separator_above(lines, i), drop
        if _is_signature_start(line):
            return i, drop
        span = [i]
        strong = bool(_ATTR_STRONG.match(line))
        if not strong and i + 1 < len(lines) and not quoted[i + 1] and lines[i + 1].strip():
            if _ATTR_STRONG.match(f"{line.strip()} {lines[i + 1].strip()}"):
                strong, span = True, [i, i + 1]
        nxt = _next_content(lines, span[-1] + 1)
        followed_by_quote = nxt is not None and quoted[nxt]
        if strong and not followed_by_quote and _ATTR_HINT.search(" ".join(lines[k] for k in span)):
            return i, drop
        if followed_by_quote and (strong or (line.rstrip().endswith((":", "：")) and _ATTR_HINT.search(line))):
            drop.update(span)
    return len(lines), drop


def _strip_signoff(lines: list[str]) -> list[str]:
    content = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(content) < 2:
        return lines
    for pos, idx in enumerate(content[1:], start=1):
        if len(content) - pos - 1 > _SIGNATURE_MAX_LINES:
            continue
        if not _SIGNOFF.match(lines[idx]):
            continue
        tail = [lines[j].strip() for j in content[pos + 1:]]
        if all(_signature_line(t) for t in tail):
            return lines[:idx]
    return lines


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


def new_text(text: str) -> str:
    """The part of a message body its author wrote now (no quotes, reply headers or signature)."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    quoted = [bool(_QUOTED.match(ln)) for ln in lines]
    end, drop = _scan(lines, quoted)
    kept = [ln for i, ln in enumerate(lines[:end]) if not quoted[i] and i not in drop]
    return _tidy(_strip_signoff(kept))
