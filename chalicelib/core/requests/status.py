"""The customer's view of a request's status (a view model for pages/status.html.j2)."""
from __future__ import annotations

from chalicelib.core.config import DeskConfig
from chalicelib.core.requests.models import Request

_STATUS = {
    "new": {"en": "Received, waiting for an answer", "ru": "Получена, ожидает ответа", "zh": "已收到，等待回复"},
    "in_progress": {"en": "In progress", "ru": "В работе", "zh": "处理中"},
    "resolved": {"en": "Resolved", "ru": "Решена", "zh": "已解决"},
    "closed": {"en": "Closed", "ru": "Закрыта", "zh": "已关闭"},
}

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


def status_view(config: DeskConfig, request: Request, lang: str) -> dict:
    return {
        "ticket": request.ticket,
        "subject": request.subject,
        "status": _STATUS.get(request.status, {}).get(lang, request.status),
        "category": config.category(request.category).name.get(lang),
        "created": request.created_at[:16].replace("T", " ") + " UTC",
    }
