"""Operators see JSON logs with the Lambda request id and EMF metrics for what happened to mail."""
from __future__ import annotations

import json
import sys

from chalice.test import Client

from app import app

from .test_delivery import ORDER


def test_inbound_mail_logs_its_outcome_and_counts_it_as_metrics(desk, monkeypatch, capsys):
    from chalicelib import observability

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    observability.logger().registered_handler.setStream(sys.stdout)  # capsys replaced stdout
    observability.logger().setLevel("INFO")  # an embedded stack in this process may have quietened it
    observability.metrics().clear_metrics()  # earlier tests called the service without a handler
    key = desk.put_raw(ORDER)
    notification = {"notificationType": "Received",
                    "receipt": {"recipients": ["desk@requestflow.example"],
                                "action": {"type": "S3", "bucketName": desk.resources.bucket, "objectKey": key}}}
    capsys.readouterr()
    with Client(app, stage_name="dev") as client:
        client.lambda_.invoke("on_inbound_mail", client.events.generate_sns_event(
            message=json.dumps(notification), subject="SES"))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    log = next(line for line in lines if line.get("message") == "inbound mail")
    assert log["outcome"] == "created" and log["ticket"].startswith("RF-") and log["lambda_request_id"]
    emf = next(line for line in lines if "_aws" in line)
    names = {m["Name"] for d in emf["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"received", "created"} <= names
    assert emf["created"] in (1, [1.0])
