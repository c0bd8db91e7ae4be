"""Raw inbound MIME bytes → ParsedMail. Pure: no I/O, no clock; never raises."""
from __future__ import annotations

import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import errors as email_errors
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from io import BytesIO
from urllib.parse import unquote_to_bytes

from chalicelib.core.htmltext import html_to_text
from chalicelib.core.mail_model import ParsedAttachment, ParsedMail, SesVerdicts

__all__ = ["parse_mime", "decode_bytes", "decode_header_value", "safe_filename"]

_MAX_DEPTH = 200
_DETECT_SAMPLE = 64 * 1024
_UTF8_TRUST_SINGLE = 8
_UTF8_TRUST_MULTIBYTE = 24

# ---------------------------------------------------------------------------
# charsets
# ---------------------------------------------------------------------------
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "csgb2312": "gb18030", "gb_2312-80": "gb18030",
    "chinese": "gb18030", "big5": "cp950", "big-5": "cp950", "x-x-big5": "cp950",
    "cn-big5": "cp950", "csbig5": "cp950", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "euc-kr": "cp949", "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932",
    "sjis": "cp932", "windows-31j": "cp932", "tis-620": "cp874", "iso-8859-11": "cp874",
    "win-1251": "cp1251", "cp-1251": "cp1251", "x-cp1251": "cp1251", "x-mac-cyrillic": "mac_cyrillic",
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8", "iso-8859-8-i": "iso-8859-8",
}
_UNKNOWN = frozenset({"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "8bit", "none", ""})
_WEAK = frozenset({"ascii", "iso8859-1", "cp1252", "latin-1"})
_MULTIBYTE = frozenset({
    "gb18030", "cp950", "big5", "big5hkscs", "cp949", "euc_kr", "cp932", "shift_jis", "euc_jp",
    "iso2022_jp", "iso2022_kr", "hz", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
    "utf-32-be", "utf-7",
})
_CYRILLIC_8BIT = ("cp1251", "koi8-r", "iso8859-5", "cp866", "mac-cyrillic")
_SEVEN_BIT = frozenset({"iso2022_jp", "iso2022_kr", "hz", "utf-7"})


@lru_cache(maxsize=256)
def _codec(declared: str | None) -> str | None:
    """Python codec name for a declared MIME charset, upgraded to its common superset."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    if name in _UNKNOWN or not name.isascii():
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


_HIGH = bytes(range(0x80, 0x100))
_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))
_CYR_LOWER = re.compile("[\u0430-\u044f\u0451]")
_CYR_UPPER = re.compile("[\u0410-\u042f\u0401]")
_LATIN_ACCENTED = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
_LATIN_PLAIN = re.compile("[A-Za-z]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _cyrillic_scores(data: bytes) -> dict[str, tuple[int, int]]:
    """(lowercase, uppercase) Cyrillic letter counts per single-byte Cyrillic codec."""
    scores = {}
    for codec in _CYRILLIC_8BIT:
        text = data.decode(codec, "replace")
        scores[codec] = (len(_CYR_LOWER.findall(text)), len(_CYR_UPPER.findall(text)))
    return scores


def _cyrillic_guess(data: bytes, declared: str | None = None) -> str | None:
    """The single-byte Cyrillic codec that turns the 8-bit bytes into mostly lowercase letters.

    With `declared` (itself a Cyrillic codec) the declaration wins unless it looks clearly wrong.
    """
    data = data[:_DETECT_SAMPLE]
    high = len(data) - len(data.translate(None, _HIGH))
    if high < 4:
        return declared
    scores = _cyrillic_scores(data)
    if declared in scores:
        lower, upper = scores[declared]
        if lower >= upper and lower + upper >= 0.7 * high:
            return declared
    best, best_score = None, 0.0
    for codec, (lower, upper) in scores.items():
        if lower < upper or lower + upper < 0.8 * high:
            continue
        score = lower + 0.3 * upper
        if score > best_score:
            best, best_score = codec, score
    if best is None:
        return declared
    if declared is None:
        ascii_letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
        if high < 0.3 * ascii_letters:
            return None
    return best


def _latin_plausible(text: str) -> bool:
    """A latin-1/cp1252 decoding is plausible when accented letters are sprinkled, not dominant."""
    text = text[:_DETECT_SAMPLE]
    accented = len(_LATIN_ACCENTED.findall(text))
    return accented <= 0.25 * (accented + len(_LATIN_PLAIN.findall(text)))


def _detect(data: bytes) -> str | None:
    codec = _cyrillic_guess(data)
    if codec:
        return codec
    from charset_normalizer import from_bytes  # heavy: only when the cheap paths failed

    best = from_bytes(data[:_DETECT_SAMPLE]).best()
    return _codec(best.encoding) if best is not None else None


def _mostly_utf8(data: bytes) -> bool:
    text = data[:_DETECT_SAMPLE].decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(_NON_ASCII.findall(text)) - bad
    return good >= 4 * bad and good > 0


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode text bytes whose declared charset may be missing or wrong.

    Returns (text, note); note describes a repair (detection or lossy decoding) or is None.
    """
    codec = _codec(declared)
    if data.isascii():
        if codec in _SEVEN_BIT and (text := _strict(data, codec)) is not None:
            return text, None
        return data.decode("ascii"), None
    # Valid UTF-8 wins over a wrong label, except for a few bytes that a real label explains better.
    strong = codec is not None and codec != "utf-8" and codec not in _WEAK
    high = len(data) - len(data.translate(None, _HIGH))
    utf8_first = not strong or high >= (_UTF8_TRUST_MULTIBYTE if codec in _MULTIBYTE else _UTF8_TRUST_SINGLE)
    if utf8_first and (text := _strict(data, "utf-8")) is not None:
        return text, (None if codec in (None, "utf-8") else f"declared {declared}, decoded as utf-8")
    if codec in _MULTIBYTE:
        for candidate in (codec, "big5hkscs") if codec == "cp950" else (codec,):
            if (text := _strict(data, candidate)) is not None:
                return text, None
        if not utf8_first or not _mostly_utf8(data):
            text = data.decode(codec, "replace")
            if text.count("\ufffd") <= max(1, len(text) // 50):
                return text.replace("\ufffd", ""), f"invalid {declared} bytes dropped"
    if not utf8_first:
        if codec not in _MULTIBYTE and (text := _strict(data, codec)) is not None:
            return text, None
        if (text := _strict(data, "utf-8")) is not None:
            return text, f"declared {declared}, decoded as utf-8"
    if codec and codec != "utf-8" and codec not in _MULTIBYTE:
        text = _strict(data, codec)
        if text is not None:
            if codec in _CYRILLIC_8BIT:
                better = _cyrillic_guess(data, codec)
                if better != codec:
                    return data.decode(better, "replace"), f"declared {declared}, detected {better}"
                return text, None
            if codec not in _WEAK or (codec != "ascii" and _latin_plausible(text)):
                return text, None
    if codec == "utf-8" or _mostly_utf8(data):
        return data.decode("utf-8", "replace").replace("\ufffd", ""), "invalid utf-8 bytes dropped"
    guess = _detect(data)
    if guess:
        return data.decode(guess, "replace"), f"declared {declared or 'nothing'}, detected {guess}"
    fallback = codec if codec and codec not in _MULTIBYTE else "cp1252"
    return data.decode(fallback, "replace"), f"charset unknown, decoded as {fallback}"


# ---------------------------------------------------------------------------
# headers
# ---------------------------------------------------------------------------
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_CTRL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]+")
_EW = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([\x21-\x3e\x40-\x7e]*)\?=")
_ADDR_SPECIAL = re.compile(r'["()\\:;]')
_ANGLE_ID = re.compile(r"<[^<>\s]+>")
_ADDR_OK = re.compile(r'^[^@\s<>()\[\],;:"\\]+@[^@\s<>()\[\],;:"\\]+$')


def _b64(data: bytes) -> tuple[bytes, bool]:
    """Decode base64 leniently; returns (bytes, repaired)."""
    try:
        return binascii.a2b_base64(data), False
    except binascii.Error:
        pass
    clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    rem = len(clean) % 4
    if rem == 1:
        clean = clean[:-1]
    elif rem:
        clean += b"=" * (4 - rem)
    try:
        return binascii.a2b_base64(clean), True
    except binascii.Error:
        return b"", True


def _raw_to_str(value: str) -> str:
    """Header text as parsed from bytes: undo surrogate escapes of raw 8-bit bytes."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_bytes(data, None)[0]


def _decode_words(value: str) -> str:
    out: list[str] = []
    pending = bytearray()
    pending_cs: str | None = None
    prev_ew = False
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending_cs is not None:
            out.append(decode_bytes(bytes(pending), pending_cs)[0])
        pending = bytearray()
        pending_cs = None

    for m in _EW.finditer(value):
        gap = value[pos:m.start()]
        if gap and not (prev_ew and gap.isspace()):
            flush()
            out.append(gap)
        charset, enc, text = m.group(1).lower(), m.group(2).upper(), m.group(3).encode("ascii")
        if enc == "B":
            data = _b64(text)[0]
        else:
            data = binascii.a2b_qp(text, header=True)
        if charset != pending_cs:
            flush()
            pending_cs = charset
        pending += data
        prev_ew = True
        pos = m.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def _decode_raw(value: str) -> str:
    value = _raw_to_str(_FOLD.sub("", value))
    return _decode_words(value) if "=?" in value else value


def decode_header_value(value: str) -> str:
    """Unfold and decode a raw header value (RFC 2047 words, raw 8-bit) into a single line."""
    return _CTRL.sub(" ", _decode_raw(value)).strip()


def _display_name(raw_name: str) -> str:
    """Decoded display name; a line break inside it can only be an injection, so the rest is dropped."""
    lines = [part for part in _LINE_BREAK.split(_decode_raw(raw_name)) if part.strip()]
    return _one_line(lines[0]) if lines else ""


def _one_line(text: str) -> str:
    return " ".join(_CTRL.sub(" ", text).split())


def _clean_addr(addr: str) -> str | None:
    addr = addr.strip().strip("<>").strip().lower()
    return addr if addr and _ADDR_OK.match(addr) else None


def _addresses(values: list[str]) -> list[tuple[str, str | None]]:
    """(display name, address or None) pairs from raw address header values."""
    out: list[tuple[str, str | None]] = []
    prepared = [_FOLD.sub("", _raw_to_str(v)) for v in values]
    if not any(_ADDR_SPECIAL.search(v) for v in prepared):
        pairs = [_simple_address(item) for v in prepared for item in v.split(",") if item.strip()]
    else:
        try:
            pairs = getaddresses(prepared)
        except Exception:
            pairs = [("", v) for v in prepared]
    for name, addr in pairs:
        out.append((_display_name(name) if name else "", _clean_addr(addr)))
    return out


def _simple_address(item: str) -> tuple[str, str]:
    """getaddresses() for the common case without quotes, comments or groups."""
    name, lt, rest = item.partition("<")
    if not lt:
        return "", item.strip()
    return name.strip(), rest.partition(">")[0].strip()


def _msg_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _ANGLE_ID.findall(value)
    if found:
        return found
    return [f"<{tok}>" for tok in value.split() if "@" in tok and "<" not in tok and ">" not in tok]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _verdicts(headers: dict[str, list[str]]) -> SesVerdicts:
    def first_token(name: str) -> str | None:
        values = headers.get(name)
        if not values or not values[0].split():
            return None
        return values[0].split()[0].strip(";")

    spam, virus = first_token("x-ses-spam-verdict"), first_token("x-ses-virus-verdict")
    spf = first_token("received-spf")
    results = headers.get("authentication-results", [])
    ar = next((v for v in results if v.lower().startswith("amazonses.com")), results[0] if results else "")

    def method(name: str) -> str | None:
        m = re.search(rf"\b{name}=([A-Za-z]+)", ar)
        return m.group(1).lower() if m else None

    return SesVerdicts(
        spam=spam.upper() if spam else None,
        virus=virus.upper() if virus else None,
        spf=spf.lower() if spf else method("spf"),
        dkim=method("dkim"),
        dmarc=method("dmarc"),
    )


# ---------------------------------------------------------------------------
# bodies and attachments
# ---------------------------------------------------------------------------
_EXT = {
    "text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv",
    "text/rfc822-headers": ".txt", "message/rfc822": ".eml", "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt", "application/pdf": ".pdf", "application/zip": ".zip",
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/heic": ".heic", "image/tiff": ".tif", "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
_FILENAME_BAD = re.compile(r'[<>:"|?*]')
_UU = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


def safe_filename(name: str | None, content_type: str = "application/octet-stream", index: int = 1) -> str:
    """A display/storage-safe file name: no path parts, '..', or control characters; never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    parts = [p.strip() for p in re.split(r"[\\/]+", name)]
    name = "_".join(p for p in parts if p not in ("", ".", ".."))
    name = re.sub(r"\.{2,}", ".", _FILENAME_BAD.sub("_", name))
    name = " ".join(name.split()).strip(" .")
    if len(name) > 180:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 180 - len(ext) - 1] + "." + ext) if dot and 0 < len(ext) <= 10 else name[:180]
    return name or f"attachment-{index}{_EXT.get(content_type, '.bin')}"


