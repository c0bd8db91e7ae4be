"""Words of the manager's board and its lists, per language. Pure."""
from __future__ import annotations

TEXTS = {
    "en": {"title": "Board", "in_work": "In work", "overdue": "Overdue", "red": "Red zone", "digest": "Digest",
           "people": "By person", "caption": "Requests in work per person and status", "person": "Person",
           "total": "All", "stages": "Route stages", "stage": "Stage", "waiting": "Waiting now", "none": "None.",
           "list_title": "Requests", "back": "Back to the board", "ticket": "Request", "subject": "Subject",
           "status": "Status", "due": "Due", "all": "All requests in work", "not_manager": "Only managers see the board and the digest."},
    "ru": {"title": "Доска", "in_work": "В работе", "overdue": "Просрочено", "red": "Красная зона", "digest": "Сводка",
           "people": "По сотрудникам", "caption": "Заявки в работе по сотрудникам и статусам", "person": "Сотрудник",
           "total": "Всего", "stages": "Этапы маршрутов", "stage": "Этап", "waiting": "Ждут сейчас", "none": "Нет.",
           "list_title": "Заявки", "back": "Назад к доске", "ticket": "Заявка", "subject": "Тема",
           "status": "Статус", "due": "Срок", "all": "Все заявки в работе", "not_manager": "Доску и сводку видят только руководители."},
    "zh": {"title": "看板", "in_work": "处理中", "overdue": "逾期", "red": "红色区域", "digest": "摘要",
           "people": "按员工", "caption": "按员工和状态统计的处理中请求", "person": "员工",
           "total": "全部", "stages": "流程阶段", "stage": "阶段", "waiting": "当前等待", "none": "无。",
           "list_title": "请求", "back": "返回看板", "ticket": "请求", "subject": "主题",
           "status": "状态", "due": "截止", "all": "全部处理中的请求", "not_manager": "只有经理可以查看看板和摘要。"},
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])


def list_description(lang: str, *, person: str | None, status: str | None, late: str | None,
                     stage: str | None) -> str:
    t = texts(lang)
    parts = [f"{t['person']}: {person}" if person else "", f"{t['status']}: {status}" if status else "",
             t[late] if late in ("overdue", "red") else "", f"{t['stage']}: {stage}" if stage else ""]
    return " · ".join(p for p in parts if p) or t["all"]
