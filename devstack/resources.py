"""The embedded stack's AWS resources, created through the API from infra/template.yaml.

moto's CloudFormation creates neither SES receipt rules nor executable state machines, so the
embedded stack reads the same template and makes each resource with the service's own API call.
The template's properties are applied as written. A resource or property this module does not know
stops it with an error naming it, so the template and the embedded stack cannot drift apart silently.

Names are ``<prefix>-<suffix>`` (see ``SUFFIXES``): the default prefix gives the topic the name
app.py subscribes to, and another prefix gives a test its own isolated set.

The routes' state machines are not in the template: devstack/package.py adds one per file of
infra/routes/ to the packaged template, and this module creates the same machines from the same
files, named ``<prefix>-route-<route>-<hash>`` (the name the desk's RouteMachines looks for).
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.client import BaseClient

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"
ROUTES_DIR = TEMPLATE_PATH.parent / "routes"
"""One generated definition per route version, ``<route>.<hash>.asl.json`` (written by `./rf routes`)."""
ROUTE_FILE_SUFFIX = ".asl.json"
DEFAULT_PREFIX = "requestflow"
ROUTE_MACHINE_ROLE = "RouteMachineRole"
ROUTE_MACHINE_SUBSTITUTIONS: dict[str, Any] = {"TaskQueueUrl": {"Ref": "TaskQueue"}}
"""What fills a definition's ``${...}`` variables: DefinitionSubstitutions in the packaged template."""

# Logical id in the template -> name suffix of the embedded resource.
SUFFIXES: dict[str, str] = {
    "Table": "table",
    "MailBucket": "mail",
    "InboundMailTopic": "inbound-mail",
    "InboundRuleSet": "inbound",
    "OutboundConfigurationSet": "outbound",
    "TaskQueue": "tasks",
    "TaskDeadLetterQueue": "tasks-dlq",
    "AsyncDeadLetterQueue": "async-dlq",
    ROUTE_MACHINE_ROLE: "routes",
    "MailFeedbackTopic": "mail-feedback",
}

# Properties each resource may have: applied, or meaningless offline (SES suppression, DKIM).
_KNOWN_PROPERTIES: dict[str, set[str]] = {
    "Table": {"BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
              "TimeToLiveSpecification", "PointInTimeRecoverySpecification", "StreamSpecification",
              "SSESpecification"},
    "MailBucket": {"OwnershipControls", "PublicAccessBlockConfiguration", "BucketEncryption",
                   "LifecycleConfiguration"},
    "MailBucketPolicy": {"Bucket", "PolicyDocument"},
    "InboundMailTopic": {"TopicName"},
    "InboundMailTopicPolicy": {"Topics", "PolicyDocument"},
    "InboundRuleSet": {"RuleSetName"},
    "InboundReceiptRule": {"RuleSetName", "Rule"},
    "OutboundConfigurationSet": {"Name", "SuppressionOptions"},
    "DeskIdentity": {"EmailIdentity", "ConfigurationSetAttributes"},
    "TaskQueue": {"VisibilityTimeout", "MessageRetentionPeriod", "SqsManagedSseEnabled", "RedrivePolicy"},
    "TaskDeadLetterQueue": {"MessageRetentionPeriod", "SqsManagedSseEnabled"},
    "AsyncDeadLetterQueue": {"MessageRetentionPeriod", "SqsManagedSseEnabled"},
    ROUTE_MACHINE_ROLE: {"AssumeRolePolicyDocument", "Policies"},
    "MailFeedbackTopic": {"TopicName"},
    "MailFeedbackTopicPolicy": {"Topics", "PolicyDocument"},
    "OutboundFeedbackDestination": {"ConfigurationSetName", "EventDestination"},
}
_LIFECYCLE_RULE_KEYS = {"Id", "Status", "Prefix", "ExpirationInDays", "AbortIncompleteMultipartUpload"}
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class TemplateError(ValueError):
    """The template holds something the embedded stack cannot reproduce."""


