"""The website's request form: parse and validate a post, and build the form page's view model.

Pure: no AWS, no I/O. `parse_form` turns a raw HTTP body into a `FormSubmission` or raises
`FormError` naming every bad field. Error texts in `FormError.errors` are short English sentences
for developers; `FormError.codes` holds the same keys with codes that `error_text` and `form_view`
translate for the page.

Honeypot: a non-empty `website` field (hidden from people and screen readers) raises `Trapped`
before any other field is checked. The caller answers it as if the post were accepted and creates
nothing, so a bot learns neither that it was caught nor anything about the other fields.

Required facts of a category (the monthly need of an order) are optional on the form: a post without
them is accepted, and the acknowledgement asks for what is missing, as it does for email.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs

from chalicelib.core.config import LANGUAGES, DeskConfig, RequiredFact

MAX_NAME_CHARS = 200
MAX_SUBJECT_CHARS = 300
MAX_FACT_CHARS = 500
MIN_PHONE_CHARS = 5
MAX_PHONE_CHARS = 30
MAX_EMAIL_CHARS = 254
MAX_FIELDS = 100

REQUIRED_FIELDS = ("name", "email", "subject", "message")
TEXT_FIELDS = ("name", "email", "phone", "category", "subject", "message")
HONEYPOT = "website"
FACT_PREFIX = "fact_"

_FORM_URLENCODED = "application/x-www-form-urlencoded"
_JSON = "application/json"
_MULTIPART = "multipart/form-data"
_UTF8 = {"utf-8", "utf8"}
_PHONE = re.compile(r"^[0-9 +()\-]+$")
_UNSAFE = frozenset({"Cc", "Cs"})
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

_ERRORS: dict[str, dict[str, str]] = {
    "required": {
        "en": "This field is required.",
        "ru": "Заполните это поле.",
        "zh": "此项为必填项。",
    },
    "too_long": {
        "en": "Must be at most {limit} characters.",
        "ru": "Не больше {limit} символов.",
        "zh": "最多 {limit} 个字符。",
    },
    "invalid_email": {
        "en": "Enter a valid email address, like name@example.com.",
        "ru": "Введите правильный адрес электронной почты, например name@example.com.",
        "zh": "请输入有效的电子邮箱地址，例如 name@example.com。",
    },
    "invalid_phone": {
        "en": "Use digits, spaces and + ( ) -, from 5 to 30 characters.",
        "ru": "Используйте цифры, пробелы и + ( ) -, от 5 до 30 символов.",
        "zh": "请使用数字、空格和 + ( ) -，长度为 5 到 30 个字符。",
    },
    "unknown_category": {
        "en": "Choose one of the listed topics.",
        "ru": "Выберите вид обращения из списка.",
        "zh": "请从列表中选择一个类别。",
    },
    "line_break": {
        "en": "Must be a single line.",
        "ru": "Должно быть одной строкой.",
        "zh": "只能填写一行。",
    },
    "control_chars": {
        "en": "Contains characters that are not allowed.",
        "ru": "Содержит недопустимые символы.",
        "zh": "包含不允许的字符。",
    },
    "repeated": {
        "en": "Must be sent only once.",
        "ru": "Поле отправлено несколько раз.",
        "zh": "此字段只能提交一次。",
    },
    "not_string": {
        "en": "Must be a string.",
        "ru": "Должно быть строкой.",
        "zh": "必须是字符串。",
    },
    "too_large": {
        "en": "The request is too large: at most {limit} bytes.",
        "ru": "Запрос слишком большой: не больше {limit} байт.",
        "zh": "请求过大：最多 {limit} 字节。",
    },
    "unsupported_type": {
        "en": "Send the form as application/x-www-form-urlencoded, multipart/form-data or application/json in UTF-8.",
        "ru": "Отправьте форму как application/x-www-form-urlencoded, multipart/form-data или application/json в UTF-8.",
        "zh": "请以 UTF-8 编码的 application/x-www-form-urlencoded、multipart/form-data 或 application/json 提交表单。",
    },
    "file_upload": {
        "en": "Files cannot be attached to the form; send them by email after you get the request number.",
        "ru": "К форме нельзя прикрепить файлы: пришлите их письмом, когда получите номер запроса.",
        "zh": "表单不能附加文件；获得请求编号后请通过电子邮件发送。",
    },
    "invalid_utf8": {
        "en": "The body is not valid UTF-8.",
        "ru": "Текст запроса не в кодировке UTF-8.",
        "zh": "请求内容不是有效的 UTF-8。",
    },
    "malformed_json": {
        "en": "The body is not valid JSON.",
        "ru": "Текст запроса не является корректным JSON.",
        "zh": "请求内容不是有效的 JSON。",
    },
    "not_object": {
        "en": "The body must be a JSON object.",
        "ru": "Текст запроса должен быть объектом JSON.",
        "zh": "请求内容必须是 JSON 对象。",
    },
    "malformed": {
        "en": "The body could not be read as a form.",
        "ru": "Не удалось прочитать форму.",
        "zh": "无法读取表单内容。",
    },
    "too_many_fields": {
        "en": "The form has too many fields.",
        "ru": "В форме слишком много полей.",
        "zh": "表单字段过多。",
    },
}
_INVALID = {"en": "This value is not valid.", "ru": "Недопустимое значение.", "zh": "此值无效。"}

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Send us a request",
        "intro": "Tell us what you need. You get a request number at once, and we answer by email.",
        "name": "Your name",
        "email": "Email",
        "email_hint": "We send the request number and our answers here.",
        "phone": "Phone (optional)",
        "category": "Topic (optional)",
        "category_auto": "Not sure — let us decide",
        "subject": "Subject",
        "message": "Message",
        "message_hint": "Up to {limit} characters.",
        "facts_legend": "For “{names}”",
        "fact_hint": "Optional. For “{names}”, it helps us answer faster.",
        "honeypot": "Leave this field empty",
        "submit": "Send request",
        "errors_title": "Please correct the following:",
        "received_title": "Request received",
        "received": "Thank you! We have received your request and will answer by email.",
    },
    "ru": {
        "title": "Отправьте нам запрос",
        "intro": "Опишите, что вам нужно. Номер запроса вы получите сразу, а ответим мы по электронной почте.",
        "name": "Ваше имя",
        "email": "Электронная почта",
        "email_hint": "На этот адрес придут номер запроса и наши ответы.",
        "phone": "Телефон (необязательно)",
        "category": "Вид обращения (необязательно)",
        "category_auto": "Не знаю — определите сами",
        "subject": "Тема",
        "message": "Сообщение",
        "message_hint": "Не больше {limit} символов.",
        "facts_legend": "Для «{names}»",
        "fact_hint": "Необязательно. Для обращения «{names}» это поможет нам ответить быстрее.",
        "honeypot": "Оставьте это поле пустым",
        "submit": "Отправить запрос",
        "errors_title": "Пожалуйста, исправьте:",
        "received_title": "Запрос получен",
        "received": "Спасибо! Мы получили ваш запрос и ответим по электронной почте.",
    },
    "zh": {
        "title": "向我们提交请求",
        "intro": "请告诉我们您的需求。您会立即获得请求编号，我们将通过电子邮件回复。",
        "name": "您的姓名",
        "email": "电子邮箱",
        "email_hint": "请求编号和我们的答复将发送到此地址。",
        "phone": "电话（选填）",
        "category": "类别（选填）",
        "category_auto": "不确定——由我们判断",
        "subject": "主题",
        "message": "留言内容",
        "message_hint": "最多 {limit} 个字符。",
        "facts_legend": "适用于“{names}”",
        "fact_hint": "选填。对于“{names}”，填写此项有助于我们更快答复。",
        "honeypot": "请勿填写此字段",
        "submit": "提交请求",
        "errors_title": "请更正以下内容：",
        "received_title": "已收到请求",
        "received": "谢谢！我们已收到您的请求，将通过电子邮件答复。",
    },
}


@dataclass(frozen=True)
class FormSubmission:
    name: str
    email: str
    subject: str
    message: str
    phone: str | None = None
    category: str | None = None
    facts: dict[str, str] = field(default_factory=dict)
    language: str | None = None


class Trapped(Exception):
    """The honeypot was filled in: a bot. `language` is a valid `lang` field, for the answer."""

    def __init__(self, language: str | None = None):
        super().__init__("honeypot filled in")
        self.language = language


class FormError(Exception):
    """A post the desk will not accept.

    `errors` maps a field name (or "body" / "form" for the post as a whole) to an English sentence;
    `codes` maps the same keys to codes for `error_text`; `values` are the submitted strings (never
    the honeypot), so the page can be shown again with them; `language` is a valid `lang` field.
    """

    def __init__(self, status: int, errors: dict[str, str], message: str, *,
                 codes: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 language: str | None = None):
        super().__init__(message)
        self.status = status
        self.errors = errors
        self.message = message
        self.codes = codes if codes is not None else dict.fromkeys(errors, "invalid")
        self.values = values or {}
        self.language = language


def error_text(code: str, lang: str | None, **params: object) -> str:
    """The error for people, in their language (English when there is no translation)."""
    texts = _ERRORS.get(code, _INVALID)
    text = texts.get(lang or "en") or texts["en"]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def form_text(key: str, lang: str | None) -> str:
    """A text of the form's pages (`_TEXTS`), in English when the language is unknown."""
    return _TEXTS.get(lang or "en", _TEXTS["en"])[key]


