"""Deployment settings from the environment, read once when the desk is first built.

A plain dataclass: every value is a string from the environment, so there is nothing for pydantic to
validate, and a cold start does not pay for importing it.
"""
from __future__ import annotations

import os
from dataclasses import MISSING, Field, dataclass, fields
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "desk.toml"

ENVIRONMENT = {"table": "RF_TABLE", "bucket": "RF_BUCKET", "signing_key_param": "RF_SIGNING_KEY_PARAM",
               "public_url": "RF_PUBLIC_URL", "config_path": "RF_CONFIG", "endpoint_url": "RF_AWS_ENDPOINT",
               "ses_configuration_set": "RF_SES_CONFIGURATION_SET", "task_queue_url": "RF_TASK_QUEUE_URL",
               "route_machine_prefix": "RF_ROUTE_MACHINE_PREFIX", "route_role_arn": "RF_ROUTE_ROLE_ARN",
               "time_scale": "RF_TIME_SCALE", "event_transactions": "RF_EVENT_TRANSACTIONS"}
"""The environment variable of each setting."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    table: str
    bucket: str
    signing_key_param: str = "/requestflow/signing-key"
    public_url: str = "http://127.0.0.1:8000"
    config_path: Path = DEFAULT_CONFIG
    endpoint_url: str | None = None
    """Set only on the embedded stack: where the local AWS listens."""
    ses_configuration_set: str | None = None
    task_queue_url: str | None = None
    """The queue the routes' state machines send their stage messages to."""
    route_machine_prefix: str = "arn:aws:states:eu-west-1:123456789012:stateMachine:requestflow-route-"
    """ARN of the routes' state machines up to the route's name."""
    route_role_arn: str | None = None
    """The role the routes' state machines run with (to send to the task queue)."""
    time_scale: float = 1.0
    """Desk seconds per machine second: set only on the embedded stack, where waits are scaled."""
    event_transactions: bool = True
    """An event and its KPI counters in one TransactWriteItems. The embedded stack turns it off: moto
    copies the whole table for every transaction, which makes a long simulation quadratic."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "config_path", Path(self.config_path))
        if isinstance(self.event_transactions, str):
            object.__setattr__(self, "event_transactions", self.event_transactions.lower() not in ("0", "false", "no"))
        try:
            object.__setattr__(self, "time_scale", float(self.time_scale))
        except ValueError:
            raise RuntimeError("missing or invalid environment variables: RF_TIME_SCALE") from None
        if self.time_scale <= 0:
            raise RuntimeError("missing or invalid environment variables: RF_TIME_SCALE")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values = {setting: env[name] for setting, name in ENVIRONMENT.items() if env.get(name)}
        missing = [ENVIRONMENT[f.name] for f in fields(cls) if f.name not in values and _required(f)]
        if missing:
            raise RuntimeError(f"missing or invalid environment variables: {', '.join(missing)}")
        return cls(**values)


def _required(setting: Field) -> bool:
    return setting.default is MISSING and setting.default_factory is MISSING
