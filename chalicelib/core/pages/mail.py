"""The sign-in email a staff member asks for on the sign-in page (composed like the desk's other mail)."""
from __future__ import annotations

from chalicelib.core.config import DeskConfig, StaffMember
from chalicelib.core.mail.outbound import message_id_for, staff_language
from chalicelib.core.render import Templates
from chalicelib.core.requests.models import Outbound

_SUBJECT = {"en": "Your sign-in link", "ru": "Ссылка для входа", "zh": "您的登录链接"}


def signin_mail(config: DeskConfig, templates: Templates, member: StaffMember, *, url: str, ident: str,
                valid_days: int, session_hours: int) -> Outbound:
    """`ident` tells one asked-for link from another (each request for a link is its own email)."""
    lang = staff_language(member)
    view = {"desk_name": config.desk.name, "staff_name": member.name, "url": url, "valid_days": valid_days,
            "session_hours": session_hours}
    domain = config.desk.mail_domain
    return Outbound(
        outbox_id=f"signin.{member.id}.{ident}",
        kind="signin",
        request_id=None,
        to=[str(member.email)],
        from_address=str(config.desk.address),
        from_name=config.desk.name,
        subject=f"{_SUBJECT[lang]} — {config.desk.name}",
        text=templates.render(f"email/{lang}/signin.txt.j2", **view),
        message_id=message_id_for("signin", f"{member.id}.{ident}", domain),
        automatic=True,
        language=lang,
    )
