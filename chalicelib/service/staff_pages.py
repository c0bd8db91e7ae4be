"""Staff pages use cases: sign in by an emailed link, "my work", a request's page, internal notes.

Staff live in their mail: every email the desk sends them carries a signed link that signs them in and
opens the page it is about. Asking for a link answers the same for every address (no one learns who is
staff), and is limited per address.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from ..core.clock import Clock, iso
from ..core.config import DeskConfig, StaffMember
from ..core.pages.mail import signin_mail
from ..core.pages.session import Sessions, SigninLinks, StaffSession, safe_next
from ..core.pages.views import request_view, work_view
from ..core.render import Templates
from ..core.requests.intake import valid_address
from ..core.requests.models import Message, Request
from .conversation import Conversation
from .outbox import Outbox, message_seq

SIGNIN_LINKS_PER_HOUR = 5
ATTACHMENT_LINK_SECONDS = 300
MAX_NOTE_CHARS = 20000


@dataclass(frozen=True)
class SignIn:
    outcome: str
    """'signed_in', 'expired' or 'invalid'."""
    member: StaffMember | None = None
    cookie: str | None = None
    """The session cookie's value (signed)."""
    next: str = "work"


class StaffPages:
    def __init__(self, *, config: DeskConfig, table, store, templates: Templates, clock: Clock, outbox: Outbox,
                 conversation: Conversation, signin_links: SigninLinks, sessions: Sessions,
                 request_extras: Callable[[Request, StaffMember, str], dict] | None = None,
                 new_id: Callable[[], str] = lambda: secrets.token_urlsafe(18), standard_replies=None):
        self.config = config
        self.table = table
        self.store = store
        self.templates = templates
        self.clock = clock
        self.outbox = outbox
        self.conversation = conversation
        self.signin_links = signin_links
        self.sessions = sessions
        self.request_extras = request_extras
        """Route work fills the request page's optional blocks (route map, analysis, actions) here."""
        self.new_id = new_id
        self.standard_replies = standard_replies
        """The standard replies the request page offers and sends (service/standard_replies.py)."""
        self._staff_by_email = {str(m.email).lower(): m for m in config.staff}

    def active_member(self, staff_id: str | None) -> StaffMember | None:
        member = next((m for m in self.config.staff if m.id == staff_id), None)
        return member if member is not None and member.active else None

    # --- signing in -----------------------------------------------------------------------------

    def send_signin_link(self, address: str, next_path: str = "work") -> None:
        """Email a fresh sign-in link when `address` is an active staff member's and within the hourly
        limit. Returns nothing either way: the caller answers every address alike."""
        email = (valid_address(address or "") or "").lower()
        if not email:
            return
        now = self.clock.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        if not self.table.within_rate(f"signin#{hashlib.sha256(email.encode()).hexdigest()[:32]}", hour,
                                      SIGNIN_LINKS_PER_HOUR, timedelta(hours=1)):
            return
        member = self._staff_by_email.get(email)
        if member is None or not member.active:
            return
        mail = signin_mail(self.config, self.templates, member,
                           url=self.signin_links.url(member.id, safe_next(next_path)),
                           ident=self.new_id(),
                           valid_days=self.signin_links.max_age.days,
                           session_hours=int(self.sessions.max_age.total_seconds() // 3600))
        self.outbox.queue_and_send(mail, iso(now))

    def sign_in(self, token: str) -> SignIn:
        check = self.signin_links.check(token)
        member = self.active_member(check.staff_id)
        if member is None:
            return SignIn("invalid")
        if check.expired:
            return SignIn("expired", member, next=check.next)
        session = StaffSession(member.id, self.new_id())
        return SignIn("signed_in", member, self.sessions.cookie_value(session), check.next)

    def session_of(self, cookie: str | None) -> tuple[StaffSession, StaffMember] | None:
        """The signed-in person of a request's cookie: None when absent, forged, expired or deactivated."""
        session = self.sessions.read(cookie)
        member = self.active_member(session.staff_id) if session else None
        return (session, member) if member else None

    # --- pages ----------------------------------------------------------------------------------

    def my_work(self, member: StaffMember, lang: str) -> dict:
        return work_view(self.config, member, self.table.requests_of_staff(member.id),
                         self.table.open_tasks_of(member.id), lang, self.clock.now())

    def request_page(self, member: StaffMember, request_id: str, lang: str) -> dict | None:
        request = self.table.get_request(request_id)
        if request is None:
            return None
        messages = [self._shown(m) for m in self.table.messages(request_id)]
        extras = self.request_extras(request, member, lang) if self.request_extras else None
        view = request_view(self.config, request, messages, self.table.events(request_id), lang,
                            self.clock.now(), extras)
        view["note_once"] = self.new_id()
        view["standard_replies"] = self.standard_replies.choices(request, member, lang) if self.standard_replies else []
        view["reply_once"] = self.new_id()
        return view

    def _shown(self, message: dict) -> dict:
        """A stored message with its whole text and a short-lived download link per attachment."""
        shown = dict(message, text=self.conversation.full_text(message))
        shown["attachments"] = [dict(a, url=self.store.presigned_url(a["key"], a["filename"],
                                                                     ATTACHMENT_LINK_SECONDS))
                                for a in message.get("attachments") or []]
        return shown

    # --- changes --------------------------------------------------------------------------------

    def add_note(self, member: StaffMember, request_id: str, text: str, once: str | None) -> bool:
        """Keep an internal note (never sent to the customer). `once` is the form's own id: the same form
        sent twice keeps one note. False when there is no such request or nothing to keep."""
        text = (text or "").strip()[:MAX_NOTE_CHARS]
        if not text or self.table.get_request(request_id) is None:
            return False
        now = self.clock.now()
        key = hashlib.sha256(f"note:{request_id}:{member.id}:{once or self.new_id()}".encode()).hexdigest()
        state, _ = self.table.claim(key, now)
        if state != "claimed":
            return state == "done"
        try:
            at, seq = iso(now), message_seq(key)
            self.conversation.keep(Message(request_id, "in", at, member.id, "note", "", text), seq)
            self.table.add_event(request_id, at, f"{seq}.note", "note_added", author=member.id, via="page")
        except Exception:
            self.table.release(key)
            raise
        self.table.finish(key, {"note": seq}, now)
        return True

    def send_standard_reply(self, member: StaffMember, request_id: str, name: str, own_words: str, resolve: bool,
                            once: str | None) -> str:
        """The page's "Send this reply": 'sent', 'busy', 'no_request' or 'unknown_reply' (see StandardReplies)."""
        if self.standard_replies is None:
            return "unknown_reply"
        return self.standard_replies.from_page(member, request_id, name, own_words=own_words, resolve=resolve,
                                               once=once, now=self.clock.now())
