"""View models and texts of the task-link pages (the confirmation page and its outcomes). Pure."""
from __future__ import annotations

from chalicelib.core.mail.outbound import staff_language
from chalicelib.core.routes.mail import ACTION_LABELS, label

_ERRORS = {
    "tampered": {"en": ("This link is not valid", "The link is damaged or was not made by this desk. Nothing was changed."),
                 "ru": ("Ссылка недействительна", "Ссылка повреждена или создана не этой службой. Ничего не изменено."),
                 "zh": ("链接无效", "链接已损坏或并非本系统生成，未做任何更改。")},
    "expired": {"en": ("This link has expired", "Ask for the task again or open the request from your work list. Nothing was changed."),
                "ru": ("Срок действия ссылки истёк", "Откройте заявку из списка своих задач. Ничего не изменено."),
                "zh": ("链接已过期", "请从您的待办列表中打开请求。未做任何更改。")},
    "used": {"en": ("Already decided", "You have already decided this task; the first decision counts. Nothing was changed."),
             "ru": ("Решение уже принято", "Вы уже приняли решение по этой задаче; учитывается первое. Ничего не изменено."),
             "zh": ("已经处理", "您已处理过此任务，以第一次处理为准。未做任何更改。")},
    "stale": {"en": ("This task is no longer open", "The stage has moved on (someone else decided it, or the route went on). Nothing was changed."),
              "ru": ("Задача уже закрыта", "Этап уже пройден (решение принял другой участник или маршрут пошёл дальше). Ничего не изменено."),
              "zh": ("任务已关闭", "该环节已结束（他人已处理或流程已继续）。未做任何更改。")},
    "not_allowed": {"en": ("Not an action of this stage", "This link does not fit the stage. Nothing was changed."),
                    "ru": ("Недопустимое действие", "Это действие не относится к этапу. Ничего не изменено."),
                    "zh": ("无效操作", "此操作不属于该环节。未做任何更改。")},
    "missing": {"en": ("Task not found", "There is no such task. Nothing was changed."),
                "ru": ("Задача не найдена", "Такой задачи нет. Ничего не изменено."),
                "zh": ("未找到任务", "没有这个任务。未做任何更改。")},
}

_DONE = {"en": ("Thank you", "Your decision “{action}” has been recorded."),
         "ru": ("Спасибо", "Ваше решение «{action}» записано."),
         "zh": ("谢谢", "您的决定“{action}”已记录。")}

_PAGE = {
    "en": {"title": "Confirm", "request": "Request", "stage": "Stage", "due": "Due", "comment": "Comment (optional)",
           "results": "Results so far", "confirm": "Confirm: {action}", "open": "Open the request",
           "cycle": "cycle", "note": "Nothing happens until you press the button."},
    "ru": {"title": "Подтверждение", "request": "Заявка", "stage": "Этап", "due": "Срок", "comment": "Комментарий (необязательно)",
           "results": "Результаты согласования", "confirm": "Подтвердить: {action}", "open": "Открыть заявку",
           "cycle": "цикл", "note": "Ничего не произойдёт, пока вы не нажмёте кнопку."},
    "zh": {"title": "确认", "request": "请求", "stage": "环节", "due": "截止时间", "comment": "备注（选填）",
           "results": "已有结果", "confirm": "确认：{action}", "open": "打开请求",
           "cycle": "轮", "note": "在您点击按钮之前不会有任何操作。"},
}


def link_error_text(reason: str, lang: str) -> tuple[str, str]:
    texts = _ERRORS[reason]
    return texts.get(lang) or texts["en"]


def act_result_text(kind: str, lang: str, action_label: str) -> tuple[str, str]:
    if kind != "done":
        return link_error_text(kind, lang)
    title, text = _DONE.get(lang) or _DONE["en"]
    return title, text.format(action=action_label)


def action_view(*, member, request, route, stage, cycle: int, action: str, due: str, results: list[dict],
                error: str | None, open_url: str | None) -> dict:
    lang = staff_language(member)
    t = _PAGE.get(lang) or _PAGE["en"]
    action_label = label(ACTION_LABELS, action, lang)
    return {
        "lang": lang, "error": error, "t": {**t, "confirm": t["confirm"].format(action=action_label)},
        "action": action, "action_label": action_label, "positive": action != "reject",
        "ticket": request.ticket, "subject": request.subject, "staff_name": member.name,
        "route": route.label(lang), "stage": stage.label(lang), "cycle": cycle,
        "due": (due or "")[:16].replace("T", " ") + " UTC" if due else "", "results": results, "open_url": open_url,
    }
