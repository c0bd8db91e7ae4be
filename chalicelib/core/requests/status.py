"""The customer's view of a request's status (a view model for pages/status.html.j2)."""
from __future__ import annotations

from chalicelib.core.config import DeskConfig
from chalicelib.core.requests.models import Request

_STATUS = {
    "new": {"en": "Received, waiting for our answer", "ru": "Получен, ожидает нашего ответа",
            "zh": "已收到，等待我们答复"},
    "open": {"en": "Your message is with us, we will answer", "ru": "Ваше сообщение у нас, мы ответим",
             "zh": "我们已收到您的留言，将尽快答复"},
    "waiting_customer": {"en": "We answered; waiting for your reply", "ru": "Мы ответили и ждём вашего ответа",
                         "zh": "我们已答复，等待您的回复"},
    "in_approval": {"en": "Being approved", "ru": "На согласовании", "zh": "审批中"},
    "approved": {"en": "Approved", "ru": "Согласован", "zh": "已批准"},
    "not_approved": {"en": "Not approved", "ru": "Не согласован", "zh": "未批准"},
    "completed": {"en": "Approval completed", "ru": "Согласование завершено", "zh": "审批已结束"},
    "in_execution": {"en": "In execution", "ru": "Выполняется", "zh": "执行中"},
    "resolved": {"en": "Resolved", "ru": "Решён", "zh": "已解决"},
    "closed": {"en": "Closed", "ru": "Закрыт", "zh": "已关闭"},
}

_CUSTOMER_KINDS = ("email", "form", "reply")

_WHO = {"customer": {"en": "You", "ru": "Вы", "zh": "您"}}

PAGE_TEXTS = {
    "bad_link": {"en": "This status link is not valid.", "ru": "Ссылка на статус недействительна.",
                 "zh": "此状态链接无效。"},
    "too_many": {"en": "Too many requests from your address in the last hour. Please try again later.",
                 "ru": "Слишком много запросов с вашего адреса за последний час. Попробуйте позже.",
                 "zh": "过去一小时内来自您地址的请求过多，请稍后再试。"},
    "too_many_title": {"en": "Please wait", "ru": "Подождите", "zh": "请稍候"},
    "busy": {"en": "The same request is being saved right now. Please reload in a moment.",
             "ru": "Этот запрос как раз сохраняется. Обновите страницу через минуту.",
             "zh": "同一请求正在保存，请稍后刷新。"},
}


def page_text(key: str, lang: str) -> str:
    texts = PAGE_TEXTS[key]
    return texts.get(lang) or texts["en"]


def _when(at: str) -> str:
    return at[:16].replace("T", " ") + " UTC"


def conversation_view(config: DeskConfig, messages: list[dict], lang: str) -> list[dict]:
    """Both sides' messages as the customer sees them, oldest first: what they wrote and what staff
    answered. Internal notes, notifications and mail that failed authentication are left out."""
    staff = {m.id: m.name for m in config.staff}
    shown = []
    for m in sorted(messages, key=lambda m: m["at"]):
        if m["direction"] != "in":
            continue
        if m["kind"] in _CUSTOMER_KINDS:
            who, side = _WHO["customer"].get(lang, "You"), "customer"
        elif m["kind"] == "staff" and (m.get("text") or "").strip():
            who, side = staff.get(m["author"], config.desk.name), "staff"
        else:
            continue
        shown.append({"who": who, "side": side, "when": _when(m["at"]), "text": (m.get("text") or "").strip(),
                      "truncated": bool(m.get("text_key")),
                      "attachments": [a["filename"] for a in m.get("attachments") or []]})
    return shown


def status_view(config: DeskConfig, request: Request, lang: str, messages: list[dict] = ()) -> dict:
    return {
        "ticket": request.ticket,
        "subject": request.subject,
        "status": _STATUS.get(request.status, {}).get(lang) or _STATUS.get(request.status, {}).get("en")
        or request.status,
        "status_code": request.status,
        "category": config.category(request.category).name.get(lang),
        "created": _when(request.created_at),
        "messages": conversation_view(config, list(messages), lang),
    }