@dataclass(frozen=True)
class RouteFile:
    """A generated state machine definition of one route version."""

    route: str
    digest: str
    path: Path

    def machine_name(self, prefix: str = DEFAULT_PREFIX) -> str:
        return route_machine_prefix(prefix) + f"{self.route}-{self.digest}"


def route_machine_prefix(prefix: str = DEFAULT_PREFIX) -> str:
    """The routes' state machine names up to the route's name (devstack/stack.py builds the same)."""
    return f"{prefix}-route-"


def route_file_name(route: str, digest: str) -> str:
    return f"{route}.{digest}{ROUTE_FILE_SUFFIX}"


def route_files(folder: Path = ROUTES_DIR) -> list[RouteFile]:
    """The definitions in ``folder``, by name; a file named otherwise is an error, not skipped."""
    found = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        route, dot, digest = path.name.removesuffix(ROUTE_FILE_SUFFIX).partition(".")
        if not (path.name.endswith(ROUTE_FILE_SUFFIX) and dot and re.fullmatch(r"[a-z0-9_]+", route)
                and re.fullmatch(r"[0-9a-f]{16}", digest)):
            raise TemplateError(f"{path}: not a route definition <route>.<hash>{ROUTE_FILE_SUFFIX} "
                                "(written by `./rf routes`)")
        found.append(RouteFile(route, digest, path))
    return found


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader reading CloudFormation short tags (!Ref, !Sub, ...) as chalice's merge does."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: str | Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a dict, short tags in their long form ({"Ref": ...}); reads JSON too."""
    with open(path, encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return template


@dataclass(frozen=True)
class Clients:
    """The service clients the embedded stack is built with (one endpoint, one region)."""

    dynamodb: BaseClient
    s3: BaseClient
    sns: BaseClient
    sqs: BaseClient
    ses: BaseClient
    ssm: BaseClient
    iam: BaseClient
    stepfunctions: BaseClient

    @classmethod
    def from_session(cls, session: boto3.session.Session, endpoint_url: str | None = None) -> Clients:
        def client(service: str) -> BaseClient:
            return session.client(service, endpoint_url=endpoint_url)

        return cls(dynamodb=client("dynamodb"), s3=client("s3"), sns=client("sns"),
                   sqs=client("sqs"), ses=client("ses"), ssm=client("ssm"), iam=client("iam"),
                   stepfunctions=client("stepfunctions"))


@dataclass(frozen=True)
class Resources:
    """What was created. ``environment`` holds the functions' RF_* variables as the template sets them."""

    prefix: str
    region: str
    account_id: str
    desk_domain: str
    table_name: str
    table_stream_arn: str
    bucket: str
    topic_arn: str
    rule_set_name: str
    rule_name: str
    configuration_set: str
    task_queue_url: str
    task_queue_arn: str
    task_dlq_url: str
    async_dlq_url: str
    signing_key_param: str
    public_url: str
    route_role_arn: str
    route_machine_prefix: str
    """ARN of the routes' state machines up to the route's name."""
    route_machines: tuple[str, ...]
    """ARNs of the machines made from infra/routes/."""
    environment: dict[str, str]
    feedback_topic_arn: str = ""
    """The topic SES publishes bounces and complaints to (on_mail_feedback's)."""


def create_resources(
    aws: Clients | boto3.session.Session,
    *,
    endpoint_url: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    parameters: Mapping[str, str] | None = None,
    template: Mapping[str, Any] | None = None,
    signing_key: str | None = None,
    routes_dir: Path = ROUTES_DIR,
) -> Resources:
    """Create the template's resources through the API and return their names.

    ``aws`` is a session (its clients then talk to ``endpoint_url``) or ready-made clients.
    ``parameters`` override the template's parameter defaults (e.g. ``PublicUrl``);
    ``signing_key`` defaults to a fresh random key, stored under ``SigningKeyParameter``;
    ``routes_dir`` holds the routes' state machine definitions.
    """
    if isinstance(aws, Clients):
        if endpoint_url is not None:
            raise ValueError("endpoint_url goes with a session: Clients already have their endpoint")
        clients = aws
    else:
        clients = Clients.from_session(aws, endpoint_url)
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"prefix {prefix!r}: a letter, then lower-case letters, digits or '-' (40 at most)")
    return _Builder(clients, template if template is not None else load_template(), prefix,
                    parameters or {}).build(signing_key or secrets.token_urlsafe(48), route_files(routes_dir))


