"""Test-wide safety: fake AWS credentials and region, UTC; no test can reach real AWS."""
import os

for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "TZ": "UTC",
    "POWERTOOLS_METRICS_NAMESPACE": "requestflow",
    "POWERTOOLS_SERVICE_NAME": "requestflow",
}.items():
    os.environ[key] = value
