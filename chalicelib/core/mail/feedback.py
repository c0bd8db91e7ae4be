"""What SES tells us about mail it could not deliver: bounce and complaint notifications.

SES publishes them to SNS either as identity feedback (`notificationType`) or as configuration-set
events (`eventType`); both carry the same `bounce` / `complaint` objects. A permanent bounce or a
complaint puts the address on the desk's suppression list; a transient bounce (mailbox full, out of
office) or an undetermined one does not: the next mail may well arrive.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parseaddr


@dataclass(frozen=True)
class Suppression:
    address: str
    reason: str
    """'bounce' or 'complaint' (the event contract's values)."""
    detail: str
    """SES's bounce subtype or complaint feedback type, for people reading the list."""
    ses_message_id: str | None = None
    at: str | None = None
    """When SES saw it (its own timestamp), when the notification has one."""


def _address(entry: object) -> str | None:
    raw = entry.get("emailAddress") if isinstance(entry, dict) else entry
    if not isinstance(raw, str):
        return None
    address = parseaddr(raw)[1].strip().lower()
    return address if "@" in address else None


def parse_feedback(message: str | dict) -> list[Suppression]:
    """The addresses to suppress in one SES notification (the SNS message body); [] for anything else.

    A body that is not JSON, or a notification of another type (Delivery, Send, Received), gives none.
    """
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            return []
    if not isinstance(message, dict):
        return []
    kind = message.get("notificationType") or message.get("eventType")
    mail_id = (message.get("mail") or {}).get("messageId")
    if kind == "Bounce":
        bounce = message.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        entries, reason, detail = bounce.get("bouncedRecipients") or [], "bounce", bounce.get("bounceSubType") or ""
        at = bounce.get("timestamp")
    elif kind == "Complaint":
        complaint = message.get("complaint") or {}
        entries, reason = complaint.get("complainedRecipients") or [], "complaint"
        detail, at = complaint.get("complaintFeedbackType") or "", complaint.get("timestamp")
    else:
        return []
    found = {}
    for entry in entries:
        address = _address(entry)
        if address and address not in found:
            found[address] = Suppression(address, reason, str(detail), mail_id, at)
    return list(found.values())