def _uudecode(data: bytes) -> bytes:
    out = bytearray()
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin")
            continue
        if line.strip() == b"end":
            break
        if not line.strip(b" \t`"):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(line[:nbytes])
            except binascii.Error:
                pass
    return bytes(out) if started else data


def _raw_header(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return ""


@dataclass
class _Ctx:
    attachments: list[ParsedAttachment] = field(default_factory=list)
    html: str | None = None
    defects: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.defects:
            self.defects.append(text)


def _content_type(part: Message) -> str:
    raw = _raw_header(part, "content-type").split(";", 1)[0].strip().strip('"').lower()
    if raw.count("/") == 1 and all(raw.split("/")):
        return raw
    return "text/plain"


def _payload(part: Message, ctx: _Ctx) -> bytes:
    payload = part._payload  # raw: get_payload() would re-decode 8-bit text with the declared charset
    if isinstance(payload, list):
        return b"\n".join(_serialise(p) for p in payload)
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        try:
            data = payload.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            data = payload.encode("utf-8", "surrogateescape")
    else:
        return b""
    cte = _raw_header(part, "content-transfer-encoding").strip().lower()
    if cte == "base64":
        data, repaired = _b64(data)
        if repaired:
            ctx.note("invalid base64 repaired")
    elif cte == "quoted-printable":
        data = binascii.a2b_qp(data)
    elif cte in _UU:
        data = _uudecode(data)
    return data


def _serialise(msg: Message | str) -> bytes:
    if isinstance(msg, str):
        return msg.encode("utf-8", "surrogateescape")
    from email.generator import BytesGenerator

    buf = BytesIO()
    try:
        BytesGenerator(buf, mangle_from_=False, policy=compat32).flatten(msg)
    except Exception:
        return b""
    return buf.getvalue()


_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)', re.S)
_EXT_KEY = re.compile(r"(.+?)\*(\d+)?(\*)?")


