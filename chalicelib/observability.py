"""Powertools Logger (JSON, with the Lambda request id) and Metrics (EMF), created on first use.

Created once per process under a lock: two Powertools Loggers for one service must never be built
(concurrent first calls in a threaded local server would do it).
"""
from __future__ import annotations

import threading

_lock = threading.Lock()
_made: dict[str, object] = {}


def _once(name: str, make):
    if name not in _made:
        with _lock:
            if name not in _made:
                _made[name] = make()
    return _made[name]


def logger():
    def make():
        from aws_lambda_powertools import Logger

        return Logger(service="requestflow")

    return _once("logger", make)


def metrics():
    def make():
        from aws_lambda_powertools import Metrics

        return Metrics(namespace="requestflow", service="requestflow")

    return _once("metrics", make)


def count(name: str) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=1)


def flush() -> None:
    """Write the collected metrics as one EMF document (at the end of each invocation)."""
    m = metrics()
    if m.metric_set:
        m.flush_metrics()
