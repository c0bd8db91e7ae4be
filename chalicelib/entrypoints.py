"""Event parsing and response shaping for the handlers in app.py. One call into the desk each."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Any

from chalice import Response

from .composition import desk
from .core.requests.status import page_text

INBOUND_TOPIC = os.environ.get("RF_INBOUND_TOPIC", "requestflow-inbound-mail")
TASK_QUEUE = os.environ.get("RF_TASK_QUEUE", "requestflow-tasks")


# --- inbound mail ---------------------------------------------------------------------------------

def ses_notifications(event: dict) -> list[dict]:
    """The S3 object (bucket, key), recipients and verdicts of each message in an SNS or S3 event."""
    found = []
    for record in event.get("Records", []):
        if "Sns" in record:
            note = json.loads(record["Sns"]["Message"])
            receipt = note.get("receipt", {})
            action = receipt.get("action", {})
            if note.get("notificationType") != "Received" or action.get("type") != "S3":
                continue
            found.append({
                "key": action["objectKey"],
                "recipients": receipt.get("recipients", []),
                "verdicts": {name: (receipt.get(f"{name}Verdict") or {}).get("status")
                             for name in ("spam", "virus", "spf", "dkim", "dmarc")},
            })
        elif "s3" in record:
            from urllib.parse import unquote_plus

            found.append({"key": unquote_plus(record["s3"]["object"]["key"]), "recipients": [], "verdicts": {}})
    return found


@contextmanager
def invocation(context=None):
    """Around every handler: log lines carry the Lambda request id; metrics are flushed as EMF."""
    from .observability import flush, logger

    if context is not None:
        logger().append_keys(lambda_request_id=getattr(context, "aws_request_id", None))
    try:
        yield
    finally:
        flush()


def inbound_mail(event: dict, context=None) -> list[dict]:
    """Errors propagate, so Lambda retries the event and its DLQ keeps what keeps failing."""
    from .observability import logger

    outcomes = []
    with invocation(context):
        for note in ses_notifications(event):
            outcome = desk().receive_mail(note["key"], note["recipients"], note["verdicts"])
            logger().info("inbound mail", extra={"raw_key": note["key"], "outcome": outcome.outcome,
                                                 "reason": outcome.reason, "ticket": outcome.ticket,
                                                 "duplicate": outcome.duplicate})
            outcomes.append(outcome.__dict__)
    return outcomes


def task_messages(records: list[dict], context=None) -> list[str]:
    """Messages of the routes' state machines. Errors propagate: SQS redelivers, then dead-letters."""
    with invocation(context):
        return [desk().approvals.on_machine_message(json.loads(r["body"])) for r in records]


def send_outbox(context=None) -> int:
    with invocation(context):
        return desk().send_outbox()


# --- HTTP -------------------------------------------------------------------------------------------

def _language(request) -> str:
    from .core.requests.form import page_language

    headers = request.headers or {}
    return page_language((request.query_params or {}).get("lang"), desk().config, headers.get("accept-language"))


def _html(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                        "form-action 'self'; img-src 'self'",
                             **(headers or {})})


