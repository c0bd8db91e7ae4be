"""AWS Step Functions: one state machine per route version, executions named after requests, and the
task tokens the desk answers. The only module that speaks Step Functions."""
from __future__ import annotations

import json
import time


class RouteMachines:
    def __init__(self, client, *, machine_prefix: str, role_arn: str | None = None,
                 substitutions: dict[str, str] | None = None):
        """`client` is a Step Functions client, or a function that makes one on first use (most
        invocations never need it, and creating a client costs a cold start ~25 ms).
        `machine_prefix` is the machines' ARN up to the route's name."""
        self._client = client
        self._prefix = machine_prefix
        self._role_arn = role_arn
        self._substitutions = substitutions or {}
        from botocore.exceptions import ClientError

        self._client_error = ClientError

    @property
    def _sfn(self):
        if callable(self._client) and not hasattr(self._client, "start_execution"):
            self._client = self._client()
        return self._client

    def arn(self, route: str, digest: str) -> str:
        """Machines are named after the route's content hash: one content, one machine, never changed."""
        return f"{self._prefix}{route}-{digest}"

    def ensure(self, route: str, digest: str, definition_text: str) -> str:
        """Create the machine of a route version if it does not exist (the embedded stack and new
        versions registered at run time); an existing version is never changed."""
        from chalicelib.core.routes.machine import substitute

        arn = self.arn(route, digest)
        try:
            self._sfn.describe_state_machine(stateMachineArn=arn)
            return arn
        except self._client_error as exc:
            if exc.response["Error"]["Code"] not in ("StateMachineDoesNotExist", "ResourceNotFoundException"):
                raise
        name = arn.rsplit(":", 1)[1]
        try:
            return self._sfn.create_state_machine(
                name=name, definition=substitute(definition_text, self._substitutions),
                roleArn=self._role_arn or "arn:aws:iam::123456789012:role/requestflow-routes",
                type="STANDARD")["stateMachineArn"]
        except self._client_error as exc:
            if exc.response["Error"]["Code"] == "StateMachineAlreadyExists":
                return arn
            raise

    def start(self, route: str, digest: str, name: str, payload: dict) -> tuple[str, bool]:
        """Start the execution `name` (the request id); (arn, False) when it already exists."""
        arn = self.arn(route, digest)
        try:
            result = self._sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))
            return result["executionArn"], True
        except self._client_error as exc:
            if exc.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return arn.replace(":stateMachine:", ":execution:") + f":{name}", False
            raise

    def succeed(self, token: str, output: dict) -> bool:
        """False when the token no longer waits (answered already, or timed out): a redelivered
        message finds its token answered, and that is not an error."""
        return self._deliver(lambda: self._sfn.send_task_success(taskToken=token, output=json.dumps(output)))

    def fail(self, token: str, error: str) -> bool:
        """`error` is the decision (Rejected, ForceCompleted): causes are dropped on moto, comments live
        in the table. False when the token no longer waits."""
        return self._deliver(lambda: self._sfn.send_task_failure(taskToken=token, error=error))

    def _deliver(self, call, attempts: int = 20) -> bool:
        """moto can raise AttributeError ('callback_pool_manager') while another execution starts; the
        token is then not delivered and the call must be repeated."""
        for attempt in range(attempts):
            try:
                call()
                return True
            except AttributeError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.1)
            except self._client_error as exc:
                if exc.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                    return False
                raise
        return False

    def status(self, execution_arn: str) -> str:
        return self._sfn.describe_execution(executionArn=execution_arn)["status"]

    def transitions(self, execution_arn: str) -> int:
        """State transitions billed so far: the number of states entered (GetExecutionHistory)."""
        count, kwargs = 0, {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self._sfn.get_execution_history(**kwargs)
            count += sum(1 for e in page["events"] if e["type"].endswith("StateEntered"))
            if not page.get("nextToken"):
                return count
            kwargs["nextToken"] = page["nextToken"]

