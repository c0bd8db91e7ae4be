"""The customer's view of a request's status (a view model for pages/status.html.j2)."""
from __future__ import annotations

from .config import DeskConfig
from .models import Request

_STATUS = {
    "new": {"en": "Received, waiting for an answer", "ru": "Получена, ожидает ответа"},
    "in_progress": {"en": "In progress", "ru": "В работе"},
    "resolved": {"en": "Resolved", "ru": "Решена"},
    "closed": {"en": "Closed", "ru": "Закрыта"},
}


def status_view(config: DeskConfig, request: Request, lang: str) -> dict:
    return {
        "ticket": request.ticket,
        "subject": request.subject,
        "status": _STATUS.get(request.status, {}).get(lang, request.status),
        "category": config.category(request.category).name.get(lang),
        "created": request.created_at[:16].replace("T", " ") + " UTC",
    }
