"""Domain records of the desk: requests, their messages and events, and outgoing email."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AttachmentRef:
    filename: str
    content_type: str
    size: int
    key: str
    """S3 key under attachments/."""


@dataclass
class Request:
    request_id: str
    """Equals the ticket number, e.g. RF-2611-0042."""
    ticket: str
    status: str
    source: str
    """'email' or 'form'."""
    category: str
    department: str
    priority: str
    language: str
    customer_email: str | None
    customer_name: str
    subject: str
    assignee: str
    created_at: str
    due_first_response: str
    due_resolution: str
    reply_address: str
    missing_facts: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    phone: str | None = None
    raw_key: str | None = None
    version: int = 1
    first_response_at: str | None = None
    """When a person first answered (the automatic acknowledgement does not count)."""
    resolved_at: str | None = None
    route: dict | None = None
    """The approval route the request runs: {'name': 'order', 'version': 1}."""
    execution: str | None = None
    route_started_at: str | None = None
    route_result: str | None = None
    """How the route ended: 'approved' or 'not_approved' (a manager may change a forced result)."""
    sla_paused_at: str | None = None
    """Since when the SLA clock stands still (the request waits for the customer)."""
    sla_paused_minutes: float = 0
    """Business minutes the request waited for the customer, already added to its due times."""
    follow_up_of: str | None = None
    """The finished request the customer wrote about again, when that mail opened this one."""


@dataclass
class Message:
    request_id: str
    direction: str
    """'in' or 'out'."""
    at: str
    author: str
    """Customer address, staff id or 'desk' for automatic mail."""
    kind: str
    """In: 'email', 'form', 'reply' (the customer's), 'staff' (a staff member's reply), 'note' (internal),
    'unverified' (claims to be from staff, failed authentication). Out: 'ack', 'answer', 'notification',
    'notice'."""
    subject: str
    text: str
    message_id: str | None = None
    attachments: list[AttachmentRef] = field(default_factory=list)
    raw_key: str | None = None
    text_key: str | None = None
    """Where the whole text is kept when it is too large for the table (`text` is then its beginning)."""


@dataclass
class Outbound:
    """One email to send; stored in the outbox before it is sent (at most once)."""
    outbox_id: str
    kind: str
    request_id: str | None
    to: list[str]
    from_address: str
    from_name: str
    subject: str
    text: str
    message_id: str
    html: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    automatic: bool = True
    """Automatic mail carries Auto-Submitted: auto-replied (RFC 3834)."""
    language: str = "en"
    attachments: list[dict] = field(default_factory=list)
    """Files to attach: filename, content_type, size and the S3 key they are kept under."""
    author: str = "desk"
    """'desk' for automatic mail; the staff id whose answer this is."""


@dataclass
class InboundOutcome:
    """What the desk concluded about one inbound message (the JSON of `rf ingest --json`)."""
    outcome: str
    """'created', 'threaded', 'ignored' or 'quarantined'."""
    reason: str | None = None
    request_id: str | None = None
    ticket: str | None = None
    language: str | None = None
    category: str | None = None
    priority: str | None = None
    assignee: str | None = None
    subject: str | None = None
    text: str | None = None
    attachments: list[dict] = field(default_factory=list)
    message_id: str | None = None
    ack_message_id: str | None = None
    reply_to: str | None = None
    raw_key: str | None = None
    duplicate: bool = False
    missing_facts: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    status: str | None = None
    """The request's status after this message."""
    author: str | None = None
    """Threaded and created mail: 'customer', 'staff', or 'unverified' (claims to be staff, failed
    authentication, changed nothing)."""
    staff_action: str | None = None
    """What a staff reply did: 'answered', 'resolved', 'note', 'assigned', 'empty', 'unknown_command',
    'unknown_person'."""
    answer_message_id: str | None = None
    """The Message-ID of the answer a staff reply sent to the customer."""
