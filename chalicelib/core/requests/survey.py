"""The satisfaction survey of a resolved request: signed links, the page's view model, the mail. Pure.

A survey link names the request and the resolution it asks about and carries its expiry (desk time,
signed with the rest). The score is a query parameter (`?score=4`): it only preselects a choice on the
page, since opening a link never records anything (mail scanners open every link); the page's POST
does, once per request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.config import DeskConfig, StaffMember
from chalicelib.core.mail.outbound import (customer_language, customer_thread_mail, message_id_for, single_line,
                                           staff_language)
from chalicelib.core.render import Templates
from chalicelib.core.requests.models import Outbound, Request
from chalicelib.core.requests.tickets import tagged_subject

SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT_CHARS = 4000
SALT = "csat-survey"


@dataclass(frozen=True)
class SurveyTicket:
    """What a valid survey link names."""
    request_id: str
    resolution: str
    """When the request was resolved (the resolution the customer is asked about)."""


class BadSurveyLink(Exception):
    def __init__(self, reason: str, request_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        """'tampered' (not ours, damaged) or 'expired' (ours, too old: `request_id` is known)."""
        self.request_id = request_id


class SurveyLinks:
    def __init__(self, secret: bytes, public_url: str):
        self._secret = secret
        self._base = public_url.rstrip("/")

    def _serializer(self):
        from itsdangerous import URLSafeSerializer

        return URLSafeSerializer(self._secret, salt=SALT)

    def token(self, request_id: str, resolution: str, now: datetime, days: int) -> str:
        expires = int((now + timedelta(days=days)).timestamp())
        return self._serializer().dumps([request_id, resolution, expires])

    def urls(self, token: str) -> list[tuple[int, str]]:
        """The five links of the mail, one per score."""
        return [(score, f"{self._base}/survey/{token}?score={score}") for score in SCORES]

    def read(self, token: str, now: datetime) -> SurveyTicket:
        """The request and resolution a token names; BadSurveyLink otherwise."""
        from itsdangerous import BadSignature

        try:
            request_id, resolution, expires = self._serializer().loads(token)
            ticket = SurveyTicket(str(request_id), str(resolution))
            expires = int(expires)
        except (BadSignature, TypeError, ValueError):
            raise BadSurveyLink("tampered") from None
        if now.timestamp() > expires:
            raise BadSurveyLink("expired", ticket.request_id)
        return ticket


def score_of(value) -> int | None:
    """A score from a form or a query string ('1'..'5'); None for anything else."""
    text = str(value or "").strip()
    return int(text) if text in {str(s) for s in SCORES} else None


def comment_of(value) -> str:
    return str(value or "").replace("\r\n", "\n").strip()[:MAX_COMMENT_CHARS]


TEXTS = {
    "en": {
        "scores": {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neither satisfied nor dissatisfied",
                   4: "Satisfied", 5: "Very satisfied"},
        "title": "How did we do?",
        "request": "Request",
        "legend": "How satisfied are you with how we handled your request?",
        "comment": "Comment (optional)",
        "comment_hint": "What went well, what should we do better?",
        "submit": "Send my answer",
        "note": "Nothing is recorded until you press the button.",
        "choose": "Please choose one of the five answers.",
        "error_title": "There is a problem",
        "thanks_title": "Thank you!",
        "thanks": "Your answer for request {ticket} has been recorded.",
        "thanks_low": "We are sorry we did not do better. The head of the department will look at your request.",
        "already_title": "You have already answered",
        "already": "Thank you: we already have your answer for request {ticket} (“{label}”). It stays as it was.",
        "tampered_title": "This link is not valid",
        "tampered": "The link is damaged or was not made by us. Nothing was recorded.",
        "expired_title": "This survey has ended",
        "expired": "The survey link for request {ticket} has expired. Nothing was recorded; you can still reply "
                   "to our email.",
        "missing_title": "Request not found",
        "missing": "We could not find this request. Nothing was recorded.",
        "mail_resolved": "we have resolved your request {ticket} (“{subject}”).",
        "mail_ask": "How satisfied are you with how we handled it? One click on an answer opens a page where you "
                    "can add a comment and send it:",
        "mail_reopen": "If something is still not right, simply reply to this email within {days} days and we "
                       "will take your request up again.",
        "mail_dear": "Dear {name},",
        "mail_customer": "customer",
        "status": "Status of your request",
    },
    "ru": {
        "scores": {1: "Совсем не доволен", 2: "Скорее не доволен", 3: "Ни то ни другое", 4: "Доволен",
                   5: "Очень доволен"},
        "title": "Как мы справились?",
        "request": "Заявка",
        "legend": "Насколько вы довольны тем, как мы решили ваш вопрос?",
        "comment": "Комментарий (необязательно)",
        "comment_hint": "Что было хорошо, что нам стоит улучшить?",
        "submit": "Отправить ответ",
        "note": "Ничего не записывается, пока вы не нажмёте кнопку.",
        "choose": "Пожалуйста, выберите один из пяти ответов.",
        "error_title": "Нужно исправить",
        "thanks_title": "Спасибо!",
        "thanks": "Ваш ответ по заявке {ticket} записан.",
        "thanks_low": "Нам жаль, что мы не справились лучше. Руководитель отдела разберётся с вашей заявкой.",
        "already_title": "Вы уже ответили",
        "already": "Спасибо: ваш ответ по заявке {ticket} у нас уже есть («{label}»). Он остаётся без изменений.",
        "tampered_title": "Ссылка недействительна",
        "tampered": "Ссылка повреждена или создана не нами. Ничего не записано.",
        "expired_title": "Опрос завершён",
        "expired": "Срок действия ссылки на опрос по заявке {ticket} истёк. Ничего не записано; вы по-прежнему "
                   "можете ответить на наше письмо.",
        "missing_title": "Заявка не найдена",
        "missing": "Мы не нашли эту заявку. Ничего не записано.",
        "mail_resolved": "мы решили ваш вопрос по заявке {ticket} («{subject}»).",
        "mail_ask": "Насколько вы довольны тем, как мы его решили? Нажмите на ответ — откроется страница, где "
                    "можно добавить комментарий и отправить ответ:",
        "mail_reopen": "Если что-то ещё не так, просто ответьте на это письмо в течение {days} дней — мы снова "
                       "возьмём заявку в работу.",
        "mail_dear": "Здравствуйте, {name}!",
        "mail_customer": "уважаемый клиент",
        "status": "Статус вашей заявки",
    },
    "zh": {
        "scores": {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"},
        "title": "您对我们的服务满意吗？",
        "request": "请求",
        "legend": "您对我们处理您请求的方式有多满意？",
        "comment": "备注（选填）",
        "comment_hint": "哪些做得好，哪些需要改进？",
        "submit": "提交回答",
        "note": "在您点击按钮之前不会记录任何内容。",
        "choose": "请从五个选项中选择一个。",
        "error_title": "请更正",
        "thanks_title": "谢谢！",
        "thanks": "您对请求 {ticket} 的回答已记录。",
        "thanks_low": "很抱歉我们做得不够好。部门负责人将查看您的请求。",
        "already_title": "您已经回答过了",
        "already": "谢谢：我们已收到您对请求 {ticket} 的回答（“{label}”），该回答保持不变。",
        "tampered_title": "链接无效",
        "tampered": "链接已损坏或并非由我们生成。未记录任何内容。",
        "expired_title": "调查已结束",
        "expired": "请求 {ticket} 的调查链接已过期。未记录任何内容；您仍可回复我们的邮件。",
        "missing_title": "未找到请求",
        "missing": "我们找不到此请求。未记录任何内容。",
        "mail_resolved": "您的请求 {ticket}（“{subject}”）已解决。",
        "mail_ask": "您对我们的处理满意吗？点击一个选项即可打开页面，添加备注并提交：",
        "mail_reopen": "如果仍有问题，请在 {days} 天内直接回复此邮件，我们将重新处理您的请求。",
        "mail_dear": "{name}，您好：",
        "mail_customer": "尊敬的客户",
        "status": "请求状态",
    },
}


def texts(lang: str) -> dict:
    return TEXTS.get(lang) or TEXTS["en"]


def score_label(score: int, lang: str) -> str:
    return texts(lang)["scores"][score]


def survey_view(request: Request, *, score: int | None = None, comment: str = "", error: bool = False,
                lang: str | None = None) -> dict:
    """The survey page: five choices (the clicked one preselected), a comment box and a button; in the
    request's language unless the page was asked for in another (`lang`)."""
    lang = lang if lang in TEXTS else customer_language(request.language)
    t = texts(lang)
    return {"lang": lang, "t": t, "ticket": request.ticket, "subject": single_line(request.subject, 300),
            "choices": [{"value": s, "label": t["scores"][s], "checked": s == score, "id": f"score-{s}"}
                        for s in SCORES],
            "comment": comment, "error": error}