def _json(body: Any, status: int, headers: dict | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def _page(name: str, lang: str, code: int = 200, **view) -> Response:
    service = desk()
    view = {"lang": lang, "desk_name": service.config.desk.name, **view}
    return _html(service.templates.render(name, **view), code)


def _message_page(lang: str, status: int, title: str, text: str, **view) -> Response:
    return _page("pages/message.html.j2", lang, status, title=title, text=text, **view)


_ACT_STATUS = {"tampered": 400, "expired": 410, "used": 409, "stale": 409, "not_allowed": 400, "missing": 404}


def _act_view(token: str):
    """What a task link names and the view of its page, or an error page (4xx, nothing changed)."""
    from .core.routes.pages import link_error_text

    action, view, error, read = desk().approvals.open_link(token)
    if error:
        lang = view["lang"] if view else "en"
        title, text = link_error_text(error, lang)
        return None, _message_page(lang, _ACT_STATUS[error], title, text)
    return (action, view, read), None


def action_page(request, token: str) -> Response:
    """GET only shows the confirmation page: mail security scanners open every link."""
    found, error = _act_view(token)
    if error:
        return error
    _, view, _ = found
    return _page("pages/action.html.j2", view.pop("lang"), **view)


def action_post(request, token: str) -> Response:
    from urllib.parse import parse_qs

    from .core.routes.pages import act_result_text

    found, error = _act_view(token)
    if error:
        return error
    action, view, read = found
    fields = parse_qs((request.raw_body or b"").decode("utf-8", "replace"))
    comment = (fields.get("comment") or [""])[0]
    result = desk().approvals.act(action, comment, via="link", read=read)
    title, text = act_result_text(result.kind, view["lang"], view["action_label"])
    return _message_page(view["lang"], 200 if result.kind == "done" else _ACT_STATUS[result.kind], title, text)


def form_page(request) -> Response:
    from .core.requests.form import form_view

    lang = _language(request)
    view = form_view(desk().config, lang)
    return _page("pages/form.html.j2", view.pop("lang"), **view)


def _wants_html(request) -> bool:
    headers = request.headers or {}
    return "text/html" in headers.get("accept", "") and "json" not in headers.get("content-type", "")


def requests_page(request) -> Response:
    """GET /requests: a browser (a bookmark, a reload after posting) is sent on to the form; an API
    client learns that the route takes POST."""
    from .core.config import LANGUAGES

    if not _wants_html(request):
        return _json({"message": "use POST to send a request; the form is at /form", "errors": {}}, 405,
                     {"Allow": "POST"})
    lang = ((request.query_params or {}).get("lang") or "").strip().lower()
    location = f"form?lang={lang}" if lang in LANGUAGES else "form"
    return Response(body="", status_code=303, headers={"Location": location, "Cache-Control": "no-store"})


def _cors(request) -> dict:
    origin = (request.headers or {}).get("origin")
    allowed = desk().config.desk.site_origin
    if origin and origin == allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
                "Access-Control-Max-Age": "3600"}
    return {"Vary": "Origin"}


def post_request(request, context=None) -> Response:
    with invocation(context):
        return _post_request(request)


def _post_request(request) -> Response:
    from .core.requests.form import FormError, Trapped, form_text, form_view, parse_form
    from .service.intake import RateLimited, StillInProgress

    cors = _cors(request)
    if request.method == "OPTIONS":
        return Response(body="", status_code=204 if "Access-Control-Allow-Origin" in cors else 403, headers=cors)
    headers = request.headers or {}
    wants_html = _wants_html(request)
    service = desk()
    body = request.raw_body or b""
    lang = _language(request)
    try:
        form = parse_form(body, headers.get("content-type"), service.config)
        lang = form.language or lang
        source_ip = ((request.context or {}).get("identity") or {}).get("sourceIp")
        receipt = service.submit_form(form, source_ip, headers.get("idempotency-key"))
    except Trapped as exc:
        lang = exc.language or lang
        if wants_html:
            return _message_page(lang, 200, form_text("received_title", lang), form_text("received", lang),
                                 lang_switch_base="form")
        return _json({"message": "received"}, 202, cors)
    except FormError as exc:
        lang = exc.language or lang
        if wants_html and exc.status == 400:
            view = form_view(service.config, lang, exc.values, exc.codes)
            return _page("pages/form.html.j2", view.pop("lang"), 400, **view)
        if wants_html:
            return _message_page(lang, exc.status, str(exc.status), exc.message, lang_switch_base="form",
                                 link_url=f"form?lang={lang}", link_text="←")
        return _json({"message": exc.message, "errors": exc.errors}, exc.status, cors)
    except RateLimited as exc:
        if wants_html:
            return _message_page(lang, 429, page_text("too_many_title", lang), page_text("too_many", lang),
                                 lang_switch_base="form")
        return _json({"message": str(exc), "errors": {}}, 429, {**cors, "Retry-After": "3600"})
    except StillInProgress:
        if wants_html:
            return _message_page(lang, 409, "409", page_text("busy", lang), lang_switch_base="form")
        return _json({"message": "the same submission is being processed; retry shortly", "errors": {}}, 409, cors)
    answer = {"ticket": receipt.ticket, "request_id": receipt.request_id, "status_url": receipt.status_url,
              "duplicate": receipt.duplicate}
    status = 200 if receipt.duplicate else 201
    if wants_html:
        return _page("pages/submitted.html.j2", lang, status, ticket=receipt.ticket,
                     status_url=receipt.status_url, email=form.email, form_url=f"form?lang={lang}")
    return _json(answer, status, {**cors, "Location": receipt.status_url})


