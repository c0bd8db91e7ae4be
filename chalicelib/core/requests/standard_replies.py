"""Standard replies (`[[replies]]` in the config): which a request is offered, and their text filled from
the request in the customer's language. Pure.

The texts were checked when the config was loaded (placeholders from REPLY_PLACEHOLDERS only), so
filling one here never fails. What the staff member writes beside the command goes before the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.core.config import DeskConfig, StaffMember, StandardReply
from chalicelib.core.mail.outbound import customer_language, notice_to_staff, single_line, staff_language
from chalicelib.core.render import Templates
from chalicelib.core.requests.models import Outbound, Request

_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class FilledReply:
    name: str
    language: str
    """The customer's language the text is in (English when the reply has none in theirs)."""
    title: str
    """In the customer's language."""
    text: str


def offered(config: DeskConfig, category: str) -> list[StandardReply]:
    """The standard replies of a category, in the config's order."""
    return [r for r in config.replies if r.offered_for(category)]


def find(config: DeskConfig, name: str, category: str) -> StandardReply | None:
    """The reply `name` (any case) if the category is offered it."""
    wanted = (name or "").strip().lower()
    return next((r for r in offered(config, category) if r.name == wanted), None)


def fields_of(config: DeskConfig, request: Request, member: StaffMember, lang: str) -> dict[str, str]:
    """The placeholders' values for a request, in `lang`."""
    category = config.category(request.category)
    department = next((d for d in config.departments if d.id == request.department), None)
    labels = {f.id: f.label.get(lang) for c in config.categories for f in c.required_facts}
    facts = "\n".join(f"{labels.get(k, k)}: {single_line(str(v), 300)}" for k, v in (request.facts or {}).items())
    return {
        "ticket": request.ticket,
        "customer_name": single_line(request.customer_name or request.customer_email or "", 80),
        "subject": single_line(request.subject, 300),
        "category": category.name.get(lang),
        "department": department.name.get(lang) if department else "",
        "facts": facts,
        "staff_name": member.name,
        "desk_name": config.desk.name,
    }


def fill(config: DeskConfig, reply: StandardReply, request: Request, member: StaffMember) -> FilledReply:
    lang = customer_language(request.language)
    text = reply.body.get(lang).format_map(fields_of(config, request, member, lang))
    return FilledReply(reply.name, lang if getattr(reply.body, lang, None) else "en", reply.title.get(lang),
                       _BLANK_LINES.sub("\n\n", text).strip())


def answer_text(filled: FilledReply, own_words: str = "") -> str:
    """What the customer reads: the staff member's own words (if any), then the standard text."""
    own = (own_words or "").strip()
    return f"{own}\n\n{filled.text}" if own else filled.text


def choices(config: DeskConfig, request: Request, member: StaffMember, lang: str) -> list[dict]:
    """The request page's standard replies: title in the staff member's `lang`, preview in the customer's."""
    out = []
    for reply in offered(config, request.category):
        filled = fill(config, reply, request, member)
        out.append({"name": reply.name, "title": reply.title.get(lang), "preview": filled.text,
                    "preview_lang": filled.language})
    return out


def unknown_reply_notice(config: DeskConfig, templates: Templates, request: Request, member: StaffMember, *,
                         name: str, ident: str, reply_to: str, in_reply_to: str | None = None) -> Outbound:
    """Tells a staff member that `#reply <name>` names no standard reply of this request's category, and
    lists the ones it has (nothing went to the customer)."""
    lang = staff_language(member)
    category = config.category(request.category)
    elsewhere = find_anywhere(config, name)
    view = {"desk_name": config.desk.name, "staff_name": member.name, "ticket": request.ticket,
            "asked": single_line(name, 60), "category": category.name.get(lang),
            "other_category": bool(elsewhere),
            "replies": [(r.name, r.title.get(lang)) for r in offered(config, request.category)]}
    return notice_to_staff(config, request, member, ident=ident, lang=lang, reply_to=reply_to,
                           in_reply_to=in_reply_to,
                           text=templates.render(f"email/{lang}/standard_replies.txt.j2", **view))


def find_anywhere(config: DeskConfig, name: str) -> StandardReply | None:
    wanted = (name or "").strip().lower()
    return next((r for r in config.replies if r.name == wanted), None)
