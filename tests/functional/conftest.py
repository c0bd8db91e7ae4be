"""Functional tier: the handlers of app.py on in-process moto, with a clock the test holds."""
from __future__ import annotations

from datetime import datetime, timezone

import boto3
import botocore.loaders
import pytest
from moto import mock_aws

from chalicelib import composition
from chalicelib.composition import build_desk
from chalicelib.core.clock import FixedClock
from chalicelib.settings import DEFAULT_CONFIG, Settings
from devstack.atomic import make_moto_transactions_cheap, make_moto_writes_atomic
from devstack.moto_speed import speed_up_moto
from devstack.resources import Clients, create_resources

REGION = "eu-west-1"
_MODELS = botocore.loaders.create_loader()
"""One loader of AWS service models for every test's session: the models are read from disk once per
run instead of once per test (most of a test's setup time)."""


class Desk:
    """The desk under test plus the AWS around it, with helpers that read what a user would see."""

    def __init__(self, service, session, resources, clock):
        self.service = service
        self.session = session
        self.resources = resources
        self.clock = clock
        self.s3 = session.client("s3")
        self._n = 0

    def put_raw(self, raw: bytes) -> str:
        self._n += 1
        key = f"inbound/test-{self._n:05d}"
        self.s3.put_object(Bucket=self.resources.bucket, Key=key, Body=raw)
        return key

    def receive(self, raw: bytes, recipients=("desk@requestflow.example",)):
        return self.service.receive_mail(self.put_raw(raw), list(recipients))

    def sent(self) -> list[dict]:
        import email
        import email.policy

        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        out = []
        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            raw = message.raw_data.encode() if isinstance(message.raw_data, str) else message.raw_data
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            out.append({"to": list(dict.fromkeys(message.destinations)), "raw": raw, "message": parsed,
                        "subject": str(parsed["Subject"]), "message_id": str(parsed["Message-ID"]),
                        "text": parsed.get_body(("plain",)).get_content(),
                        "html": (parsed.get_body(("html",)).get_content() if parsed.get_body(("html",)) else None)})
        return out

    def sent_to(self, address: str) -> list[dict]:
        return [m for m in self.sent() if address in m["to"]]


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def desk(clock, monkeypatch):
    make_moto_writes_atomic()
    make_moto_transactions_cheap()
    speed_up_moto()
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        session._session.register_component("data_loader", _MODELS)
        resources = create_resources(Clients.from_session(session), prefix="rftest")
        settings = Settings(table=resources.table_name, bucket=resources.bucket,
                            signing_key_param=resources.signing_key_param, public_url="http://desk.test",
                            config_path=DEFAULT_CONFIG)
        for name, value in {"RF_TABLE": settings.table, "RF_BUCKET": settings.bucket,
                            "RF_SIGNING_KEY_PARAM": settings.signing_key_param,
                            "RF_PUBLIC_URL": settings.public_url, "POWERTOOLS_METRICS_DISABLED": "true"}.items():
            monkeypatch.setenv(name, value)
        service = build_desk(settings, clock=clock, session=session)
        service.wait_for_duplicate_seconds = 5
        composition.install(service)
        try:
            yield Desk(service, session, resources, clock)
        finally:
            composition.install(None)