def page_language(requested: str | None, config: DeskConfig, accept_language: str | None = None) -> str:
    """The page language: a valid ?lang=, else the first known Accept-Language, else the desk default."""
    if requested and requested.strip().lower() in LANGUAGES:
        return requested.strip().lower()
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return config.desk.default_language


def _fail(status: int, codes: dict[str, str], limits: Mapping[str, int], *,
          values: dict[str, str] | None = None, language: str | None = None) -> FormError:
    errors = {key: error_text(code, "en", limit=limits.get(key, 0)) for key, code in codes.items()}
    if len(errors) == 1 and set(errors) <= {"body", "form"}:
        message = next(iter(errors.values()))
    else:
        message = "The form has errors: " + ", ".join(errors) + "."
    return FormError(status, errors, message, codes=codes, values=values, language=language)


def field_limits(config: DeskConfig) -> dict[str, int]:
    """Maximum length of each field, in characters (the body in bytes)."""
    limits = {"name": MAX_NAME_CHARS, "email": MAX_EMAIL_CHARS, "phone": MAX_PHONE_CHARS,
              "subject": MAX_SUBJECT_CHARS, "message": config.form.max_message_chars,
              "body": config.form.max_body_bytes}
    for category in config.categories:
        for fact in category.required_facts:
            limits[FACT_PREFIX + fact.id] = MAX_FACT_CHARS
    return limits


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]] | None:
    if not content_type or any(unicodedata.category(ch) == "Cc" for ch in content_type):
        return None
    media, *rest = content_type.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, sep, value = item.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


