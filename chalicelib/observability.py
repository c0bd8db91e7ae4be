"""Powertools Logger (JSON, with the Lambda request id) and Metrics (EMF), created on first use."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def logger():
    from aws_lambda_powertools import Logger

    return Logger(service="requestflow")


@lru_cache(maxsize=1)
def metrics():
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="requestflow", service="requestflow")


def count(name: str) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=1)


def flush() -> None:
    """Write the collected metrics as one EMF document (at the end of each invocation)."""
    m = metrics()
    if m.metric_set:
        m.flush_metrics()