def _params(value: str) -> dict[str, str]:
    """Header parameters (RFC 2045/2231: quoting, charset'lang'%XX, continuations), lower-case keys."""
    value = _FOLD.sub("", value)
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for m in _PARAM.finditer(value):
        key, val = m.group(1).lower(), m.group(2).strip()
        if val.startswith('"'):
            val = re.sub(r"\\(.)", r"\1", val[1:-1] if len(val) > 1 and val.endswith('"') else val[1:])
        ext = _EXT_KEY.fullmatch(key)
        if ext is None:
            plain.setdefault(key, val)
            continue
        base, index, star = ext.groups()
        extended.setdefault(base, []).append((int(index or 0), star is not None or index is None, val))
    for base, pieces in extended.items():
        pieces.sort(key=lambda piece: piece[0])
        charset: str | None = None
        data = bytearray()
        for i, (_, encoded, val) in enumerate(pieces):
            if encoded:
                if i == 0 and val.count("'") >= 2:
                    charset, _, val = val.split("'", 2)
                data += unquote_to_bytes(val.encode("utf-8", "surrogateescape"))
            else:
                data += val.encode("utf-8", "surrogateescape")
        plain[base] = decode_bytes(bytes(data), charset or None)[0]
    return plain


def _param(part: Message, name: str, header: str) -> str | None:
    raw = _raw_header(part, header)
    return _params(raw).get(name) if raw and "=" in raw else None


