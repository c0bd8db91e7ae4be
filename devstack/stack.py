"""The embedded stack: moto on 127.0.0.1 playing AWS (Step Functions executing), the resources of
infra/ created through the API, and the desk built on it with a scaled clock.

The app's handlers are the ones in app.py; this module only plays the parts AWS plays around them:
SES storing a message and notifying through SNS, EventBridge firing schedules.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_MAIL = ROOT / "tests" / "fixtures" / "mail"
"""The sample mail (raw .eml as SES stores it, with manifest.json) the demo feeds and the tests read."""
REGION = "eu-west-1"
ACCOUNT = "123456789012"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LambdaContext:
    """Enough of Lambda's context object for the handlers and Powertools."""
    function_name: str = "requestflow-local"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:requestflow-local"
    aws_request_id: str = field(default_factory=lambda: secrets.token_hex(16))

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class EmbeddedStack:
    def __init__(self, time_scale: float = 1.0, config_path: str | Path | None = None,
                 public_url: str = "http://127.0.0.1:8000", prefix: str = "requestflow",
                 ses_failure_rate: float | None = None, ses_failure_seed: int | None = None,
                 clock=None, in_process: bool = False, on_session=None, task_pump: bool = True,
                 event_transactions: bool = False):
        from .faults import failure_settings

        env_rate, env_seed = failure_settings()
        self.ses_failure_rate = env_rate if ses_failure_rate is None else ses_failure_rate
        self.ses_failure_seed = env_seed if ses_failure_seed is None else ses_failure_seed
        self.flaky_ses = None
        """The fault-injecting SES client (RF_SES_FAILURE_RATE), when one is set."""
        self.time_scale = time_scale
        self._given_clock = clock
        """A clock to run the desk on instead of the scaled one (the simulation moves its own)."""
        self.in_process = in_process
        """moto patched into this process (no HTTP hop to a moto server): for the simulation's speed."""
        self._mock = None
        self._on_session = on_session
        """Called with the boto3 session before any client is made from it (the bench registers its
        botocore event hooks there, so every client of the desk inherits them)."""
        self.task_pump = task_pump
        """False: nothing delivers the task queue in the background; the owner calls handle_task_messages."""
        self.event_transactions = event_transactions
        """True: events and their KPI contributions go in one TransactWriteItems, as on AWS (the cost
        bench); by default they are separate writes, quicker on moto."""
        self.invocation_listeners: list = []
        """Called with (handler name, seconds) after each handler call the stack makes (the bench's meter)."""
        self.config_path = Path(config_path) if config_path else None
        self.public_url = public_url
        self.prefix = prefix
        self.moto = None
        self.endpoint = ""
        self.desk = None
        self.resources = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._delivered: set[str] = set()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "EmbeddedStack":
        import logging

        from moto.server import ThreadedMotoServer

        from .atomic import make_moto_transactions_cheap, make_moto_writes_atomic
        from .moto_speed import speed_up_moto

        make_moto_writes_atomic()
        make_moto_transactions_cheap()
        speed_up_moto()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": REGION, "TZ": "UTC"}.items():
            os.environ.setdefault(key, value)
        if self.in_process:
            from moto import mock_aws

            self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
            self._mock.start()
            self._build()
            return self
        port = free_port()
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.moto.start()
        self.endpoint = f"http://127.0.0.1:{port}"
        os.environ["MOTO_PORT"] = str(port)
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/config", method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
        self._build()
        return self

    def _build(self) -> None:
        import boto3

        from chalicelib import composition
        from chalicelib.composition import build_desk
        from chalicelib.core.clock import ScaledClock
        from chalicelib.settings import DEFAULT_CONFIG, Settings

        from .resources import Clients, create_resources

        self.session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing",
                                             aws_secret_access_key="testing")
        if self._on_session is not None:
            self._on_session(self.session)
        if self.in_process:
            from .moto_direct import answer_dynamodb_directly

            answer_dynamodb_directly(self.session)
        self.resources = create_resources(Clients.from_session(self.session, self.endpoint or None), prefix=self.prefix,
                                          parameters={"PublicUrl": self.public_url})
        settings = Settings(table=self.resources.table_name, bucket=self.resources.bucket,
                            signing_key_param=self.resources.signing_key_param, public_url=self.public_url,
                            config_path=self.config_path or DEFAULT_CONFIG, endpoint_url=self.endpoint or None,
                            task_queue_url=self.resources.task_queue_url,
                            route_machine_prefix=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{self.prefix}-route-",
                            route_role_arn=f"arn:aws:iam::{ACCOUNT}:role/{self.prefix}-routes",
                            time_scale=self.time_scale, ses_configuration_set=self.resources.configuration_set,
                            event_transactions=self.event_transactions)
        os.environ.update({"RF_EVENT_TRANSACTIONS": "1" if self.event_transactions else "0", "RF_TABLE": settings.table, "RF_BUCKET": settings.bucket,
                           "RF_SIGNING_KEY_PARAM": settings.signing_key_param, "RF_PUBLIC_URL": self.public_url,
                           "RF_CONFIG": str(settings.config_path), "RF_AWS_ENDPOINT": self.endpoint,
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})
        self.clock = self._given_clock or ScaledClock(scale=self.time_scale)
        # Locally nobody reads EMF: counting would only print metric blobs into the terminal.
        self.settings = settings
        self.desk = build_desk(settings, clock=self.clock, session=self.session, count=lambda _: None)
        self._inject_faults()
        composition.install(self.desk)
        self.s3 = self.session.client("s3", endpoint_url=self.endpoint or None)
        self.sqs = self.session.client("sqs", endpoint_url=self.endpoint or None)
        self.sfn = self.session.client("stepfunctions", endpoint_url=self.endpoint or None)
        if self.task_pump:
            self._task_pump = threading.Thread(target=self._pump_tasks, name="task-pump", daemon=True)
            self._task_pump.start()

    def reconfigure(self, config_path: str | Path) -> None:
        """Rebuild the desk with another configuration on the same AWS (a changed route becomes a new
        version; requests already running keep theirs)."""
        from dataclasses import replace

        from chalicelib import composition
        from chalicelib.composition import build_desk

        self.config_path = Path(config_path)
        self.settings = replace(self.settings, config_path=self.config_path)
        self.desk = build_desk(self.settings, clock=self.clock, session=self.session, count=lambda _: None)
        self._inject_faults()
        composition.install(self.desk)

    def _pump_tasks(self) -> None:
        """What Lambda's SQS event source does: the routes' stage messages reach on_task_message; a
        message is deleted once handled, and comes back after a failure."""
        queue = self.resources.task_queue_url
        while not self._stop.is_set():
            try:
                got = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                               VisibilityTimeout=5).get("Messages", [])
            except Exception:  # noqa: BLE001 - the server is stopping
                if self._stop.wait(0.5):
                    return
                continue
            for message in got:
                event = {"Records": [{"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                                      "body": message["Body"], "attributes": {}, "messageAttributes": {},
                                      "eventSource": "aws:sqs", "eventSourceARN": self.resources.task_queue_arn,
                                      "awsRegion": REGION}]}
                try:
                    self.invoke("on_task_message", event)
                    self.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
                except Exception as exc:  # noqa: BLE001 - redelivered after the visibility timeout
                    if not self._stop.is_set():
                        print(f"task pump: {type(exc).__name__}: {exc}", flush=True)

    def handle_task_messages(self, max_messages: int = 10) -> int:
        """One receive from the task queue, each message handled by on_task_message and deleted, in this
        thread (for a stack made with task_pump=False); how many were handled. In-process, a queue in which
        moto holds no deliverable message is not asked (the receive would come back empty, as most do:
        the simulation settles after every step)."""
        if self._task_queue_idle():
            return 0
        queue = self.resources.task_queue_url
        got = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=max_messages, WaitTimeSeconds=0,
                                       VisibilityTimeout=30).get("Messages", [])
        for message in got:
            event = {"Records": [{"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                                  "body": message["Body"], "attributes": {}, "messageAttributes": {},
                                  "eventSource": "aws:sqs", "eventSourceARN": self.resources.task_queue_arn,
                                  "awsRegion": REGION}]}
            self.invoke("on_task_message", event)
            self.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return len(got)

    def _task_queue_idle(self) -> bool:
        if self._mock is None:
            return False
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[ACCOUNT][REGION].queues.get(self.resources.task_queue_url.rsplit("/", 1)[-1])
        return queue is not None and not queue.messages

    def stop(self) -> None:
        self._stop.set()
        pump = getattr(self, "_task_pump", None)
        if pump is not None:
            pump.join(timeout=5)
        if self.moto:
            self.moto.stop()
            self.moto = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    # --- what AWS does around the handlers ------------------------------------------------------

    @property
    def handlers(self):
        """app.py: its module-level functions are the Lambda handlers."""
        import app as chalice_app

        return chalice_app

    @property
    def app(self):
        return self.handlers.app

    def invoke(self, name: str, event: dict):
        """Call one of app.py's handlers as Lambda would, telling the invocation listeners its duration."""
        start = time.perf_counter()
        try:
            return getattr(self.handlers, name)(event, LambdaContext())
        finally:
            for listener in self.invocation_listeners:
                listener(name, time.perf_counter() - start)

    def ingest(self, raw: bytes, recipients: list[str] | None = None) -> dict:
        """Store `raw` as SES's S3 action would and deliver SES's SNS notification to the handler."""
        ses_id = secrets.token_hex(20)
        key = f"inbound/{ses_id}"
        with self._lock:
            self._delivered.add(key)
        self.s3.put_object(Bucket=self.resources.bucket, Key=key, Body=raw)
        return self.deliver(key, ses_id, recipients or [self.desk.config.desk.address])

    def deliver_stored(self) -> list[dict]:
        """Deliver mail that reached inbound/ by another way (an S3 put, as SES does) exactly once."""
        outcomes = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.resources.bucket, Prefix="inbound/"):
            for item in page.get("Contents", []):
                with self._lock:
                    if item["Key"] in self._delivered:
                        continue
                    self._delivered.add(item["Key"])
                outcomes.append(self.deliver(item["Key"], item["Key"].rsplit("/", 1)[-1],
                                             [self.desk.config.desk.address]))
        return outcomes

    def deliver(self, key: str, ses_id: str | None = None, recipients: list[str] | None = None) -> dict:
        notification = {
            "notificationType": "Received",
            "mail": {"timestamp": datetime.now(timezone.utc).isoformat(), "messageId": ses_id or key,
                     "source": "", "destination": recipients or []},
            "receipt": {"recipients": [str(r) for r in (recipients or [])],
                        "action": {"type": "S3", "topicArn": self.resources.topic_arn,
                                   "bucketName": self.resources.bucket, "objectKey": key}},
        }
        event = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                              "EventSubscriptionArn": f"{self.resources.topic_arn}:local",
                              "Sns": {"Type": "Notification", "MessageId": secrets.token_hex(8),
                                      "TopicArn": self.resources.topic_arn, "Subject": "Amazon SES Email Receipt",
                                      "Message": json.dumps(notification),
                                      "Timestamp": datetime.now(timezone.utc).isoformat(),
                                      "MessageAttributes": {}}}]}
        outcomes = self.invoke("on_inbound_mail", event)
        return outcomes[0]

    def run_schedules_once(self) -> None:
        event = {"version": "0", "id": secrets.token_hex(16), "detail-type": "Scheduled Event",
                 "source": "aws.events", "account": ACCOUNT, "time": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "region": REGION, "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/send_outbox"],
                 "detail": {}}
        self.invoke("send_outbox", event)
        self.invoke("sla_scan", {**event, "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/sla_scan"]})
        self.invoke("close_and_survey", {**event, "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/close_and_survey"]})
        self.invoke("kpi_digest", {**event, "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/kpi_digest"]})

    def pump(self, every_desk_seconds: float = 300.0, poll_seconds: float = 1.0) -> threading.Thread:
        """Until the stack stops: deliver mail stored under inbound/ and fire the schedules on the
        scaled clock (every `every_desk_seconds` of desk time)."""
        def loop() -> None:
            next_schedule = time.monotonic()
            while not self._stop.wait(poll_seconds):
                try:
                    self.deliver_stored()
                    if time.monotonic() >= next_schedule:
                        next_schedule = time.monotonic() + every_desk_seconds / self.time_scale
                        self.run_schedules_once()
                except Exception as exc:  # noqa: BLE001 - a local pump reports and keeps going
                    print(f"pump: {type(exc).__name__}: {exc}", flush=True)

        thread = threading.Thread(target=loop, name="pump", daemon=True)
        thread.start()
        return thread

    # --- what the local control API shows --------------------------------------------------------

    def sent_mail(self) -> list[dict]:
        from moto.ses.models import ses_backends

        from .outbox import describe

        backend = ses_backends[ACCOUNT][REGION]
        return [describe(m) for m in list(backend.sent_messages)]

    def request_json(self, request_id: str) -> dict | None:
        """GET /_local/requests/<id>: the request, its route with each stage's state, tasks, messages,
        events (DESIGN.md's shape)."""
        from .inspect import request_view

        return request_view(self.desk, request_id)

    def clock_now(self) -> dict:
        return {"now": self.clock.now().isoformat(), "scale": self.time_scale}

    # --- the outbox: fault injection, unsent mail, bounces ---------------------------------------

    def _inject_faults(self) -> None:
        """With RF_SES_FAILURE_RATE (or ses_failure_rate) set, that share of SES sends fails."""
        if not self.ses_failure_rate:
            return
        from .faults import inject_ses_failures

        self.flaky_ses = inject_ses_failures(
            self.desk, self.session.client("ses", endpoint_url=self.endpoint), self.ses_failure_rate,
            self.ses_failure_seed, self.settings.ses_configuration_set)

    def outbox_queue(self) -> list[dict]:
        """GET /_local/outbox/queue (`./rf outbox`): dead, stuck and queued mail."""
        return [row.as_dict() for row in self.desk.outbox.unsent()]

    def outbox_retry(self, outbox_id: str) -> dict:
        """POST /_local/outbox/retry/<id> (`./rf outbox retry ID`): a dead email queued and sent again."""
        return {"outbox_id": outbox_id, "result": self.desk.outbox.retry(outbox_id)}

    def deliver_feedback(self, notification: dict) -> list[dict]:
        """POST /_local/feedback: what SES's configuration set publishes for a bounce or a complaint,
        delivered to on_mail_feedback as SNS would."""
        topic = self.resources.feedback_topic_arn
        event = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                              "EventSubscriptionArn": f"{topic}:local",
                              "Sns": {"Type": "Notification", "MessageId": secrets.token_hex(8), "TopicArn": topic,
                                      "Subject": None, "Message": json.dumps(notification),
                                      "Timestamp": datetime.now(timezone.utc).isoformat(),
                                      "MessageAttributes": {}}}]}
        return self.handlers.on_mail_feedback(event, LambdaContext())

    # --- KPIs: the digest and the event export (./rf digest, ./rf export events) -------------------

    def digest_json(self, period: str = "week") -> dict:
        from .kpi import digest_json

        return digest_json(self.desk, period)

    def events_export(self, since: str | None = None) -> list[dict]:
        from .kpi import export_events

        return export_events(self.desk, since)
