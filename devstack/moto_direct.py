"""DynamoDB calls handed to moto's DynamoDB handler without the HTTP round trip moto plays in-process.

With moto patched into the process, every call still goes the whole way of a request over the wire:
botocore signs it, builds an HTTP request, moto's stubber matches its URL against every service's
patterns, rebuilds it as a werkzeug request, and moto's generic dispatch derives from it what a
DynamoDB call needs (action, region, account, JSON body). For a GetItem that is more than half its
time (2.4 ms against 1.1 ms measured), for a write about a fifth.

`answer_dynamodb_directly(session)` registers, last on botocore's `before-call`, a hook that takes the
request botocore has already validated and serialized (the JSON body and X-Amz-Target the wire
would carry) and gives it to moto's own DynamoHandler: moto parses the body with its parser, runs its
action, serializes its answer (status, headers, JSON), and botocore's response parser reads that
answer as it would read it off the wire, modeled error fields included. So the client's own steps
before and after (parameter building, boto3's type conversion, validation, serialization, after-call
hooks, errors raised as ClientError) are unchanged, and every answer is moto's. Only signing, the
retry loop (moto never throttles) and the HTTP hop are skipped.

The hook stands aside (and the call takes the usual way) whenever moto would not answer a DynamoDB
call from its in-process DynamoDB handler: the mock is not running, the URL is not DynamoDB's AWS
endpoint (a client with endpoint_url speaks to a moto server), moto passes DynamoDB through or does
not mock it, records requests, or checks IAM signatures.
"""
from __future__ import annotations

from typing import Any

_SERVICES: dict[str, str | None] = {}
"""A request URL without its query → the service moto's stubber would pick for it (None: no service)."""


def _service_of(url: str) -> str | None:
    from urllib.parse import urlsplit

    import moto.backend_index as backend_index

    parts = urlsplit(url)
    clean = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if clean not in _SERVICES:
        if len(_SERVICES) > 256:
            _SERVICES.clear()
        _SERVICES[clean] = next((service for service, pattern in backend_index.backend_url_patterns
                                 if pattern.match(clean)), None)
    return _SERVICES[clean]


def _moto_answers_in_process(url: str) -> bool:
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.config import passthrough_service, passthrough_url, service_whitelisted
    from moto.core.models import botocore_stubber
    from moto.moto_api import recorder
    from moto import settings

    if not botocore_stubber.enabled or recorder._user_enabled:
        return False
    if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return False
    if ".amazonaws.com" not in url or _service_of(url) != "dynamodb":
        return False
    return service_whitelisted("dynamodb") and not passthrough_service("dynamodb") and not passthrough_url(url)


class _Request:
    """What moto's parameter parser reads of a JSON-protocol request."""

    def __init__(self, method: str, path: str, headers, body: bytes):
        self.method = method
        self.path = path
        self.headers = headers
        self.data = body
        self.values: dict = {}
        self.content_type = headers.get("Content-Type")


def _answer(url: str, method: str, headers: dict, body: bytes, access_key: str | None, region: str):
    """moto's (status, headers, body) for one DynamoDB request, as its stubber would return them."""
    from urllib.parse import urlsplit

    from moto.core.utils import utcnow
    from moto.dynamodb.responses import DynamoHandler
    from moto.iam.models import mark_account_as_visited
    from moto.utilities.utils import get_partition
    from werkzeug.datastructures import Headers
    from werkzeug.exceptions import HTTPException
    from werkzeug.http import http_date

    headers = Headers([(k, v.decode("utf-8") if isinstance(v, bytes) else v) for k, v in headers.items()])
    if access_key:
        # The part of botocore's signature moto reads the access key (and so the account) from.
        headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={access_key}/"
    parsed_url = urlsplit(url)
    handler = DynamoHandler()
    handler.is_werkzeug_request = False
    handler.parsed_url = parsed_url
    handler.raw_body = body
    handler.body = body.decode("utf-8")
    handler.form_data = {}
    handler.uri = url
    handler.path = parsed_url.path or "/"
    handler.raw_path = handler.path
    handler.querystring = handler.data = {}
    handler.method = method
    found = handler.region_regex.search(url)
    handler.region = found.group(1) if found else region
    handler.partition = get_partition(handler.region)
    handler.uri_match = {}
    handler.headers = headers
    handler.response_headers = {"server": "amazon.com", "date": http_date(utcnow())}
    try:
        handler.parse_parameters(_Request(method, handler.path, headers, body))
        handler.access_key = handler.get_access_key()
        handler.current_account = handler.get_current_account()
        mark_account_as_visited(account_id=handler.current_account, access_key=handler.access_key,
                                service=handler.service_name, region=handler.region)
        return handler.call_action()
    except HTTPException as exc:
        return exc.code, exc.get_headers(), exc.get_body()


def _parsed(url: str, answer, operation_model):
    """botocore's (http response, parsed response) for moto's answer, as its endpoint makes them."""
    from botocore.awsrequest import AWSResponse
    from botocore.endpoint import convert_to_response_dict
    from botocore.parsers import create_parser
    from moto.core.botocore_stubber import MockRawResponse

    status, headers, body = answer
    http = AWSResponse(url, status, headers, MockRawResponse(body))
    response_dict = convert_to_response_dict(http, operation_model)
    parser = create_parser(operation_model.service_model.resolved_protocol)
    parsed = parser.parse(response_dict, operation_model.output_shape)
    if http.status_code >= 300:
        code = parsed.get("Error", {}).get("Code")
        shape = operation_model.service_model.shape_for_error_code(code) if code is not None else None
        if shape is not None:
            parsed.update(parser.parse(response_dict, shape))
    if "ResponseMetadata" in parsed:
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return http, parsed


def _direct(model=None, params=None, request_signer=None, context=None, **_: Any):
    if model is None or model.service_model.service_name != "dynamodb" or not isinstance(params, dict):
        return None
    url, body = params.get("url") or "", params.get("body")
    if not isinstance(body, (bytes, str)) or params.get("query_string") or not _moto_answers_in_process(url):
        return None
    if isinstance(body, str):
        body = body.encode("utf-8")
    credentials = getattr(request_signer, "_credentials", None)
    access_key = getattr(credentials, "access_key", None) if credentials is not None else None
    region = (context or {}).get("client_region") or "us-east-1"
    answer = _answer(url, params.get("method") or "POST", params.get("headers") or {}, body, access_key, region)
    return _parsed(url, answer, model)


def answer_dynamodb_directly(session) -> None:
    """Every client made from `session` (boto3's) from now on hands its DynamoDB calls to moto directly."""
    session.events.register_last("before-call", _direct, unique_id="rf-moto-direct-dynamodb")
