"""The embedded AWS of the cold-start figure, on the parent's side (bench/run.py and its test).

moto runs in server mode in the parent, behind a WSGI wrapper that counts the AWS operations it
serves. Before each cold child the stack is reset and the resources of infra/template.yaml are made
again (devstack/resources.py), so every child finds the same empty desk and its mail under the same
key. The children talk to it only over HTTP, as a Lambda function talks to AWS.
"""
from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
RAW_KEY = "inbound/bench-coldstart-0001"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"


class ColdStartFailed(RuntimeError):
    """A cold child did not do what it is timed for."""


def operation(environ: dict) -> tuple[str, str] | None:
    """(service, operation) of one AWS request, read the way AWS routes it; None for moto's own API."""
    if environ.get("PATH_INFO", "").startswith("/moto-api"):
        return None
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    service = scope[3] if len(scope) > 3 else "?"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if service == "s3":
        return service, {"HEAD": "HeadObject", "GET": "GetObject", "PUT": "PutObject",
                         "DELETE": "DeleteObject"}.get(environ["REQUEST_METHOD"], environ["REQUEST_METHOD"])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = BytesIO(body)
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0]
    return service, action


class CountingApp:
    """WSGI middleware: counts what moto serves, per (service, operation), until `take()`."""

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._counts: Counter = Counter()

    def __call__(self, environ, start_response):
        op = operation(environ)
        if op is not None:
            with self._lock:
                self._counts[op] += 1
        return self.app(environ, start_response)

    def take(self) -> dict[str, dict[str, int]]:
        with self._lock:
            counts, self._counts = self._counts, Counter()
        found: dict[str, dict[str, int]] = {}
        for (service, op), n in sorted(counts.items()):
            found.setdefault(service, {})[op] = n
        return found


class ColdStack:
    """moto on 127.0.0.1, the template's resources, the raw mail in S3, and what the child left behind."""

    def __init__(self, raw_mail: bytes):
        self.raw_mail = raw_mail
        self.endpoint = ""
        self.resources = None
        self._server = None
        self._thread = None

    def start(self) -> ColdStack:
        import logging

        import boto3
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, \
            create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.counter = CountingApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", 0, self.counter, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        self.endpoint = f"http://127.0.0.1:{self._server.server_port}"
        self.session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing",
                                             aws_secret_access_key="testing")
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._thread.join()
            self._server = None

    def reset(self) -> None:
        """An empty desk: moto emptied, the resources made again, the raw mail stored as SES stores it."""
        from devstack.resources import create_resources

        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"),
                               timeout=30).read()
        self.resources = create_resources(self.session, endpoint_url=self.endpoint, prefix="requestflow")
        self.session.client("s3", endpoint_url=self.endpoint).put_object(
            Bucket=self.resources.bucket, Key=RAW_KEY, Body=self.raw_mail)
        self.counter.take()

    def function_environment(self) -> dict[str, str]:
        """What Lambda gives the function: the stage's variables, the template's, and the local endpoint."""
        stage = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"]["dev"]["environment_variables"]
        return {**stage, **self.resources.environment, "RF_AWS_ENDPOINT": self.endpoint,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}

    def sns_event(self, recipients: list[str]) -> dict:
        """SES's "Received" notification for RAW_KEY, delivered through SNS (as devstack's `deliver` builds it)."""
        now = datetime.now(timezone.utc).isoformat()
        topic = self.resources.topic_arn
        notification = {
            "notificationType": "Received",
            "mail": {"timestamp": now, "messageId": RAW_KEY.rsplit("/", 1)[-1], "source": "",
                     "destination": recipients},
            "receipt": {"recipients": recipients,
                        "action": {"type": "S3", "topicArn": topic, "bucketName": self.resources.bucket,
                                   "objectKey": RAW_KEY}},
        }
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                             "EventSubscriptionArn": f"{topic}:bench",
                             "Sns": {"Type": "Notification", "MessageId": "bench-0001", "TopicArn": topic,
                                     "Subject": "Amazon SES Email Receipt", "Message": json.dumps(notification),
                                     "Timestamp": now, "MessageAttributes": {}}}]}

    # --- what a child left behind ---------------------------------------------------------------

    @property
    def desk_address(self) -> str:
        from chalicelib.core.config import load_config
        from chalicelib.settings import DEFAULT_CONFIG

        return str(load_config(DEFAULT_CONFIG).desk.address)

    def customer(self) -> str:
        import email
        import email.policy
        from email.utils import parseaddr

        message = email.message_from_bytes(self.raw_mail, policy=email.policy.default)
        return parseaddr(str(message["From"]))[1].lower()

    def check_handled(self, outcome: dict) -> None:
        """The event opened a request, stored it, and sent the customer its acknowledgement."""
        if outcome.get("outcome") != "created" or outcome.get("duplicate"):
            raise ColdStartFailed(f"the app child did not open a request: {outcome}")
        stored = self.request(outcome["ticket"])
        if stored is None or stored.get("customer_email") != self.customer():
            raise ColdStartFailed(f"request {outcome['ticket']} is not in the table as the customer's: {stored}")
        ack = outcome.get("ack_message_id") or ""
        to_customer = [m for m in self.sent_mail() if self.customer() in m["to"] and ack.encode() in m["raw"]]
        if not ack or len(to_customer) != 1:
            raise ColdStartFailed(f"acknowledgement {ack!r} of {outcome['ticket']} was not sent once to "
                                  f"{self.customer()} (SES has {[m['to'] for m in self.sent_mail()]})")

    def acknowledgement_route(self, outcome: dict) -> dict[str, str]:
        """Source and destination of the acknowledgement the app sent (the boto3 child sends alike)."""
        import email
        import email.policy
        from email.utils import parseaddr

        ack = next(m for m in self.sent_mail() if outcome["ack_message_id"].encode() in m["raw"])
        message = email.message_from_bytes(ack["raw"], policy=email.policy.default)
        return {"source": parseaddr(str(message["From"]))[1], "destination": self.customer()}

    def sent_mail(self) -> list[dict]:
        """Every message SES accepted since the last reset: destinations and raw bytes."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        out = []
        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            raw = message.raw_data.encode() if isinstance(message.raw_data, str) else message.raw_data
            out.append({"to": list(message.destinations), "raw": raw})
        return out

    def request(self, ticket: str) -> dict | None:
        table = self.session.resource("dynamodb", endpoint_url=self.endpoint).Table(self.resources.table_name)
        return table.get_item(Key={"PK": f"REQ#{ticket}", "SK": "META"}, ConsistentRead=True).get("Item")
