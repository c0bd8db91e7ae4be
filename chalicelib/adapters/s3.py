"""Raw inbound mail and attachments in S3. The only module that speaks S3."""
from __future__ import annotations

import hashlib
from urllib.parse import quote

RAW_PREFIX = "inbound/"
ATTACHMENT_PREFIX = "attachments/"
TEXT_PREFIX = "texts/"


class MailStore:
    def __init__(self, client, bucket: str):
        self._s3 = client
        self.bucket = bucket

    def size(self, key: str) -> int:
        return int(self._s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def read(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put_raw(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="message/rfc822")

    def put_attachment(self, request_id: str, message_key: str, index: int, filename: str,
                       content_type: str, data: bytes) -> str:
        """Store one attachment under a key we make (never the sender's name, which may be hostile)."""
        digest = hashlib.sha256(data).hexdigest()[:16]
        key = f"{ATTACHMENT_PREFIX}{request_id}/{message_key}/{index:02d}-{digest}"
        self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type or "application/octet-stream",
            ContentDisposition=f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
            Metadata={"request-id": request_id},
        )
        return key

    def read_attachment(self, key: str) -> bytes:
        if not key.startswith(ATTACHMENT_PREFIX):
            raise ValueError(f"not an attachment key: {key}")
        return self.read(key)

    def put_text(self, request_id: str, message_key: str, text: str) -> str:
        """Keep a message text too large for a table item; returns its key."""
        key = f"{TEXT_PREFIX}{request_id}/{message_key}.txt"
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=text.encode("utf-8"),
                            ContentType="text/plain; charset=utf-8", Metadata={"request-id": request_id})
        return key

    def read_text(self, key: str) -> str:
        return self.read(key).decode("utf-8")

    def presigned_url(self, key: str, filename: str, expires_seconds: int = 300) -> str:
        """A short-lived link that downloads one attachment under its own name (staff pages)."""
        if not key.startswith(ATTACHMENT_PREFIX):
            raise ValueError(f"not an attachment key: {key}")
        return self._s3.generate_presigned_url(
            "get_object", ExpiresIn=expires_seconds,
            Params={"Bucket": self.bucket, "Key": key,
                    "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"})