def outcome_view(kind: str, lang: str, *, ticket: str = "", score: int | None = None) -> dict:
    """A page after (or instead of) the form: 'thanks', 'thanks_low', 'already', 'tampered', 'expired',
    'missing'. A link nobody can read gets English and Russian (we do not know whose it is)."""
    if kind == "tampered" and lang not in TEXTS:
        parts = [_part("tampered", "en"), _part("tampered", "ru")]
        return {"lang": "en", "title": parts[0]["title"], "parts": parts}
    lang = lang if lang in TEXTS else "en"
    part = _part("thanks" if kind == "thanks_low" else kind, lang, ticket=ticket,
                 label=score_label(score, lang) if score else "")
    if kind == "thanks_low":
        part["more"] = texts(lang)["thanks_low"]
    return {"lang": lang, "title": part["title"], "parts": [part]}


def _part(kind: str, lang: str, **values) -> dict:
    t = texts(lang)
    return {"lang": lang, "title": t[f"{kind}_title"], "text": t[kind].format(**values), "more": ""}


def survey_mail(config: DeskConfig, templates: Templates, request: Request, *, links: list[tuple[int, str]],
                resolution: str, status_url: str | None, in_reply_to: str | None, references: list[str]) -> Outbound:
    """The survey sent to the customer once per resolution, in their thread and language."""
    lang = customer_language(request.language)
    t = texts(lang)
    name = single_line(request.customer_name, 80) or t["mail_customer"]
    view = {"lang": lang, "title": t["title"], "desk_name": config.desk.name,
            "dear": t["mail_dear"].format(name=name),
            "resolved": t["mail_resolved"].format(ticket=request.ticket, subject=single_line(request.subject, 200)),
            "ask": t["mail_ask"], "reopen": t["mail_reopen"].format(days=config.closure.reopen_days),
            "links": [{"score": s, "label": t["scores"][s], "url": url} for s, url in links],
            "status_url": status_url, "status": t["status"], "ticket": request.ticket}
    return customer_thread_mail(config, request, kind="survey", prefix="survey",
                                key=f"{request.request_id}.{resolution}", lang=lang,
                                text=templates.render("email/survey.txt.j2", **view),
                                html=templates.render("email/survey.html.j2", **view),
                                in_reply_to=in_reply_to, references=references)