def _filename(part: Message) -> str | None:
    name = _param(part, "filename", "content-disposition") or _param(part, "name", "content-type")
    return decode_header_value(name) if name else None


def _attach(part: Message, ctype: str, data: bytes, ctx: _Ctx, name: str | None) -> None:
    if not name and ctype == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            subject = decode_header_value(_raw_header(payload[0], "subject"))
            name = f"{subject[:120]}.eml" if subject else None
    cid = _raw_header(part, "content-id").strip().strip("<>").strip() or None
    disposition = _raw_header(part, "content-disposition").split(";", 1)[0].strip().lower()
    ctx.attachments.append(ParsedAttachment(
        filename=safe_filename(name, ctype, len(ctx.attachments) + 1),
        content_type=ctype,
        data=data,
        content_id=cid,
        inline=disposition == "inline" or (not disposition and cid is not None),
    ))


def _walk(part: Message, depth: int, ctx: _Ctx) -> list[tuple[str, str]]:
    """Collect ('plain'|'html', text) body segments; attachments go to ctx."""
    ctype = _content_type(part)
    if ctype.startswith("message/"):
        _attach(part, ctype, _payload(part, ctx), ctx, _filename(part))
        return []
    if part.is_multipart():
        if depth >= _MAX_DEPTH:
            ctx.note("multipart nesting too deep")
            return []
        results = [_walk(child, depth + 1, ctx) for child in part.get_payload() if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            for result in results:
                if any(kind == "plain" and text.strip() for kind, text in result):
                    return result
            return next((r for r in reversed(results) if r), [])
        return [seg for result in results for seg in result]
    if ctype.startswith("multipart/"):
        ctx.note("multipart boundary not found; body treated as text")
        ctype = "text/plain"
    disposition = _raw_header(part, "content-disposition").split(";", 1)[0].strip().lower()
    name = _filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
        text, note = decode_bytes(_payload(part, ctx), _param(part, "charset", "content-type"))
        if note:
            ctx.note(note)
        if ctype == "text/html":
            if ctx.html is None:
                ctx.html = text
            return [("html", text)]
        return [("plain", text)]
    _attach(part, ctype, _payload(part, ctx), ctx, name)
    return []


_TEXT_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def _clean_text(text: str) -> str:
    text = _TEXT_CTRL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip("\n").rstrip()


def _body_text(segments: list[tuple[str, str]]) -> str:
    parts = [text if kind == "plain" else html_to_text(text) for kind, text in segments]
    return _clean_text("\n".join(p for p in parts if p.strip()))


# ---------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------
_HEADER_LINE = re.compile(rb"^(From |[\x21-\x39\x3b-\x7e]+:|[ \t])")
_SPACED_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:")
_CORE_HEADERS = frozenset({"from", "return-path", "date", "message-id", "subject", "to", "received"})
_BLANK_LINE = re.compile(rb"\r?\n\r?\n|\r\r")


def _repair_headers(raw: bytes) -> bytes | None:
    """Drop header lines the parser cannot read (no colon); None when nothing changed."""
    m = _BLANK_LINE.search(raw)
    end = m.start() if m else len(raw)
    lines = raw[:end].splitlines(keepends=True)
    kept = []
    for line in lines:
        fixed = _SPACED_NAME.sub(rb"\1:", line)
        if _HEADER_LINE.match(fixed):
            kept.append(fixed)
    if len(kept) == len(lines) and kept == lines:
        return None
    return b"".join(kept) + raw[end:]


def _deep_fallback(raw: bytes, ctx: _Ctx) -> tuple[Message, list[tuple[str, str]]]:
    msg = BytesHeaderParser(policy=compat32).parsebytes(raw)
    ctx.note("multipart nesting too deep for the parser; innermost text extracted")
    m = re.search(rb"(?im)^content-type:[ \t]*text/plain[^\n]*\n(?:[^\r\n]+\r?\n)*?\r?\n(.*?)(?=\r?\n--|\Z)", raw, re.S)
    text = decode_bytes(m.group(1), "utf-8")[0] if m else ""
    return msg, [("plain", text)] if text else []


def _parse(raw: bytes) -> ParsedMail:
    ctx = _Ctx()
    if not raw:
        return ParsedMail(message_id=None, defects=["empty message"])
    raw = bytes(raw)
    if b"\x00" in raw:
        ctx.note("NUL bytes removed")
    segments: list[tuple[str, str]] | None = None
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw)
        if any(isinstance(d, email_errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
            repaired = _repair_headers(raw)
            if repaired is not None:
                ctx.note("header line without colon ignored")
                msg = BytesParser(policy=compat32).parsebytes(repaired)
        segments = _walk(msg, 0, ctx)
    except RecursionError:
        msg, segments = _deep_fallback(raw, ctx)
    if any(isinstance(d, email_errors.CloseBoundaryNotFoundDefect) for d in _all_defects(msg)):
        ctx.note("closing MIME boundary missing")

    headers: dict[str, list[str]] = {}
    raw_headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower()
        value = value if isinstance(value, str) else str(value)
        raw_headers.setdefault(key, []).append(value)
        headers.setdefault(key, []).append(decode_header_value(value))
    if not _CORE_HEADERS.intersection(headers):
        ctx.note("no headers")

    mail = ParsedMail(message_id=None, headers=headers)
    mail.message_id = next(iter(_msg_ids(mail.header("message-id"))), None)
    mail.in_reply_to = _msg_ids(mail.header("in-reply-to"))
    mail.references = _msg_ids(" ".join(headers.get("references", [])))
    mail.subject = _one_line(mail.header("subject") or "")
    mail.date = _date(mail.header("date"))
    if raw_headers.get("date") and mail.date is None:
        ctx.note("invalid Date header")

    if raw_headers.get("return-path"):
        mail.return_path = _return_path(raw_headers["return-path"][0])

    froms = raw_headers.get("from", [])
    if len(froms) > 1:
        ctx.note("several From headers; the first is used")
    if froms:
        pairs = _addresses(froms[:1])
        name, addr = pairs[0] if pairs else ("", None)
        if addr is None:
            ctx.note("From header has no usable address")
            if not name:
                name = _one_line(decode_header_value(froms[0]).strip('"'))
        mail.from_name, mail.from_address = name, addr
    else:
        ctx.note("no From header")
    if mail.from_address is None and mail.return_path:
        mail.from_address = mail.return_path

    for attr, key in (("to", "to"), ("cc", "cc"), ("reply_to", "reply-to")):
        values = raw_headers.get(key)
        if values:
            setattr(mail, attr, [a for _, a in _addresses(values) if a])

    mail.content_type = _content_type(msg)
    mail.text = _body_text(segments or [])
    mail.html = ctx.html
    mail.attachments = ctx.attachments
    mail.verdicts = _verdicts(headers)
    mail.defects = ctx.defects
    return mail


def _return_path(value: str) -> str | None:
    """'' for the null sender <>, the lower-cased address, or None when unusable."""
    value = _FOLD.sub("", _raw_to_str(value)).strip()
    if value.replace(" ", "") in ("<>", ""):
        return ""
    return _clean_addr(value.split()[0])


def _all_defects(msg: Message) -> list[object]:
    found: list[object] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        found.extend(getattr(part, "defects", []))
        if part.is_multipart():
            stack.extend(p for p in part.get_payload() if isinstance(p, Message))
    return found


def parse_mime(raw: bytes) -> ParsedMail:
    """Parse raw MIME bytes as SES stored them; malformations are noted in `defects`, never raised."""
    try:
        return _parse(raw)
    except Exception as exc:
        return ParsedMail(message_id=None, defects=[f"unparseable message ({type(exc).__name__})"])
