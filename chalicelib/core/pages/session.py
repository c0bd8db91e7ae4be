"""Staff sign-in links, session cookies and CSRF tokens, signed with the desk's key (itsdangerous).

Every token's age is measured on the desk's Clock, never the system's, so a test (or the embedded
stack's scaled clock) decides when a link or a session has run out. itsdangerous is imported on first
use: a cold start that only takes in mail signs one link and reads no cookie.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple

from chalicelib.core.clock import Clock

SIGNIN_SALT = "staff-signin"
SESSION_SALT = "staff-session"
SIGNIN_MAX_AGE = timedelta(days=7)
SESSION_MAX_AGE = timedelta(hours=12)
COOKIE_NAME = "rf_staff"

_NEXT = re.compile(r"^(?:work|board|digest(?:\?period=(?:day|week|month))?|requests/[A-Za-z0-9_.-]{1,80})$")
"""Where a sign-in link may land: a staff page, as a path under /staff/ (never another site)."""


def safe_next(path: str | None) -> str:
    """`path` when it names a staff page, else 'work' (so a link can never send anyone elsewhere)."""
    path = (path or "").strip()
    return path if _NEXT.match(path) else "work"


@lru_cache(maxsize=1)
def _clock_signer():
    from itsdangerous import TimestampSigner

    class ClockSigner(TimestampSigner):
        def __init__(self, *args, clock: Clock, **kwargs):
            super().__init__(*args, **kwargs)
            self._clock = clock

        def get_timestamp(self) -> int:
            return int(self._clock.now().timestamp())

    return ClockSigner


def _serializer(secret: bytes, salt: str, clock: Clock):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret, salt=salt, signer=_clock_signer(), signer_kwargs={"clock": clock})


class SigninCheck(NamedTuple):
    """What a sign-in token says: whose it is (None when forged) and whether it ran out."""
    staff_id: str | None
    next: str = "work"
    expired: bool = False

    @property
    def valid(self) -> bool:
        return self.staff_id is not None and not self.expired


class SigninLinks:
    def __init__(self, secret: bytes, base_url: str, clock: Clock, max_age: timedelta = SIGNIN_MAX_AGE):
        self._secret, self._clock = secret, clock
        self.base_url = base_url.rstrip("/")
        self.max_age = max_age

    @cached_property
    def _serializer(self):
        return _serializer(self._secret, SIGNIN_SALT, self._clock)

    def token(self, staff_id: str, next_path: str = "work") -> str:
        return self._serializer.dumps({"staff": staff_id, "next": safe_next(next_path)})

    def url(self, staff_id: str, next_path: str = "work") -> str:
        return f"{self.base_url}/staff/signin/{self.token(staff_id, next_path)}"

    def page_url(self, staff_id: str, request_id: str) -> str:
        """A link that signs `staff_id` in and lands on the request's page."""
        return self.url(staff_id, f"requests/{request_id}")

    def check(self, token: str) -> SigninCheck:
        from itsdangerous import BadData, SignatureExpired

        try:
            value = self._serializer.loads(token, max_age=int(self.max_age.total_seconds()))
            expired = False
        except SignatureExpired as exc:
            # The signature is genuine, only old: whose link it was is known (their language, too).
            try:
                value = self._serializer.load_payload(exc.payload)
            except BadData:
                return SigninCheck(None)
            expired = True
        except BadData:
            return SigninCheck(None)
        if not isinstance(value, dict) or not isinstance(value.get("staff"), str):
            return SigninCheck(None)
        return SigninCheck(value["staff"], safe_next(value.get("next")), expired)


class StaffSession(NamedTuple):
    staff_id: str
    session_id: str


class Sessions:
    """The staff session cookie: who is signed in, under a random session id (the CSRF tokens' key)."""

    def __init__(self, secret: bytes, clock: Clock, max_age: timedelta = SESSION_MAX_AGE):
        self._secret, self._clock = secret, clock
        self._csrf_key = hmac.new(secret, b"staff-csrf", hashlib.sha256).digest()
        self.max_age = max_age

    @cached_property
    def _serializer(self):
        return _serializer(self._secret, SESSION_SALT, self._clock)

    def cookie_value(self, session: StaffSession) -> str:
        return self._serializer.dumps({"staff": session.staff_id, "sid": session.session_id})

    def read(self, value: str | None) -> StaffSession | None:
        from itsdangerous import BadData

        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=int(self.max_age.total_seconds()))
        except BadData:
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in ("staff", "sid")):
            return None
        return StaffSession(data["staff"], data["sid"])

    def csrf_token(self, session: StaffSession) -> str:
        """The token every staff form carries: an HMAC of the session's id (a new session, a new token)."""
        return hmac.new(self._csrf_key, session.session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session: StaffSession, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token)


def set_cookie(value: str, *, secure: bool, max_age: timedelta = SESSION_MAX_AGE) -> str:
    """The Set-Cookie header of a staff session: never readable by script, not sent on cross-site posts."""
    attributes = [f"{COOKIE_NAME}={value}", "Path=/", f"Max-Age={int(max_age.total_seconds())}", "HttpOnly",
                  "SameSite=Lax"]
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes)


def cookie_of(header: str | None, name: str = COOKIE_NAME) -> str | None:
    """The value of cookie `name` in a Cookie request header; None when absent or the header is garbled."""
    from http.cookies import CookieError, SimpleCookie

    if not header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None
