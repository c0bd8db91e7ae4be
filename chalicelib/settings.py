"""Deployment settings from the environment, validated once when the desk is first built."""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "desk.toml"


class Settings(BaseModel):
    table: str
    bucket: str
    signing_key_param: str = "/requestflow/signing-key"
    public_url: str = "http://127.0.0.1:8000"
    config_path: Path = DEFAULT_CONFIG
    endpoint_url: str | None = None
    """Set only on the embedded stack: where the local AWS listens."""
    ses_configuration_set: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        mapping = {"table": "RF_TABLE", "bucket": "RF_BUCKET", "signing_key_param": "RF_SIGNING_KEY_PARAM",
                   "public_url": "RF_PUBLIC_URL", "config_path": "RF_CONFIG", "endpoint_url": "RF_AWS_ENDPOINT",
                   "ses_configuration_set": "RF_SES_CONFIGURATION_SET"}
        values = {field: env[name] for field, name in mapping.items() if env.get(name)}
        try:
            return cls(**values)
        except ValidationError as exc:
            names = ", ".join(mapping[str(e["loc"][0])] for e in exc.errors())
            raise RuntimeError(f"missing or invalid environment variables: {names}") from None
