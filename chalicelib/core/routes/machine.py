"""The Step Functions definition generated for one route version.

Shape (why: Standard workflows bill per state transition, and a generic machine that loops over a
route in its input costs ~6 transitions a stage):

- one Task state per stage, `sqs:sendMessage.waitForTaskToken`: the desk's queue consumer stores the
  stage's token, opens a task for each person and emails them; when the stage is decided the desk
  answers the token with the next stage's timing (`$.ctx`). On the happy path a stage costs exactly
  one transition, however many people act in it.
- the stage's deadline and reminders are the Task's own timeout (`TimeoutSecondsPath: $.ctx.wait`,
  the time to the next reminder or the deadline, and after an escalation a long idle wait): when it
  fires, a short "wake" task lets the desk send the reminder or escalate, then a Choice goes back to
  waiting, on, or to the rejection path.
- a rejection is `SendTaskFailure(error="Rejected")`, caught into a "rejected" task where the desk
  decides between another cycle (back to an earlier stage) and the end (not approved).
- force-complete is `SendTaskFailure(error="ForceCompleted")` on the open token (StopExecution does
  not stop a task waiting for a token on moto), caught into `Completed`.

All timing lives in `$.ctx` computed by the desk (whole seconds ≥ 1, scaled on the embedded stack),
never in the definition, so one definition serves any calendar and time scale. Nor is the version
number in it: the desk numbers a content when first used, so the number comes with the execution's
input (`$.version`) and a machine deployed from infra/routes/ serves whatever number its content gets.
States no edge reaches are left out: Step Functions refuses a definition with an unreachable state.
"""
from __future__ import annotations

import json
import re

from .model import RouteVersion, StageSpec

QUEUE_URL = "${TaskQueueUrl}"
"""Substituted at deploy time (CloudFormation DefinitionSubstitutions) and by the embedded stack."""

WAKE_TIMEOUT_SECONDS = 3600
"""How long a wake or rejected task may wait for the desk's answer (it answers at once)."""

_SEND = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def state_name(prefix: str, stage_id: str) -> str:
    return f"{prefix}_{stage_id}"


def _message(route: RouteVersion, stage: StageSpec, event: str) -> dict:
    return {
        "QueueUrl": QUEUE_URL,
        "MessageBody": {
            "event": event,
            "token.$": "$$.Task.Token",
            "execution.$": "$$.Execution.Id",
            "request_id.$": "$.request_id",
            "route": route.name,
            "version.$": "$.version",
            "stage": stage.id,
            "ctx.$": "$.ctx",
        },
    }


def _forced() -> dict:
    return {"ErrorEquals": ["ForceCompleted"], "ResultPath": "$.error", "Next": "Completed"}


def definition(route: RouteVersion) -> dict:
    """The Amazon States Language definition of `route` (QueueUrl left as `${TaskQueueUrl}`)."""
    stages = list(route.stages)
    states: dict[str, dict] = {}
    for i, stage in enumerate(stages):
        after = state_name("Stage", stages[i + 1].id) if i + 1 < len(stages) else "Done"
        can_reject = "reject" in stage.actions
        wait = {
            "Type": "Task",
            "Comment": f"{stage.kind}: {stage.label('en')}",
            "Resource": _SEND,
            "Parameters": _message(route, stage, "stage"),
            "TimeoutSecondsPath": "$.ctx.wait",
            "ResultPath": "$.ctx",
            "Catch": [_forced(),
                      *([{"ErrorEquals": ["Rejected"], "ResultPath": "$.error",
                          "Next": state_name("Rejected", stage.id)}] if can_reject else []),
                      {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error",
                       "Next": state_name("Wake", stage.id)}],
        }
        if after == "Done":
            wait["End"] = True
        else:
            wait["Next"] = after
        states[state_name("Stage", stage.id)] = wait
        states[state_name("Wake", stage.id)] = {
            "Type": "Task",
            "Comment": "the stage's timer fired: the desk reminds, escalates or decides by default",
            "Resource": _SEND,
            "Parameters": _message(route, stage, "wake"),
            "TimeoutSeconds": WAKE_TIMEOUT_SECONDS,
            "ResultPath": "$.ctx",
            "Catch": [_forced()],
            "Next": state_name("AfterWake", stage.id),
        }
        states[state_name("AfterWake", stage.id)] = {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.ctx.go", "StringEquals": "next", "Next": after},
                *([{"Variable": "$.ctx.go", "StringEquals": "reject", "Next": state_name("Rejected", stage.id)}]
                  if can_reject else []),
            ],
            "Default": state_name("Stage", stage.id),
        }
        if can_reject:
            target = "NotApproved" if stage.on_reject == "end" else state_name("Stage", stage.on_reject)
            states[state_name("Rejected", stage.id)] = {
                "Type": "Task",
                "Comment": "a rejection: the desk opens another cycle or ends the route",
                "Resource": _SEND,
                "Parameters": _message(route, stage, "rejected"),
                "TimeoutSeconds": WAKE_TIMEOUT_SECONDS,
                "ResultPath": "$.ctx",
                "Catch": [_forced()],
                "Next": state_name("AfterRejected", stage.id),
            }
            states[state_name("AfterRejected", stage.id)] = {
                "Type": "Choice",
                "Choices": [{"Variable": "$.ctx.go", "StringEquals": "back", "Next": target}],
                "Default": "NotApproved",
            }
    states["Done"] = {"Type": "Succeed", "Comment": "every stage done"}
    if any("reject" in stage.actions for stage in stages):
        states["NotApproved"] = {"Type": "Succeed", "Comment": "rejected, no cycle left"}
    states["Completed"] = {"Type": "Succeed", "Comment": "force-completed by a manager"}
    return {
        "Comment": f"requestflow route {route.name}, content {route.hash}",
        "StartAt": state_name("Stage", stages[0].id),
        "States": states,
    }


def definition_json(route: RouteVersion) -> str:
    return json.dumps(definition(route), indent=2, ensure_ascii=False) + "\n"


def substitute(text: str, values: dict[str, str]) -> str:
    """`${Name}` → value, as CloudFormation's DefinitionSubstitutions does (string.Template would also
    turn the context object's `$$` into `$`)."""
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], text)


def targets(definition_: dict) -> list[tuple[str, str]]:
    """Every (state, target) edge: Next, Default, Choices and Catch targets."""
    edges = []
    for name, state in definition_["States"].items():
        for key in ("Next", "Default"):
            if key in state:
                edges.append((name, state[key]))
        for rule in state.get("Choices", []) + state.get("Catch", []):
            edges.append((name, rule["Next"]))
    return edges
