"""The link-signing key from SSM Parameter Store (a SecureString in production)."""
from __future__ import annotations


def signing_key(client, parameter_name: str) -> bytes:
    value = client.get_parameter(Name=parameter_name, WithDecryption=True)["Parameter"]["Value"]
    if len(value) < 16:
        raise ValueError(f"signing key in {parameter_name} is too short (at least 16 characters)")
    return value.encode()
