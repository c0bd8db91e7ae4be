"""What operations cost at AWS list prices (eu-west-1, free tiers left out). Pure: counts in, dollars out.

Prices as published on the services' pricing pages (checked for this bench; they change rarely):
- Lambda: $0.20 per 1M requests, $0.0000166667 per GB-second (x86), https://aws.amazon.com/lambda/pricing/
- Step Functions Standard: $0.025 per 1,000 state transitions, https://aws.amazon.com/step-functions/pricing/
- DynamoDB on-demand: $1.25 per 1M write request units, $0.25 per 1M read request units,
  https://aws.amazon.com/dynamodb/pricing/on-demand/
- SES: $0.10 per 1,000 emails sent or received, https://aws.amazon.com/ses/pricing/
- S3 Standard: $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET and the rest,
  https://aws.amazon.com/s3/pricing/
- SQS standard: $0.40 per 1M requests (each 64 KB chunk), https://aws.amazon.com/sqs/pricing/
- SNS: $0.50 per 1M publishes (deliveries to Lambda are free), https://aws.amazon.com/sns/pricing/
- API Gateway REST: $3.50 per 1M requests (first 333M), https://aws.amazon.com/api-gateway/pricing/
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

LAMBDA_PER_REQUEST = 0.20 / 1_000_000
LAMBDA_PER_GB_SECOND = 0.0000166667
SFN_PER_TRANSITION = 0.025 / 1000
DYNAMODB_PER_WRU = 1.25 / 1_000_000
DYNAMODB_PER_RRU = 0.25 / 1_000_000
SES_PER_MESSAGE = 0.10 / 1000
S3_PER_PUT = 0.005 / 1000
S3_PER_GET = 0.0004 / 1000
SQS_PER_REQUEST = 0.40 / 1_000_000
SNS_PER_PUBLISH = 0.50 / 1_000_000
API_GATEWAY_PER_REQUEST = 3.50 / 1_000_000
TARGET_RATIO = 1.3
"""The whole AWS bill of the requests ÷ the SES cost of the mail they sent (the floor: that mail must go)."""


@dataclass
class Counts:
    """Operations counted for some number of requests."""
    lambda_invocations: int = 0
    lambda_billed_ms: int = 0
    """Each invocation's duration rounded up to the millisecond, as Lambda bills it, summed."""
    sfn_transitions: int = 0
    dynamodb_wru: float = 0
    dynamodb_rru: float = 0
    ses_sent: int = 0
    ses_received: int = 0
    s3_put: int = 0
    s3_get: int = 0
    sqs_requests: int = 0
    sns_publishes: int = 0
    api_requests: int = 0

    def scaled(self, factor: float) -> "Counts":
        return Counts(**{f.name: getattr(self, f.name) * factor for f in fields(self)})


@dataclass(frozen=True)
class Row:
    operation: str
    count: float
    unit: str
    unit_price: float
    cost: float


def billed_ms(seconds: float) -> int:
    """Lambda bills each invocation's duration rounded up to 1 ms."""
    return max(1, math.ceil(seconds * 1000))


def gb_seconds(billed_ms_total: float, memory_mb: int) -> float:
    return billed_ms_total / 1000 * memory_mb / 1024


def rows(counts: Counts, memory_mb: int) -> list[Row]:
    gbs = gb_seconds(counts.lambda_billed_ms, memory_mb)
    table = [
        ("Lambda requests", counts.lambda_invocations, "request", LAMBDA_PER_REQUEST),
        (f"Lambda compute ({memory_mb} MB)", gbs, "GB-s", LAMBDA_PER_GB_SECOND),
        ("Step Functions transitions", counts.sfn_transitions, "transition", SFN_PER_TRANSITION),
        ("DynamoDB writes", counts.dynamodb_wru, "WRU", DYNAMODB_PER_WRU),
        ("DynamoDB reads", counts.dynamodb_rru, "RRU", DYNAMODB_PER_RRU),
        ("SES mail sent", counts.ses_sent, "message", SES_PER_MESSAGE),
        ("SES mail received", counts.ses_received, "message", SES_PER_MESSAGE),
        ("S3 PUT/LIST", counts.s3_put, "request", S3_PER_PUT),
        ("S3 GET/HEAD", counts.s3_get, "request", S3_PER_GET),
        ("SQS requests", counts.sqs_requests, "request", SQS_PER_REQUEST),
        ("SNS publishes", counts.sns_publishes, "publish", SNS_PER_PUBLISH),
        ("API Gateway requests", counts.api_requests, "request", API_GATEWAY_PER_REQUEST),
    ]
    return [Row(name, count, unit, price, count * price) for name, count, unit, price in table]


def total(table: list[Row]) -> float:
    return sum(r.cost for r in table)


def floor(counts: Counts) -> float:
    """The SES cost of the mail sent: what the desk cannot do without."""
    return counts.ses_sent * SES_PER_MESSAGE


def ratio(counts: Counts, memory_mb: int) -> float:
    base = floor(counts)
    return total(rows(counts, memory_mb)) / base if base else math.inf


SHAPE_OPERATIONS = ("SES mail received", "Step Functions transitions", "API Gateway requests")
"""Rows the design's shape sets, whatever the code does: the customer's mail has to be received, a
Standard workflow takes at least one transition per stage, and each click on a task link is one
GET and one POST through API Gateway."""


def shape_cost(table: list[Row]) -> float:
    return sum(r.cost for r in table if r.operation in SHAPE_OPERATIONS)


def headroom(table: list[Row], floor_usd: float) -> float:
    """What DynamoDB, Lambda, S3, SQS and SNS may cost together for the total to stay within
    TARGET_RATIO × the floor (negative: the target is out of reach whatever they cost)."""
    return TARGET_RATIO * floor_usd - floor_usd - shape_cost(table)


def format_table(table: list[Row]) -> str:
    lines = [f"{'operation':<28} {'count':>12} {'unit':<11} {'unit price':>13} {'cost':>10}"]
    for r in table:
        count = f"{r.count:,.0f}" if float(r.count).is_integer() or r.count >= 100 else f"{r.count:,.2f}"
        lines.append(f"{r.operation:<28} {count:>12} {r.unit:<11} {r.unit_price:>13.10f} ${r.cost:>9.4f}")
    lines.append(f"{'total':<28} {'':>12} {'':<11} {'':>13} ${total(table):>9.4f}")
    return "\n".join(lines)