class _Pairs(list):
    """A JSON object kept as its (key, value) pairs, so repeated keys can be found."""


class _BadBody(Exception):
    def __init__(self, status: int, code: str):
        self.status = status
        self.code = code


def _decode_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadBody(400, "invalid_utf8") from None


def _read_json(body: bytes) -> list[tuple[str, object]]:
    text = _decode_text(body)
    try:
        data = json.loads(text, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        raise _BadBody(400, "malformed_json") from None
    if not isinstance(data, _Pairs):
        raise _BadBody(400, "not_object")
    return list(data)


def _read_urlencoded(body: bytes) -> list[tuple[str, object]]:
    text = _decode_text(body)
    try:
        parsed = parse_qs(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise _BadBody(400, "invalid_utf8") from None
    except ValueError:
        raise _BadBody(400, "too_many_fields") from None
    return [(key, value) for key, values in parsed.items() for value in values]


def _read_multipart(body: bytes, content_type: str, boundary: str | None) -> list[tuple[str, object]]:
    if not boundary:
        raise _BadBody(400, "malformed")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("utf-8")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if message.defects or not message.is_multipart():
        raise _BadBody(400, "malformed")
    parts = list(message.iter_parts())
    if len(parts) > MAX_FIELDS:
        raise _BadBody(400, "too_many_fields")
    pairs: list[tuple[str, object]] = []
    for part in parts:
        if part.get_filename() is not None:
            raise _BadBody(415, "file_upload")
        name = part.get_param("name", header="content-disposition")
        if part.defects or part.is_multipart() or part.get_content_disposition() != "form-data" \
                or not isinstance(name, str):
            raise _BadBody(400, "malformed")
        payload = part.get_payload(decode=True)
        pairs.append((name, _decode_text(payload if isinstance(payload, bytes) else b"")))
    return pairs


def _read_pairs(body: bytes, content_type: str | None) -> list[tuple[str, object]]:
    parsed = _media_type(content_type)
    if parsed is None:
        raise _BadBody(415, "unsupported_type")
    media, params = parsed
    charset = params.get("charset")
    if charset is not None and charset.lower() not in _UTF8:
        raise _BadBody(415, "unsupported_type")
    if media == _JSON:
        return _read_json(body)
    if media == _FORM_URLENCODED:
        return _read_urlencoded(body)
    if media == _MULTIPART:
        return _read_multipart(body, content_type or "", params.get("boundary"))
    raise _BadBody(415, "unsupported_type")


def _line_problem(value: str) -> str | None:
    if any(ch in _LINE_BREAKS for ch in value):
        return "line_break"
    if any(unicodedata.category(ch) in _UNSAFE for ch in value):
        return "control_chars"
    return None


def _clean_message(value: str) -> str:
    """Line ends become \\n; control characters (NUL, escape, …) and lone surrogates, which JSON can
    carry but UTF-8 cannot store, are dropped; tabs stay."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in _UNSAFE).strip()


def _displayable(value: str) -> str:
    """A submitted value safe to show again: no control characters but line ends and tabs."""
    return "".join(ch for ch in value if ch in "\r\n\t" or unicodedata.category(ch) not in _UNSAFE)


def _fact_fields(config: DeskConfig) -> dict[str, str]:
    """Field name → fact id, for every fact any category requires."""
    return {FACT_PREFIX + fact.id: fact.id for c in config.categories for fact in c.required_facts}


def parse_form(body: bytes, content_type: str | None, config: DeskConfig) -> FormSubmission:
    limits = field_limits(config)
    if len(body) > config.form.max_body_bytes:
        raise _fail(413, {"body": "too_large"}, limits)
    try:
        pairs = _read_pairs(body, content_type)
    except _BadBody as bad:
        raise _fail(bad.status, {"body": bad.code}, limits) from None
    if len(pairs) > MAX_FIELDS:
        raise _fail(400, {"body": "too_many_fields"}, limits)

    fact_fields = _fact_fields(config)
    known = {*TEXT_FIELDS, "lang", HONEYPOT, *fact_fields}
    given: dict[str, list[object]] = {}
    for key, value in pairs:
        if key in known and value is not None:
            given.setdefault(key, []).append(value)

    values = {key: _displayable(items[0]) for key, items in given.items()
              if key != HONEYPOT and isinstance(items[0], str)}
    lang = values.get("lang", "").strip().lower()
    language = lang if lang in LANGUAGES else None

    if any(item != "" for item in given.get(HONEYPOT, [])):
        raise Trapped(language)

    codes: dict[str, str] = {}

    def one(key: str) -> str | None:
        items = given.get(key)
        if not items:
            return None
        if len(items) > 1:
            codes[key] = "repeated"
            return None
        if not isinstance(items[0], str):
            codes[key] = "not_string"
            return None
        return items[0]

    def single_line(key: str) -> str:
        value = one(key)
        if value is None:
            return ""
        problem = _line_problem(value)
        if problem:
            codes[key] = problem
            return ""
        value = value.strip()
        if key in limits and len(value) > limits[key]:
            codes[key] = "too_long"
        return value

    one("lang")
    name = single_line("name")
    subject = single_line("subject")
    email_raw = single_line("email")
    phone = single_line("phone")
    category = single_line("category")
    message_raw = one("message")
    message = _clean_message(message_raw) if message_raw is not None else ""
    if len(message) > limits["message"]:
        codes["message"] = "too_long"

    for key, value in (("name", name), ("email", email_raw), ("subject", subject), ("message", message)):
        if key not in codes and not value:
            codes[key] = "required"

    email = email_raw
    if "email" not in codes:
        email = _normalised_email(email_raw)
        if email is None:
            codes["email"] = "invalid_email"

    if phone and "phone" not in codes:
        if not (MIN_PHONE_CHARS <= len(phone) <= MAX_PHONE_CHARS and _PHONE.match(phone)
                and any(ch.isdigit() for ch in phone)):
            codes["phone"] = "invalid_phone"

    category_ids = [c.id for c in config.categories]
    if category and "category" not in codes and category not in category_ids:
        codes["category"] = "unknown_category"

    if category and category in category_ids and "category" not in codes:
        wanted = {FACT_PREFIX + fact.id: fact.id for fact in config.category(category).required_facts}
    else:
        wanted = fact_fields if not category else {}
    facts = {fact_id: value for key, fact_id in wanted.items() if (value := single_line(key))}

    if codes:
        raise _fail(400, codes, limits, values=values, language=language)
    return FormSubmission(name=name, email=email or "", subject=subject, message=message,
                          phone=phone or None, category=category or None, facts=facts,
                          language=language)


def _normalised_email(value: str) -> str | None:
    """The address as mail systems want it, or None. Non-ASCII local parts are refused (SES cannot
    send to them); an international domain comes back in its ASCII (punycode) form."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return result.ascii_email or result.normalized


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def form_view(config: DeskConfig, language: str | None, values: Mapping[str, object] | None = None,
              errors: Mapping[str, str] | None = None, *, action: str = "requests",
              form_path: str = "form") -> dict:
    """The view model of templates/pages/form.html.j2.

    `values` are the submitted strings (`FormError.values`), `errors` the error codes
    (`FormError.codes`); a value that is not a known code is shown as it is. `action` and
    `form_path` are relative URLs so the page works under an API Gateway stage prefix. The action
    carries the language, so reloading the page a failed post shows leads to the form in it.
    """
    lang = language if language in LANGUAGES else config.desk.default_language
    texts = _TEXTS.get(lang, _TEXTS["en"])
    values = {k: v for k, v in (values or {}).items() if isinstance(v, str) and k != HONEYPOT}
    errors = dict(errors or {})
    limits = field_limits(config)

    def message_for(key: str) -> str:
        code = errors[key]
        return error_text(code, lang, limit=limits.get(key, 0)) if code in _ERRORS else code

    def make_field(key: str, label: str, *, required: bool, hint: str | None = None, **extra: object) -> dict:
        field_id = "rf-" + key.replace("_", "-")
        error = message_for(key) if key in errors else None
        described = [i for i, present in ((field_id + "-hint", hint), (field_id + "-error", error)) if present]
        return {
            "name": key, "id": field_id, "label": label, "value": values.get(key, ""),
            "required": required, "maxlength": limits.get(key), "hint": hint,
            "hint_id": field_id + "-hint", "error": error, "error_id": field_id + "-error",
            "describedby": " ".join(described), **extra,
        }

    fields = {
        "name": make_field("name", texts["name"], required=True, type="text", autocomplete="name"),
        "email": make_field("email", texts["email"], required=True, hint=texts["email_hint"],
                            type="email", autocomplete="email"),
        "phone": make_field("phone", texts["phone"], required=False, type="tel", autocomplete="tel"),
        "category": make_field("category", texts["category"], required=False),
        "subject": make_field("subject", texts["subject"], required=True, type="text"),
        "message": make_field("message", texts["message"], required=True,
                              hint=texts["message_hint"].format(limit=limits["message"])),
    }
    chosen = values.get("category", "")
    categories = [{"id": c.id, "name": c.name.get(lang), "selected": c.id == chosen} for c in config.categories]

    groups: dict[tuple[str, ...], list[RequiredFact]] = {}
    facts_by_id: dict[str, tuple[RequiredFact, list[str]]] = {}
    for category in config.categories:
        for fact in category.required_facts:
            facts_by_id.setdefault(fact.id, (fact, []))[1].append(category.id)
    for fact, category_ids in facts_by_id.values():
        groups.setdefault(tuple(category_ids), []).append(fact)
    fact_groups = []
    for category_ids, facts in groups.items():
        names = " / ".join(config.category(c).name.get(lang) for c in category_ids)
        fact_groups.append({
            "legend": texts["facts_legend"].format(names=names),
            "categories": list(category_ids),
            "facts": [
                {**make_field(FACT_PREFIX + fact.id, _capitalised(fact.label.get(lang)), required=False,
                              hint=texts["fact_hint"].format(names=names), type="text"),
                 "fact_id": fact.id, "categories": list(category_ids)}
                for fact in facts
            ],
        })

    order = [f["name"] for f in fields.values()] + [f["name"] for g in fact_groups for f in g["facts"]]
    by_name = {**fields, **{f["name"]: f for g in fact_groups for f in g["facts"]}}
    summary = [{"text": message_for(key), "label": None, "href": None} for key in errors if key not in by_name]
    summary += [{"text": by_name[key]["error"], "label": by_name[key]["label"], "href": "#" + by_name[key]["id"]}
                for key in order if key in errors]

    return {
        "lang": lang,
        "title": texts["title"],
        "desk_name": config.desk.name,
        "lang_switch_base": form_path,
        "action": f"{action}?lang={lang}",
        "texts": texts,
        "fields": fields,
        "categories": categories,
        "fact_groups": fact_groups,
        "error_summary": summary,
        "honeypot": {"name": HONEYPOT, "id": "rf-website", "label": texts["honeypot"]},
    }