def status_page(request, token: str) -> Response:
    """In the language asked for (?lang=), else the request's own, else the browser's."""
    from .core.requests.form import page_language

    service = desk()
    request_record = service.status(token)
    asked = (request.query_params or {}).get("lang")
    own = request_record.language if request_record else None
    lang = page_language(asked or own, service.config, (request.headers or {}).get("accept-language"))
    if request_record is None:
        return _message_page(lang, 404, "404", page_text("bad_link", lang))
    from .core.requests.status import status_view

    return _page("pages/status.html.j2", lang, progress=service.route_progress(request_record, lang),
                 **status_view(service.config, request_record, lang, service.messages(request_record.request_id)))


# --- staff pages ------------------------------------------------------------------------------------
# Pages live under /staff/ and link each other relatively, so `depth` (how many segments below /staff/
# a handler's path has beyond the first) turns a staff page name into a Location or a link.

MAX_STAFF_FORM_BYTES = 256 * 1024


class StaffRefusal(Exception):
    """A staff handler cannot go on: `response` (a redirect to sign in, a 403 page) answers instead."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


class StaffContext:
    """The signed-in person of a staff request: who, in which language, and the CSRF token for forms."""

    def __init__(self, session, member, lang: str, csrf: str):
        self.session = session
        self.member = member
        self.lang = lang
        self.csrf = csrf


def _staff_pages():
    pages = desk().staff_pages
    if pages is None:
        raise RuntimeError("the desk was built without staff sign-in (no signing key for sessions)")
    return pages


def _up(depth: int) -> str:
    return "../" * depth


def _see_other(location: str, headers: dict | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": location, "Cache-Control": "no-store",
                                                        **(headers or {})})


def _https(request) -> bool:
    forwarded = (request.headers or {}).get("x-forwarded-proto", "")
    return forwarded.lower() == "https" or _staff_pages().signin_links.base_url.startswith("https://")


def _asked_language(request) -> str | None:
    from .core.config import LANGUAGES

    asked = ((request.query_params or {}).get("lang") or "").strip().lower()
    return asked if asked in LANGUAGES else None


def _staff_language(request, member) -> str:
    """?lang= first, then the first of the person's languages the pages are written in."""
    from .core.mail.outbound import staff_language

    return _asked_language(request) or staff_language(member)


def staff_context(request, *, depth: int, here: str) -> StaffContext:
    """The signed-in person, or StaffRefusal with a redirect to the sign-in page that comes back `here`."""
    from urllib.parse import quote

    from .core.pages.session import cookie_of

    pages = _staff_pages()
    found = pages.session_of(cookie_of((request.headers or {}).get("cookie")))
    if found is None:
        raise StaffRefusal(_see_other(f"{_up(depth)}signin?next={quote(here, safe='/')}"))
    session, member = found
    return StaffContext(session, member, _staff_language(request, member), pages.sessions.csrf_token(session))


def staff_form(request, *, depth: int, here: str) -> tuple[StaffContext, dict[str, str]]:
    """Every staff POST: the signed-in person and the form's fields, once the form's CSRF token matches
    their session; otherwise StaffRefusal (sign in first, or a 403 page) and nothing changes."""
    context = staff_context(request, depth=depth, here=here)
    fields = _form_fields(request)
    if not _staff_pages().sessions.csrf_valid(context.session, fields.get("csrf")):
        from .core.pages.texts import text

        raise StaffRefusal(_message_page(context.lang, 403, text("forbidden_title", context.lang),
                                         text("forbidden", context.lang), link_url=_up(depth) + here,
                                         link_text=text("my_work", context.lang) if here == "work" else here))
    return context, fields