class _Resolver:
    """Resolves the template's intrinsic functions against the embedded resources made so far."""

    def __init__(self, refs: Mapping[str, str]):
        self.refs: dict[str, str] = dict(refs)
        self.attrs: dict[tuple[str, str], str] = {}

    def add(self, logical_id: str, ref: str, **attrs: str) -> None:
        self.refs[logical_id] = ref
        self.attrs.update({(logical_id, name): value for name, value in attrs.items()})

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._lookup(arg)
            if key == "Fn::GetAtt":
                return self._lookup(*arg)
            if key == "Fn::Sub":
                text, local = (arg, {}) if isinstance(arg, str) else (arg[0], self(arg[1]))
                return re.sub(r"\$\{([^}!]+)\}", lambda match: self._substitute(match[1], local), text)
            if key == "Fn::Join":
                return arg[0].join(self(arg[1]))
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not supported by the embedded stack")
        return {key: self(item) for key, item in value.items()}

    def _substitute(self, variable: str, local: Mapping[str, str]) -> str:
        return local[variable] if variable in local else self._lookup(*variable.split(".", 1))

    def _lookup(self, logical_id: str, attribute: str | None = None) -> str:
        try:
            return self.attrs[logical_id, attribute] if attribute else self.refs[logical_id]
        except KeyError:
            name = f"{logical_id}.{attribute}" if attribute else logical_id
            raise TemplateError(f"cannot resolve {name}: unknown, or not created yet") from None


