"""Powertools Logger, Metrics and Tracer shared by every function (POWERTOOLS_* env)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "backup-relay"
NAMESPACE = "BackupRelay"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
tracer = Tracer(service=SERVICE)

__all__ = ["NAMESPACE", "SERVICE", "MetricUnit", "logger", "metrics", "tracer"]
