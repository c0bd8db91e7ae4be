"""Sending email through Amazon SES (raw MIME). The only module that speaks SES."""
from __future__ import annotations


class Mailer:
    def __init__(self, client, configuration_set: str | None = None):
        self._ses = client
        self._configuration_set = configuration_set

    def send_raw(self, raw: bytes, source: str, destinations: list[str]) -> str:
        """Send and return SES's message id. SES gives the mail its own Message-ID
        (<id@<region>.amazonses.com>); replies thread by the signed thread id in its References."""
        kwargs = {"Source": source, "Destinations": destinations, "RawMessage": {"Data": raw}}
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        return self._ses.send_raw_email(**kwargs)["MessageId"]
