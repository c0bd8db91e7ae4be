"""Fault injection for the embedded stack: a share of SES sends fails, as throttling would.

`RF_SES_FAILURE_RATE=0.3` (and optionally `RF_SES_FAILURE_SEED`, default 0) makes 30 % of the desk's
sends fail, the same ones for the same seed and order of sends, so a test or a user can check that
every email still goes out exactly once in the end. The failures happen before SES sees the mail:
nothing is sent by a failed call.
"""
from __future__ import annotations

import os
import random
import threading

RATE_VARIABLE = "RF_SES_FAILURE_RATE"
SEED_VARIABLE = "RF_SES_FAILURE_SEED"


class FlakySes:
    """An SES client whose `send_raw_email` fails for a share `rate` of calls; everything else is the
    client's own."""

    def __init__(self, client, rate: float, seed: int = 0):
        if not 0 <= rate <= 1:
            raise ValueError(f"{RATE_VARIABLE} must be between 0 and 1, not {rate}")
        self._client = client
        self.rate = rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.calls = 0
        self.failures = 0

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def send_raw_email(self, **kwargs):
        from botocore.exceptions import ClientError

        with self._lock:
            self.calls += 1
            fail = self._random.random() < self.rate
            self.failures += fail
        if fail:
            raise ClientError({"Error": {"Code": "Throttling",
                                         "Message": f"Maximum sending rate exceeded (injected by {RATE_VARIABLE})"}},
                              "SendRawEmail")
        return self._client.send_raw_email(**kwargs)


def failure_settings(env: dict | None = None) -> tuple[float, int]:
    """The injected failure rate and seed from the environment; (0, 0) when none is set."""
    env = os.environ if env is None else env
    try:
        rate = float(env.get(RATE_VARIABLE) or 0)
        seed = int(env.get(SEED_VARIABLE) or 0)
    except ValueError:
        raise ValueError(f"{RATE_VARIABLE} must be a number between 0 and 1 and {SEED_VARIABLE} an integer") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"{RATE_VARIABLE} must be between 0 and 1, not {rate}")
    return rate, seed


def inject_ses_failures(desk, client, rate: float, seed: int = 0, configuration_set: str | None = None) -> FlakySes:
    """Make the desk send through `client` wrapped in a FlakySes; returns the wrapper (its counts)."""
    from chalicelib.adapters.ses import Mailer

    flaky = FlakySes(client, rate, seed)
    mailer = Mailer(flaky, configuration_set)
    desk.mailer = mailer
    desk.outbox.mailer = mailer
    return flaky
