"""Words of the staff pages that the view models choose (statuses, events, kinds of message), per language.

Russian follows the staff mail: a request is «заявка» there.
"""
from __future__ import annotations

STATUS = {
    "new": {"en": "New", "ru": "Новая", "zh": "新建"},
    "open": {"en": "Open, our turn", "ru": "Открыта, ответ за нами", "zh": "待我方处理"},
    "waiting_customer": {"en": "Waiting for the customer", "ru": "Ждём клиента", "zh": "等待客户"},
    "resolved": {"en": "Resolved", "ru": "Решена", "zh": "已解决"},
    "closed": {"en": "Closed", "ru": "Закрыта", "zh": "已关闭"},
    "in_approval": {"en": "In approval", "ru": "На согласовании", "zh": "审批中"},
    "approved": {"en": "Approved", "ru": "Согласована", "zh": "已批准"},
    "not_approved": {"en": "Not approved", "ru": "Не согласована", "zh": "未批准"},
    "completed": {"en": "Route completed", "ru": "Маршрут завершён", "zh": "流程已结束"},
    "in_execution": {"en": "In execution", "ru": "Выполняется", "zh": "执行中"},
}

PRIORITY = {"normal": {"en": "normal", "ru": "обычный", "zh": "普通"},
            "urgent": {"en": "urgent", "ru": "срочный", "zh": "紧急"}}

EVENT = {
    "received": {"en": "Received", "ru": "Получена", "zh": "已收到"},
    "classified": {"en": "Classified", "ru": "Классифицирована", "zh": "已分类"},
    "assigned": {"en": "Assigned", "ru": "Назначена", "zh": "已分配"},
    "acknowledgement_suppressed": {"en": "Acknowledgement not sent (automatic mail limit)",
                                   "ru": "Подтверждение не отправлено (лимит автоматических писем)",
                                   "zh": "未发送确认（超出自动邮件限额）"},
    "customer_replied": {"en": "The customer wrote", "ru": "Клиент написал", "zh": "客户来信"},
    "staff_replied": {"en": "Staff replied", "ru": "Ответ сотрудника", "zh": "员工回复"},
    "note_added": {"en": "Internal note added", "ru": "Добавлена внутренняя заметка", "zh": "已添加内部备注"},
    "first_response": {"en": "First answer sent", "ru": "Отправлен первый ответ", "zh": "已发送首次答复"},
    "status_changed": {"en": "Status changed", "ru": "Статус изменён", "zh": "状态已变更"},
    "reassigned": {"en": "Passed on", "ru": "Передана", "zh": "已转交"},
    "facts_provided": {"en": "Missing facts given", "ru": "Недостающие сведения получены", "zh": "已补充所缺信息"},
    "unverified_staff_message": {"en": "Unverified mail in the name of staff", "ru": "Непроверенное письмо от имени сотрудника",
                                 "zh": "未经验证的以员工名义发送的邮件"},
    "route_started": {"en": "Route started", "ru": "Запущен маршрут", "zh": "流程已启动"},
    "stage_started": {"en": "Stage started", "ru": "Начат этап", "zh": "环节已开始"},
    "task_decided": {"en": "Task decided", "ru": "Решение по задаче", "zh": "任务已处理"},
    "task_reply": {"en": "Decision by reply", "ru": "Решение ответом на письмо", "zh": "通过回信处理"},
    "stage_decided": {"en": "Stage decided", "ru": "Этап пройден", "zh": "环节已完成"},
    "stage_overdue": {"en": "Stage overdue, escalated", "ru": "Этап просрочен, эскалация", "zh": "环节逾期，已上报"},
    "cycle_started": {"en": "Sent back for another cycle", "ru": "Возврат на новый цикл", "zh": "退回重新审批"},
    "execution_started": {"en": "Execution started", "ru": "Начато выполнение", "zh": "开始执行"},
    "route_finished": {"en": "Route finished", "ru": "Маршрут завершён", "zh": "流程已结束"},
    "route_force_completed": {"en": "Route force-completed", "ru": "Маршрут завершён принудительно",
                              "zh": "流程被强制结束"},
    "route_result_changed": {"en": "Route result changed", "ru": "Результат маршрута изменён", "zh": "流程结果已更改"},
    "mail_suppressed": {"en": "Mail not sent: the address bounced or complained", "ru": "Письмо не отправлено: адрес отклоняет почту или жаловался",
                        "zh": "邮件未发送：该地址退信或投诉"},
    "mail_dead_lettered": {"en": "Mail could not be sent (dead letter)", "ru": "Письмо не удалось отправить (недоставленные)",
                           "zh": "邮件无法发送（死信）"},
    # closure and the survey (service/closure.py)
    "survey_sent": {"en": "Survey sent to the customer", "ru": "Клиенту отправлен опрос", "zh": "已向客户发送调查"},
    "survey_answered": {"en": "The customer rated the request", "ru": "Клиент оценил заявку", "zh": "客户已评分"},
    "low_rating_alerted": {"en": "Low rating: the manager was told", "ru": "Низкая оценка: руководитель уведомлён",
                           "zh": "低评分：已通知负责人"},
    "reopened": {"en": "Reopened", "ru": "Открыта снова", "zh": "已重新打开"},
    # the SLA ladder (service/sla.py)
    "sla_reminder_sent": {"en": "SLA reminder to the assignee", "ru": "Напоминание о сроке исполнителю",
                          "zh": "已向处理人发送期限提醒"},
    "sla_red_zone": {"en": "Red zone: the manager was told", "ru": "Красная зона: сообщено руководителю",
                     "zh": "红色区域：已通知主管"},
}

