"""SES's bounce and complaint notifications: the addresses that must not be written to again.

SES publishes them through the outbound configuration set's event destination to an SNS topic
(infra/template.yaml), whose handler calls `record`. A permanent bounce or a complaint puts the
address on the suppression list (`SUP#<address>`, once: the first reason stands); the outbox checks
that list before every send.
"""
from __future__ import annotations

from typing import Callable

from ..core.clock import Clock, iso
from ..core.mail.feedback import Suppression, parse_feedback


class MailFeedback:
    def __init__(self, *, table, clock: Clock, count: Callable[[str], None] = lambda _: None):
        self.table = table
        self.clock = clock
        self.count = count

    def record(self, message: str | dict) -> list[Suppression]:
        """Suppress the addresses one SES notification names; what it names, newly suppressed or not."""
        found = parse_feedback(message)
        at = iso(self.clock.now())
        for suppression in found:
            if self.table.suppress(suppression.address, suppression.reason, at, detail=suppression.detail,
                                   ses_message_id=suppression.ses_message_id, reported_at=suppression.at):
                self.count(f"suppressed_{suppression.reason}")
        return found