class _Builder:
    def __init__(self, clients: Clients, template: Mapping[str, Any], prefix: str,
                 parameters: Mapping[str, str]):
        self.clients = clients
        self.template = template
        self.prefix = prefix
        self.region: str = clients.sqs.meta.region_name
        typed = {logical_id for logical_id, resource in template["Resources"].items() if "Type" in resource}
        # Typeless entries only amend chalice's own resources (its role, a function's event).
        if typed - set(_KNOWN_PROPERTIES):
            raise TemplateError(f"the embedded stack does not create {sorted(typed - set(_KNOWN_PROPERTIES))}: "
                                "teach devstack/resources.py")
        defaults = {name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items()
                    if "Default" in spec}
        self.resolve = _Resolver({**defaults, **parameters, "AWS::Region": self.region,
                                  "AWS::Partition": "aws", "AWS::StackName": prefix,
                                  "AWS::URLSuffix": "amazonaws.com"})

    def name(self, logical_id: str) -> str:
        return f"{self.prefix}-{SUFFIXES[logical_id]}"

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties, resolved; an unknown property is an error."""
        found = self.template["Resources"].get(logical_id, {}).get("Properties", {})
        unknown = set(found) - _KNOWN_PROPERTIES[logical_id]
        if unknown:
            raise TemplateError(f"{logical_id}: the embedded stack does not apply {sorted(unknown)}")
        return self.resolve(found)

    def build(self, signing_key: str, routes: list[RouteFile]) -> Resources:
        topic_arn = self.topic()
        feedback_topic_arn = self.feedback_topic()
        account_id = topic_arn.split(":")[4]
        self.resolve.add("AWS::AccountId", account_id)
        table_name, stream_arn = self.table()
        bucket = self.bucket()
        queues = {logical_id: self.queue(logical_id)
                  for logical_id in ("TaskDeadLetterQueue", "AsyncDeadLetterQueue", "TaskQueue")}
        self.policies()
        role_arn = self.route_role()
        machines = tuple(self.route_machine(route, role_arn) for route in routes)
        rule = self.mail()
        key_param = self.resolve({"Ref": "SigningKeyParameter"})
        self.clients.ssm.put_parameter(Name=key_param, Value=signing_key, Type="SecureString", Overwrite=True)
        function_globals = self.template.get("Globals", {}).get("Function", {})
        variables = function_globals.get("Environment", {}).get("Variables", {})
        machine_prefix = f"arn:aws:states:{self.region}:{account_id}:stateMachine:" + route_machine_prefix(self.prefix)
        environment = {key: str(value) for key, value in self.resolve(variables).items()}
        if "RF_ROUTE_MACHINE_PREFIX" in environment:
            # The template names the machines after the deployed stack; here they carry this stack's prefix.
            environment["RF_ROUTE_MACHINE_PREFIX"] = machine_prefix
        return Resources(
            prefix=self.prefix, region=self.region, account_id=account_id,
            desk_domain=self.resolve({"Ref": "DeskDomain"}),
            table_name=table_name, table_stream_arn=stream_arn, bucket=bucket, topic_arn=topic_arn,
            rule_set_name=rule["RuleSetName"], rule_name=rule["Rule"]["Name"],
            configuration_set=self.resolve({"Ref": "OutboundConfigurationSet"}),
            task_queue_url=queues["TaskQueue"],
            task_queue_arn=self.resolve({"Fn::GetAtt": ["TaskQueue", "Arn"]}),
            task_dlq_url=queues["TaskDeadLetterQueue"], async_dlq_url=queues["AsyncDeadLetterQueue"],
            signing_key_param=key_param, public_url=self.resolve({"Ref": "PublicUrl"}),
            route_role_arn=role_arn, route_machine_prefix=machine_prefix, route_machines=machines,
            environment=environment, feedback_topic_arn=feedback_topic_arn,
        )

    def topic(self) -> str:
        self.properties("InboundMailTopic")
        name = self.name("InboundMailTopic")
        arn: str = self.clients.sns.create_topic(Name=name)["TopicArn"]
        self.resolve.add("InboundMailTopic", arn, TopicArn=arn, TopicName=name)
        return arn

    def feedback_topic(self) -> str:
        self.properties("MailFeedbackTopic")
        name = self.name("MailFeedbackTopic")
        arn: str = self.clients.sns.create_topic(Name=name)["TopicArn"]
        self.resolve.add("MailFeedbackTopic", arn, TopicArn=arn, TopicName=name)
        return arn

    def feedback_destination(self) -> None:
        """The configuration set's SNS event destination for bounces and complaints (the topic's
        policy only lets SES in: resolved, not applied, as the inbound topic's)."""
        self.properties("MailFeedbackTopicPolicy")
        spec = self.properties("OutboundFeedbackDestination")
        destination = dict(spec["EventDestination"])
        if "SnsDestination" in destination:
            destination["SNSDestination"] = {"TopicARN": destination.pop("SnsDestination")["TopicARN"]}
        self.clients.ses.create_configuration_set_event_destination(
            ConfigurationSetName=spec["ConfigurationSetName"], EventDestination=destination)

    def table(self) -> tuple[str, str]:
        spec, name, dynamodb = self.properties("Table"), self.name("Table"), self.clients.dynamodb
        kwargs: dict[str, Any] = {key: spec[key] for key in
                                  ("BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
                                  if key in spec}
        if "StreamSpecification" in spec:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **spec["StreamSpecification"]}
        if "SSESpecification" in spec:
            kwargs["SSESpecification"] = {"Enabled": spec["SSESpecification"]["SSEEnabled"]}
        table = dynamodb.create_table(TableName=name, **kwargs)["TableDescription"]
        if "TimeToLiveSpecification" in spec:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec["TimeToLiveSpecification"])
        if "PointInTimeRecoverySpecification" in spec:
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification=spec["PointInTimeRecoverySpecification"])
        stream_arn = table.get("LatestStreamArn", "")
        self.resolve.add("Table", name, Arn=table["TableArn"], StreamArn=stream_arn)
        return name, stream_arn

    def bucket(self) -> str:
        spec, bucket, s3 = self.properties("MailBucket"), self.name("MailBucket"), self.clients.s3
        if self.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        if "OwnershipControls" in spec:
            s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=spec["OwnershipControls"])
        if "PublicAccessBlockConfiguration" in spec:
            s3.put_public_access_block(Bucket=bucket,
                                       PublicAccessBlockConfiguration=spec["PublicAccessBlockConfiguration"])
        if "BucketEncryption" in spec:
            rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                     for rule in spec["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
        if "LifecycleConfiguration" in spec:
            rules = [_lifecycle_rule(rule) for rule in spec["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        self.resolve.add("MailBucket", bucket, Arn=f"arn:aws:s3:::{bucket}")
        return bucket

    def queue(self, logical_id: str) -> str:
        name, sqs = self.name(logical_id), self.clients.sqs
        attributes = {key: _queue_attribute(value) for key, value in self.properties(logical_id).items()}
        url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.resolve.add(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)
        return url

    def policies(self) -> None:
        """Resolve the bucket's and topic's policies, but do not apply them.

        They only let SES in, and moto's S3 ignores policy conditions: the TLS-only deny would
        refuse every request.
        """
        self.resolve.add("InboundRuleSet", self.name("InboundRuleSet"))
        self.properties("MailBucketPolicy")
        self.properties("InboundMailTopicPolicy")

    def route_role(self) -> str:
        """The role the routes' machines run with: trusted by Step Functions, sending to the task queue."""
        spec, name, iam = self.properties(ROUTE_MACHINE_ROLE), self.name(ROUTE_MACHINE_ROLE), self.clients.iam
        arn: str = iam.create_role(RoleName=name,
                                   AssumeRolePolicyDocument=json.dumps(spec["AssumeRolePolicyDocument"]))["Role"]["Arn"]
        for policy in spec.get("Policies", []):
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))
        self.resolve.add(ROUTE_MACHINE_ROLE, name, Arn=arn, RoleId=name)
        return arn

    def route_machine(self, route: RouteFile, role_arn: str) -> str:
        """A route version's machine, its ``${...}`` filled as DefinitionSubstitutions would."""
        from chalicelib.core.routes.machine import substitute

        definition = substitute(route.path.read_text(encoding="utf-8"), self.resolve(ROUTE_MACHINE_SUBSTITUTIONS))
        arn: str = self.clients.stepfunctions.create_state_machine(
            name=route.machine_name(self.prefix), definition=definition, roleArn=role_arn,
            type="STANDARD")["stateMachineArn"]
        return arn

    def mail(self) -> dict[str, Any]:
        """SES: the desk's verified domain (needed to send), configuration set, active receipt rule."""
        ses = self.clients.ses
        self.properties("InboundRuleSet")
        self.properties("OutboundConfigurationSet")
        self.resolve.add("OutboundConfigurationSet", self.name("OutboundConfigurationSet"))
        identity = self.properties("DeskIdentity")
        ses.verify_domain_identity(Domain=identity["EmailIdentity"])
        ses.create_configuration_set(ConfigurationSet={"Name": self.resolve({"Ref": "OutboundConfigurationSet"})})
        self.feedback_destination()
        rule = self.properties("InboundReceiptRule")
        ses.create_receipt_rule_set(RuleSetName=rule["RuleSetName"])
        ses.create_receipt_rule(RuleSetName=rule["RuleSetName"], Rule=rule["Rule"])
        # On AWS this is a manual step (see the template's header); here the stack has one rule set.
        ses.set_active_receipt_rule_set(RuleSetName=rule["RuleSetName"])
        return rule


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    unknown = set(rule) - _LIFECYCLE_RULE_KEYS
    if unknown:
        raise TemplateError(f"MailBucket lifecycle rule {rule.get('Id')}: cannot apply {sorted(unknown)}")
    api: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"],
                           "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return api


def _queue_attribute(value: Any) -> str:
    """A queue property as the SQS API's string attribute (RedrivePolicy is JSON there)."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
