"""What the intake knows about one inbound email after parsing (pure data, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ParsedAttachment:
    filename: str
    """Decoded and sanitised: no '/', '\\', '..' or control characters; never empty."""
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class SesVerdicts:
    """SES receipt verdicts as found in the X-SES-* / Authentication-Results headers."""
    spam: str | None = None
    virus: str | None = None
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    spf_domain: str | None = None
    """The envelope sender's domain SPF passed for (smtp.mailfrom)."""
    dkim_domain: str | None = None
    """The domain of the passing DKIM signature (header.d / header.i)."""


@dataclass
class ParsedMail:
    message_id: str | None
    """With angle brackets, e.g. '<abc@host>'; None when absent."""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    """Display name, single line (CR/LF/NUL removed)."""
    from_address: str | None = None
    """Lower-cased address of the author, None when no usable address exists."""
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    return_path: str | None = None
    """Envelope sender; '' for a null Return-Path (<>), None when the header is absent."""
    date: datetime | None = None
    """Timezone-aware; None when missing or unparseable."""
    headers: dict[str, list[str]] = field(default_factory=dict)
    """Every header, decoded, keyed by lower-cased name."""
    content_type: str = "text/plain"
    text: str = ""
    """Full decoded body text (text/plain preferred, else HTML reduced to text)."""
    html: str | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    """Human-readable notes about malformations met while parsing."""
    verdicts: SesVerdicts = field(default_factory=SesVerdicts)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def customer_address(self) -> str | None:
        """Where a human answer should go: Reply-To when set, else From, else the envelope sender."""
        for candidate in (*self.reply_to[:1], self.from_address, self.return_path):
            if candidate:
                return candidate
        return None
