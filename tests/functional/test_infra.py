"""The embedded stack is built from infra/template.yaml, and the Lambda package carries what it needs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.sfn import RouteMachines
from chalicelib.core.routes.machine import substitute
from devstack.package import PackageError, PackageResult, _verify_template, build
from devstack.resources import ROUTES_DIR, Clients, Resources, create_resources, load_template, route_files

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "infra" / "template.yaml")


@pytest.fixture
def stack(template: dict[str, Any]) -> Iterator[tuple[boto3.session.Session, Resources]]:
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        yield session, create_resources(Clients.from_session(session), prefix="infratest", template=template)


def _props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def test_the_embedded_table_is_the_templates_table(stack, template):
    session, resources = stack
    dynamodb = session.client("dynamodb")
    spec = _props(template, "Table")
    table = dynamodb.describe_table(TableName=resources.table_name)["Table"]

    assert table["KeySchema"] == spec["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(spec["AttributeDefinitions"], key=str)
    assert table["BillingModeSummary"]["BillingMode"] == spec["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {index["IndexName"]: (index["KeySchema"], index["Projection"])
               for index in table["GlobalSecondaryIndexes"]}
    assert indexes == {index["IndexName"]: (index["KeySchema"], index["Projection"])
                       for index in spec["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"by_customer", "open_by_due", "by_assignee"}
    assert table["StreamSpecification"] == {"StreamEnabled": True, **spec["StreamSpecification"]}

    ttl = dynamodb.describe_time_to_live(TableName=resources.table_name)["TimeToLiveDescription"]
    assert (ttl["AttributeName"], ttl["TimeToLiveStatus"]) == (spec["TimeToLiveSpecification"]["AttributeName"],
                                                                "ENABLED")
    backups = dynamodb.describe_continuous_backups(TableName=resources.table_name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_inbound_mail_is_stored_under_the_templates_prefix_and_announced_on_the_topic(stack, template):
    session, resources = stack
    ses = session.client("ses")
    spec = _props(template, "InboundReceiptRule")["Rule"]
    template_action = spec["Actions"][0]["S3Action"]

    active = ses.describe_active_receipt_rule_set()
    assert active["Metadata"]["Name"] == resources.rule_set_name
    rule = ses.describe_receipt_rule(RuleSetName=resources.rule_set_name, RuleName=resources.rule_name)["Rule"]
    assert rule["Actions"] == [{"S3Action": {"BucketName": resources.bucket,
                                             "ObjectKeyPrefix": template_action["ObjectKeyPrefix"],
                                             "TopicArn": resources.topic_arn}}]
    assert template_action["ObjectKeyPrefix"] == "inbound/"
    assert rule["Recipients"] == [resources.desk_domain]
    assert rule["ScanEnabled"] is True
    assert resources.desk_domain in ses.list_identities(IdentityType="Domain")["Identities"]

    s3 = session.client("s3")
    s3.put_object(Bucket=resources.bucket, Key="inbound/probe", Body=b"Subject: probe\r\n\r\nhello\r\n")
    assert s3.get_object(Bucket=resources.bucket, Key="inbound/probe")["Body"].read().startswith(b"Subject")


def test_the_functions_environment_names_the_embedded_resources(stack):
    session, resources = stack
    assert resources.environment == {
        "RF_TABLE": resources.table_name,
        "RF_BUCKET": resources.bucket,
        "RF_SIGNING_KEY_PARAM": resources.signing_key_param,
        "RF_PUBLIC_URL": resources.public_url,
        "RF_TASK_QUEUE_URL": resources.task_queue_url,
        "RF_SES_CONFIGURATION_SET": resources.configuration_set,
        "RF_ROUTE_MACHINE_PREFIX": f"arn:aws:states:{REGION}:{resources.account_id}:stateMachine:infratest-route-",
        "RF_ROUTE_ROLE_ARN": resources.route_role_arn,
    }
    key = session.client("ssm").get_parameter(Name=resources.signing_key_param, WithDecryption=True)
    assert len(key["Parameter"]["Value"]) >= 32
    redrive = session.client("sqs").get_queue_attributes(QueueUrl=resources.task_queue_url,
                                                         AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(redrive["RedrivePolicy"])["maxReceiveCount"] == 5


def test_the_topic_is_the_one_the_app_subscribes_to(template):
    from chalicelib.entrypoints import INBOUND_TOPIC

    with mock_aws():
        resources = create_resources(boto3.session.Session(region_name=REGION), template=template)
    assert _props(template, "InboundMailTopic")["TopicName"] == INBOUND_TOPIC
    assert resources.topic_arn.endswith(f":{INBOUND_TOPIC}")


ROUTE_FILES = route_files(ROUTES_DIR)


def test_every_route_definition_is_a_machine_of_the_embedded_stack_sending_to_its_queue(stack):
    session, resources = stack
    sfn = session.client("stepfunctions")

    assert len(resources.route_machines) == len(ROUTE_FILES) >= 2
    for route, arn in zip(ROUTE_FILES, resources.route_machines):
        machine = sfn.describe_state_machine(stateMachineArn=arn)
        assert machine["name"] == f"infratest-route-{route.route}-{route.digest}"
        assert arn == resources.route_machine_prefix + f"{route.route}-{route.digest}"
        assert machine["roleArn"] == resources.route_role_arn
        assert machine["type"] == "STANDARD"
        definition = json.loads(machine["definition"])
        assert "${" not in machine["definition"]
        queues = {state["Parameters"]["QueueUrl"] for state in definition["States"].values() if "Parameters" in state}
        assert queues == {resources.task_queue_url}
        assert machine["definition"] == substitute(route.path.read_text(encoding="utf-8"),
                                                   {"TaskQueueUrl": resources.task_queue_url})


def test_the_route_role_is_trusted_by_step_functions_and_may_send_to_the_task_queue_only(stack):
    session, resources = stack
    iam = session.client("iam")
    name = resources.route_role_arn.rsplit("/", 1)[1]

    trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "states.amazonaws.com"}]
    policies = [iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]]
    statements = [statement for policy in policies for statement in policy["Statement"]]
    assert [(s["Action"], s["Resource"]) for s in statements] == [("sqs:SendMessage", resources.task_queue_arn)]


def test_the_desk_finds_the_deployed_machine_of_its_route_instead_of_creating_one(stack):
    session, resources = stack
    sfn = session.client("stepfunctions")
    before = sfn.list_state_machines()["stateMachines"]
    machines = RouteMachines(sfn, machine_prefix=resources.route_machine_prefix, role_arn=resources.route_role_arn,
                             substitutions={"TaskQueueUrl": resources.task_queue_url})

    for route, arn in zip(ROUTE_FILES, resources.route_machines):
        assert machines.ensure(route.route, route.digest, route.path.read_text(encoding="utf-8")) == arn

    assert sfn.list_state_machines()["stateMachines"] == before


ORDER_MAIL = ("From: Pieter <p.devries@maasvlakte.nl>\r\nTo: desk@requestflow.example\r\n"
              "Subject: Order: stretch film\r\nMessage-ID: <infra-order@maasvlakte.nl>\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\n"
              "We want to order 40 rolls per month of stretch film.\r\n").encode()


def test_a_deployed_machine_serves_its_content_under_the_number_the_desk_gives_it():
    """The table already numbers an earlier content of the route 1: the configured one becomes 2 and
    runs on the machine made from its file, whose messages then name version 2."""
    import time

    from chalicelib.core.routes.select import route_content
    from devstack.stack import EmbeddedStack

    stack = EmbeddedStack(time_scale=60, prefix="rfdeployed").start()
    try:
        order = next(route for route in stack.desk.config.routes if route.id == "order_approval")
        _digest, snapshot = route_content(order)
        earlier = {**snapshot, "stages": [{**snapshot["stages"][0], "id": "precheck"}], "hash": "0" * 16}
        assert stack.desk.table.add_route_version("order_approval", 1, "0" * 16, earlier, "2026-01-01T00:00:00Z")
        machines = stack.sfn.list_state_machines()["stateMachines"]

        ticket = stack.ingest(ORDER_MAIL)["ticket"]
        for _ in range(80):
            view = stack.request_json(ticket)
            if len([task for task in view["tasks"] if task["state"] == "open"]) >= 2:
                break
            time.sleep(0.25)

        assert view["route"]["version"] == 2
        assert sorted(task["person"] for task in view["tasks"] if task["state"] == "open") == ["maria", "olga"]
        assert [stage["id"] for stage in view["route"]["stages"]] == [stage.id for stage in order.stages]
        assert view["route"]["stages"][0]["state"] == "active"
        assert stack.sfn.list_state_machines()["stateMachines"] == machines
        deployed = next(arn for arn in stack.resources.route_machines if "-route-order_approval-" in arn)
        assert view["execution"].startswith(deployed.replace(":stateMachine:", ":execution:") + ":")
    finally:
        stack.stop()


# --- the Lambda package ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> PackageResult:
    return build(ROOT, tmp_path_factory.mktemp("packaged"), check=True)


@pytest.fixture(scope="module")
def packaged_template(package: PackageResult) -> dict[str, Any]:
    return load_template(package.template_path)


def test_the_packaged_template_passes_cfn_lint(package):
    assert package.linted


def test_the_packaged_template_deploys_a_machine_per_route_definition(packaged_template):
    resources = packaged_template["Resources"]
    machines = {resource["Properties"]["StateMachineName"]: resource["Properties"]
                for resource in resources.values() if resource["Type"] == "AWS::StepFunctions::StateMachine"}

    assert sorted(machines) == sorted(f"requestflow-route-{route.route}-{route.digest}" for route in ROUTE_FILES)
    for route in ROUTE_FILES:
        machine = machines[f"requestflow-route-{route.route}-{route.digest}"]
        assert machine["DefinitionString"] == route.path.read_text(encoding="utf-8")
        assert machine["DefinitionSubstitutions"] == {"TaskQueueUrl": {"Ref": "TaskQueue"}}
        assert machine["RoleArn"] == {"Fn::GetAtt": ["RouteMachineRole", "Arn"]}
        assert machine["StateMachineType"] == "STANDARD"
    role = resources["RouteMachineRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}


def test_the_desk_finds_and_may_create_the_packaged_machines_by_name(packaged_template):
    variables = packaged_template["Globals"]["Function"]["Environment"]["Variables"]
    prefix = variables["RF_ROUTE_MACHINE_PREFIX"]["Fn::Sub"]
    statements = {statement["Sid"]: statement for statement in
                  packaged_template["Resources"]["DefaultRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}

    assert prefix.endswith(":stateMachine:requestflow-route-")
    assert variables["RF_ROUTE_ROLE_ARN"] == {"Fn::GetAtt": ["RouteMachineRole", "Arn"]}
    workflows = statements["Workflows"]
    assert {"states:StartExecution", "states:CreateStateMachine", "states:DescribeStateMachine",
            "states:DescribeExecution", "states:GetExecutionHistory"} <= set(workflows["Action"])
    assert {"Fn::Sub": prefix + "*"} in workflows["Resource"]
    assert statements["RouteMachineRole"]["Action"] == "iam:PassRole"
    assert statements["RouteMachineRole"]["Resource"] == {"Fn::GetAtt": ["RouteMachineRole", "Arn"]}
    assert {"Fn::Sub": "${MailBucket.Arn}/texts/*"} in statements["Mail"]["Resource"]


def test_the_task_handler_consumes_the_stacks_own_task_queue(packaged_template):
    events = packaged_template["Resources"]["OnTaskMessage"]["Properties"]["Events"]

    assert [(event["Type"], event["Properties"]["Queue"]) for event in events.values()] == [
        ("SQS", {"Fn::Sub": "${TaskQueue.Arn}"})]


def test_packaging_refuses_a_template_missing_a_routes_machine_or_reading_a_foreign_queue(packaged_template):
    broken = json.loads(json.dumps(packaged_template))
    resources = broken["Resources"]
    machine = next(logical_id for logical_id, resource in resources.items()
                   if resource["Type"] == "AWS::StepFunctions::StateMachine")
    del resources[machine]
    event = resources["OnTaskMessage"]["Properties"]["Events"]["OnTaskMessageSqsEventSource"]
    event["Properties"]["Queue"] = {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:elsewhere"}

    with pytest.raises(PackageError) as error:
        _verify_template(broken, ROUTE_FILES)

    assert "no state machine requestflow-route-" in str(error.value)
    assert "OnTaskMessage.OnTaskMessageSqsEventSource: reads a queue outside the stack" in str(error.value)


@pytest.fixture(scope="module")
def unpacked(package: PackageResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("lambda-root")
    with zipfile.ZipFile(package.zip_path) as archive:
        archive.extractall(target)
    return target


def _repo_files(folder: str) -> list[str]:
    return sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / folder).rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith("."))


def test_every_template_and_config_file_ships_in_the_package(package):
    with zipfile.ZipFile(package.zip_path) as archive:
        names = set(archive.namelist())
    shipped = _repo_files("templates") + _repo_files("config")
    assert [name for name in shipped if name not in names] == []
    assert any(name.endswith(".j2") for name in shipped)
    assert "config/desk.toml" in shipped


_PROBE = """
import json, sys
from pathlib import Path
import jinja2
import app
from chalicelib.core.render import Templates
from chalicelib.core.config import load_config
from chalicelib.settings import DEFAULT_CONFIG

templates = Templates()
names = sorted(p.relative_to(templates.root).as_posix() for p in templates.root.rglob("*.j2"))
env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates.root)))
for name in names:
    env.get_template(name)
print(json.dumps({
    "templates_root": str(templates.root.resolve()),
    "jinja2": jinja2.__file__,
    "app": app.__file__,
    "templates": names,
    "exist": all(templates.exists(name) for name in names),
    "layout": templates.render("email/layout.html.j2", lang="en", title="<Probe & Co>"),
    "desk": load_config(DEFAULT_CONFIG).desk.name,
}))
"""


def test_the_unpacked_package_renders_its_own_templates_and_loads_its_own_config(unpacked):
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=unpacked, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)

    root = unpacked.resolve()
    assert Path(seen["templates_root"]) == root / "templates"
    assert Path(seen["app"]).resolve().parent == root
    assert Path(seen["jinja2"]).resolve().is_relative_to(root)
    assert seen["templates"] == [name.removeprefix("templates/") for name in _repo_files("templates")
                                 if name.endswith(".j2")]
    assert seen["exist"] is True
    assert "<title>&lt;Probe &amp; Co&gt;</title>" in seen["layout"]
    assert seen["desk"]