def _form_fields(request) -> dict[str, str]:
    from urllib.parse import parse_qs

    body = request.raw_body or b""
    if len(body) > MAX_STAFF_FORM_BYTES:
        return {}
    content_type = (request.headers or {}).get("content-type", "")
    if "application/x-www-form-urlencoded" not in content_type:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items() if values}


def staff_handler(handler):
    """Wrap a staff handler so a StaffRefusal it raises becomes its answer."""
    from functools import wraps

    @wraps(handler)
    def answer(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except StaffRefusal as refusal:
            return refusal.response
    return answer


def _staff_page(name: str, context: StaffContext | None, lang: str, code: int = 200, **view) -> Response:
    account = {"staff_name": context.member.name, "csrf": context.csrf, "wide": True} if context else {}
    response = _page(name, lang, code, **account, **view)
    response.headers["Cache-Control"] = "no-store"
    return response


def staff_signin_page(request) -> Response:
    from .core.pages.session import safe_next

    lang = _language(request)
    return _staff_page("pages/staff_signin.html.j2", None, lang,
                       next=safe_next((request.query_params or {}).get("next")), sent=False)


def staff_signin_request(request) -> Response:
    """POST /staff/signin: the same page for every address, whether it is staff's or not."""
    from .core.pages.session import safe_next

    fields = _form_fields(request)
    lang = _language(request)
    next_path = safe_next(fields.get("next"))
    _staff_pages().send_signin_link(fields.get("email", ""), next_path)
    return _staff_page("pages/staff_signin.html.j2", None, lang, next=next_path, sent=True)


def staff_signin(request, token: str) -> Response:
    """GET /staff/signin/{token}: sign in, then on to the page the link was for."""
    from .core.pages.session import set_cookie
    from .core.pages.texts import text

    pages = _staff_pages()
    result = pages.sign_in(token)
    if result.outcome == "signed_in":
        cookie = set_cookie(result.cookie, secure=_https(request), max_age=pages.sessions.max_age)
        return _see_other(f"../{result.next}", {"Set-Cookie": cookie})
    if result.outcome == "expired":
        lang = _staff_language(request, result.member)
        problem = (text("expired_title", lang), text("expired", lang, days=pages.signin_links.max_age.days))
        code = 410
    else:
        lang = _language(request)
        problem = (text("bad_link_title", lang), text("bad_link", lang))
        code = 400
    return _staff_page("pages/staff_signin.html.j2", None, lang, code, next=result.next, sent=False,
                       problem_title=problem[0], problem=problem[1], form_action="../signin")


@staff_handler
def staff_work(request) -> Response:
    context = staff_context(request, depth=0, here="work")
    view = _staff_pages().my_work(context.member, context.lang)
    return _staff_page("pages/staff_work.html.j2", context, context.lang, home_url="work", **view)


@staff_handler
def staff_request(request, request_id: str) -> Response:
    from .core.pages.texts import text

    context = staff_context(request, depth=1, here=f"requests/{request_id}")
    view = _staff_pages().request_page(context.member, request_id, context.lang)
    if view is None:
        return _staff_page("pages/message.html.j2", context, context.lang, 404,
                           title=text("not_found_title", context.lang),
                           text=text("not_found", context.lang, ticket=request_id), link_url="../work",
                           link_text=text("my_work", context.lang), home_url="../work")
    return _staff_page("pages/staff_request.html.j2", context, context.lang, home_url="../work", **view)


@staff_handler
def staff_route_action(request, request_id: str) -> Response:
    """POST /staff/requests/{id}/route?do=…: a manager force-completes, changes the result, or
    (re)starts the approval; then back to the request's page."""
    context, _ = staff_form(request, depth=2, here=f"requests/{request_id}")
    kind = (request.query_params or {}).get("do", "")
    desk().approvals.manager_action(request_id, context.member, kind)
    lang = _asked_language(request)
    return _see_other(f"../{request_id}" + (f"?lang={lang}" if lang else "") + "#rf-route")


@staff_handler
def staff_add_note(request, request_id: str) -> Response:
    """POST /staff/requests/{id}/notes: keep an internal note, then back to the request's page."""
    context, fields = staff_form(request, depth=2, here=f"requests/{request_id}")
    _staff_pages().add_note(context.member, request_id, fields.get("text", ""), fields.get("once"))
    lang = _asked_language(request)
    return _see_other(f"../{request_id}" + (f"?lang={lang}" if lang else "") + "#notes")


# --- bounces and complaints -------------------------------------------------------------------------

FEEDBACK_TOPIC = os.environ.get("RF_FEEDBACK_TOPIC", "requestflow-mail-feedback")


def mail_feedback(event: dict, context=None) -> list[dict]:
    """SES bounce and complaint notifications (SNS): the addresses they name, each with its reason."""
    found = []
    with invocation(context):
        for record in event.get("Records", []):
            if "Sns" in record:
                found.extend({"address": s.address, "reason": s.reason, "detail": s.detail}
                             for s in desk().feedback.record(record["Sns"]["Message"]))
    return found


_REPLY_TEXTS = {
    "unknown_title": {"en": "No such standard reply", "ru": "Такого стандартного ответа нет",
                      "zh": "没有此标准回复"},
    "unknown": {"en": "This request is not offered that standard reply. Nothing was sent to the customer.",
                "ru": "Для этой заявки такого стандартного ответа нет. Клиенту ничего не отправлено.",
                "zh": "此请求不提供该标准回复。未向客户发送任何内容。"},
    "back": {"en": "Back to the request", "ru": "Вернуться к заявке", "zh": "返回请求"},
}


@staff_handler
def staff_send_reply(request, request_id: str) -> Response:
    """POST /staff/requests/{id}/replies: send a standard reply to the customer, then back to the page."""
    from .core.pages.texts import text, word

    context, fields = staff_form(request, depth=2, here=f"requests/{request_id}")
    outcome = _staff_pages().send_standard_reply(context.member, request_id, fields.get("name", ""),
                                                 fields.get("text", ""), fields.get("resolve") == "yes",
                                                 fields.get("once"))
    lang = _asked_language(request)
    if outcome == "no_request":
        return _staff_page("pages/message.html.j2", context, context.lang, 404,
                           title=text("not_found_title", context.lang),
                           text=text("not_found", context.lang, ticket=request_id), link_url="../../work",
                           link_text=text("my_work", context.lang), home_url="../../work")
    if outcome == "unknown_reply":
        return _staff_page("pages/message.html.j2", context, context.lang, 404,
                           title=word(_REPLY_TEXTS, "unknown_title", context.lang),
                           text=word(_REPLY_TEXTS, "unknown", context.lang), link_url=f"../{request_id}",
                           link_text=word(_REPLY_TEXTS, "back", context.lang), home_url="../../work")
    return _see_other(f"../{request_id}" + (f"?lang={lang}" if lang else "") + "#rf-conversation")


# --- SLA: the scan and the red zone's reassign link -------------------------------------------------

_REASSIGN_STATUS = {"tampered": 400, "expired": 410, "moved": 409, "missing": 404}


def sla_scan(context=None) -> dict:
    """The scheduled SLA scan: reminders at the due time, the red zone after the margin."""
    from .composition import sla_of

    with invocation(context):
        return sla_of(desk()).scan()


def _reassign_page(result) -> Response:
    from .core.sla.mail import page_texts

    t = page_texts(result.lang)
    if result.kind == "ready":
        view = {k: v for k, v in result.view.items() if k != "action"}
        return _page("pages/sla_reassign.html.j2", result.lang, t=t, **view)
    title, text = t[result.kind]
    names = {"holder": result.view.get("holder", ""), "to": result.view.get("to", "")}
    return _message_page(result.lang, 200 if result.kind == "done" else _REASSIGN_STATUS[result.kind],
                         title.format(**names), text.format(**names))


def sla_reassign_page(request, token: str) -> Response:
    """GET only shows the confirmation page: mail security scanners open every link."""
    from .composition import sla_of

    return _reassign_page(sla_of(desk()).open_reassign(token))


def sla_reassign_post(request, token: str) -> Response:
    from .composition import sla_of

    return _reassign_page(sla_of(desk()).reassign(token))


# --- closure and the survey ---------------------------------------------------------------------------

_SURVEY_STATUS = {"form": 200, "thanks": 200, "thanks_low": 200, "invalid": 400, "already": 409,
                  "tampered": 400, "expired": 410, "missing": 404}


def _survey_response(page, method: str) -> Response:
    template = "pages/survey.html.j2" if page.kind in ("form", "invalid") else "pages/survey_message.html.j2"
    view = dict(page.view)
    status = 200 if page.kind == "already" and method == "GET" else _SURVEY_STATUS[page.kind]
    response = _page(template, view.pop("lang"), status, **view)
    response.headers["Cache-Control"] = "no-store"
    return response


def survey_page(request, token: str) -> Response:
    """GET /survey/{token}?score=N: the survey with N chosen. Records nothing (mail scanners open links)."""
    query = request.query_params or {}
    return _survey_response(desk().closure.page(token, query.get("score"), _asked_language(request)), "GET")


def survey_post(request, token: str) -> Response:
    """POST /survey/{token}: the answer, once per request; a second one gets a polite 409 page."""
    fields = _form_fields(request)
    page = desk().closure.answer(token, fields.get("score"), fields.get("comment"), _asked_language(request))
    return _survey_response(page, "POST")


def close_and_survey(context=None) -> dict:
    with invocation(context):
        return desk().closure.close_and_survey()
# --- KPIs: the digest schedule, the digest page, the manager's board ------------------------------

def kpi_digest(context=None) -> int:
    """The kpi_digest schedule: send every manager's digest that is due (once per period)."""
    from .service.digests import digests_of

    with invocation(context):
        return digests_of(desk()).send_due()


def _manager_context(request, *, depth: int, here: str):
    from .core.kpi.board import texts
    from .service.digests import digests_of

    context = staff_context(request, depth=depth, here=here)
    digests = digests_of(desk())
    if not digests.is_manager(context.member):
        raise StaffRefusal(_staff_page("pages/message.html.j2", context, context.lang, 403,
                                       title=texts(context.lang)["title"], text=texts(context.lang)["not_manager"],
                                       link_url=_up(depth) + "work", link_text="OK", home_url=_up(depth) + "work"))
    return context, digests


@staff_handler
def staff_digest(request) -> Response:
    """GET /staff/digest?period=day|week|month: the digest of the last days, for managers."""
    from .core.kpi.digest import PERIOD_DAYS

    period = (request.query_params or {}).get("period", "week")
    period = period if period in ("day", "week", "month") else "week"
    context, digests = _manager_context(request, depth=0, here=f"digest?period={period}")
    _, view = digests.rolling(period, context.lang, link=lambda rid: f"requests/{rid}")
    view.pop("lang", None)
    view["periods"] = [(p, f"{PERIOD_DAYS[p]} d", p == period) for p in ("day", "week", "month")]
    return _staff_page("pages/staff_digest.html.j2", context, context.lang, home_url="work", **view)


@staff_handler
def staff_board(request) -> Response:
    """GET /staff/board: requests in work per person, status and stage, for managers."""
    from .core.kpi.board import texts

    context, digests = _manager_context(request, depth=0, here="board")
    return _staff_page("pages/staff_board.html.j2", context, context.lang, home_url="work",
                       t=texts(context.lang), **digests.board(context.lang))


@staff_handler
def staff_board_list(request) -> Response:
    """GET /staff/board/list?person=&status=&late=overdue|red&stage=: the requests behind a count."""
    from .core.kpi.board import list_description, texts

    query = request.query_params or {}
    filters = {k: (query.get(k) or None) for k in ("person", "status", "late", "stage")}
    context, digests = _manager_context(request, depth=1, here="board")
    items = digests.board_list(**filters)
    rows = [{"ticket": r.get("ticket"), "url": f"../requests/{r['request_id']}", "subject": r.get("subject", ""),
             "assignee": r.get("assignee", ""), "status": r.get("status", ""), "due": r.get("GSI2SK", "")}
            for r in items]
    return _staff_page("pages/staff_board_list.html.j2", context, context.lang, home_url="../work",
                       t=texts(context.lang), what=list_description(context.lang, **filters), requests=rows)