STAFF_TEXTS = {
    "en": {"subject": "Low rating {score}/5", "intro": "The customer rated request {ticket} {score} of 5 (“{label}”).",
           "comment": "Their comment", "no_comment": "(no comment)", "request": "Request", "customer": "Customer",
           "assignee": "Handled by", "open": "Open the request"},
    "ru": {"subject": "Низкая оценка {score}/5", "intro": "Клиент оценил заявку {ticket} на {score} из 5 («{label}»).",
           "comment": "Комментарий клиента", "no_comment": "(без комментария)", "request": "Заявка",
           "customer": "Клиент", "assignee": "Исполнитель", "open": "Открыть заявку"},
    "zh": {"subject": "低评分 {score}/5", "intro": "客户给请求 {ticket} 打了 {score} 分（满分 5 分，“{label}”）。",
           "comment": "客户备注", "no_comment": "（无备注）", "request": "请求", "customer": "客户",
           "assignee": "处理人", "open": "打开请求"},
}


def low_rating_mail(config: DeskConfig, templates: Templates, request: Request, manager: StaffMember, *,
                    score: int, comment: str, page_url: str, assignee_name: str) -> Outbound:
    """Tell the department's manager, in their language, that a customer rated a request low."""
    lang = staff_language(manager)
    t = STAFF_TEXTS[lang]
    view = {"desk_name": config.desk.name, "staff_name": manager.name,
            "intro": t["intro"].format(ticket=request.ticket, score=score, label=score_label(score, lang)),
            "t": t, "ticket": request.ticket, "subject": single_line(request.subject, 300),
            "customer": single_line(f"{request.customer_name} <{request.customer_email or '-'}>", 300),
            "assignee": assignee_name, "comment": comment, "page_url": page_url}
    ident = f"{request.request_id}.{manager.id}"
    return Outbound(
        outbox_id=f"low_rating.{ident}", kind="notification", request_id=request.request_id,
        to=[str(manager.email)], from_address=str(config.desk.address), from_name=config.desk.name,
        subject=f"{t['subject'].format(score=score)}: " + tagged_subject(request.ticket,
                                                                         single_line(request.subject, 200)),
        text=templates.render("email/low_rating.txt.j2", **view),
        message_id=message_id_for("low_rating", ident, config.desk.mail_domain), automatic=True, language=lang)
