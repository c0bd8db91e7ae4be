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

from devstack.package import PackageResult, build
from devstack.resources import Clients, Resources, create_resources, load_template

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


# --- the Lambda package ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> PackageResult:
    return build(ROOT, tmp_path_factory.mktemp("packaged"))


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
