"""Signed links customers get (the status page). Signing with itsdangerous; no expiry for status."""
from __future__ import annotations


class StatusLinks:
    def __init__(self, secret: bytes, base_url: str):
        from itsdangerous import URLSafeSerializer

        self._serializer = URLSafeSerializer(secret, salt="request-status")
        self._base = base_url.rstrip("/")

    def url(self, request_id: str) -> str:
        return f"{self._base}/status/{self._serializer.dumps(request_id)}"

    def request_of(self, token: str) -> str | None:
        from itsdangerous import BadData

        try:
            value = self._serializer.loads(token)
        except BadData:
            return None
        return value if isinstance(value, str) else None