KIND = {
    "email": {"en": "Email from the customer", "ru": "Письмо клиента", "zh": "客户邮件"},
    "form": {"en": "Web form", "ru": "Веб-форма", "zh": "网页表单"},
    "reply": {"en": "The customer's reply", "ru": "Ответ клиента", "zh": "客户回复"},
    "staff": {"en": "Staff reply", "ru": "Ответ сотрудника", "zh": "员工回复"},
    "note": {"en": "Internal note", "ru": "Внутренняя заметка", "zh": "内部备注"},
    "unverified": {"en": "Unverified: claims to be from staff, failed authentication",
                   "ru": "Не проверено: письмо от имени сотрудника не прошло проверку подлинности",
                   "zh": "未经验证：自称来自员工，但未通过身份验证"},
    "ack": {"en": "Automatic acknowledgement to the customer", "ru": "Автоматическое подтверждение клиенту",
            "zh": "发给客户的自动确认"},
    "answer": {"en": "Answer to the customer", "ru": "Ответ клиенту", "zh": "发给客户的答复"},
    "notification": {"en": "Notification to staff", "ru": "Уведомление сотруднику", "zh": "发给员工的通知"},
    "notice": {"en": "Notice to staff", "ru": "Сообщение сотруднику", "zh": "发给员工的提示"},
    "task": {"en": "Task mail", "ru": "Письмо с задачей", "zh": "任务邮件"},
    "update": {"en": "Status update to the customer", "ru": "Сообщение клиенту о ходе заявки", "zh": "发给客户的进展通知"},
    "escalation": {"en": "Escalation to the manager", "ru": "Эскалация руководителю", "zh": "上报给主管"},
    "survey": {"en": "Satisfaction survey", "ru": "Опрос об удовлетворённости", "zh": "满意度调查"},
    "digest": {"en": "KPI digest to a manager", "ru": "Сводка показателей руководителю", "zh": "发给主管的指标摘要"},
    # the SLA ladder (service/sla.py)
    "sla_reminder": {"en": "SLA reminder", "ru": "Напоминание о сроке", "zh": "期限提醒"},
    "sla_red_zone": {"en": "Red-zone email to the manager", "ru": "Письмо руководителю о красной зоне",
                     "zh": "发给主管的红色区域邮件"},
}

DUE = {"first_response": {"en": "first answer", "ru": "первый ответ", "zh": "首次答复"},
       "resolution": {"en": "resolution", "ru": "решение", "zh": "解决"}}

CUSTOMER = {"en": "Customer", "ru": "Клиент", "zh": "客户"}

MESSAGES = {
    "bad_link_title": {"en": "This sign-in link does not work", "ru": "Ссылка для входа не работает",
                       "zh": "此登录链接无效"},
    "bad_link": {"en": "The link is damaged or was not made by this desk. Ask for a new one below.",
                 "ru": "Ссылка повреждена или выдана не этой службой. Запросите новую ниже.",
                 "zh": "链接已损坏或并非本服务台生成。请在下方申请新链接。"},
    "expired_title": {"en": "This sign-in link has expired", "ru": "Срок действия ссылки для входа истёк",
                      "zh": "此登录链接已过期"},
    "expired": {"en": "Sign-in links work for {days} days. Ask for a new one below: it comes by email.",
                "ru": "Ссылка для входа действует {days} дн. Запросите новую ниже — она придёт по почте.",
                "zh": "登录链接有效期为 {days} 天。请在下方申请新链接，它将通过邮件发送给您。"},
    "forbidden_title": {"en": "The form has expired", "ru": "Форма устарела", "zh": "表单已失效"},
    "forbidden": {"en": "Nothing was changed: the form was not sent from your current session. "
                        "Open the page again and repeat.",
                  "ru": "Ничего не изменено: форма отправлена не из вашего текущего сеанса. "
                        "Откройте страницу заново и повторите.",
                  "zh": "未做任何更改：该表单并非从您当前的会话提交。请重新打开页面后再试。"},
    "not_found_title": {"en": "No such request", "ru": "Такой заявки нет", "zh": "没有此请求"},
    "not_found": {"en": "There is no request {ticket}.", "ru": "Заявки {ticket} нет.", "zh": "没有请求 {ticket}。"},
    "request_link": {"en": "Ask for a sign-in link", "ru": "Запросить ссылку для входа", "zh": "申请登录链接"},
    "my_work": {"en": "My work", "ru": "Моя работа", "zh": "我的工作"},
}


def word(table: dict, key: str, lang: str, fallback: str | None = None) -> str:
    """`table[key]` in `lang` (else English, else `fallback` or the key itself: a new event still shows)."""
    texts = table.get(key) or {}
    return texts.get(lang) or texts.get("en") or (fallback if fallback is not None else key)


def text(key: str, lang: str, **values) -> str:
    return word(MESSAGES, key, lang).format(**values)
