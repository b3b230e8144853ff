"""The API reads JSON only, and only what it can afford: a body over TROCAP_API_MAX_BODY_BYTES
is a 413 before it is decoded, and a body that is not JSON, or nests deeper than
MAX_JSON_DEPTH (Python's decoder would raise RecursionError on `[` x 100,000), is a 400 with a
code, never a 500."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json

from api.errors import ApiErrorCode

# Far deeper than any document of the API (the portal's application nests three levels).
MAX_JSON_DEPTH = 32


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = ApiErrorCode.BODY_TOO_LARGE


def json_depth(value) -> int:
    """How deep lists and objects nest in a decoded document (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _malformed() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The request body is not a JSON document this API can read."),
        code=ApiErrorCode.BODY_MALFORMED,
    )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a byte budget and a depth limit (see the module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.TROCAP_API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(
                _("The request body is larger than %(limit)s KB.") % {"limit": limit // 1024}
            )
        encoding = parsers.get_encoding(parser_context or {})  # text encodings only
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except (LookupError, ValueError, RecursionError) as exc:
            raise _malformed() from exc
        if json_depth(data) > MAX_JSON_DEPTH:
            raise _malformed()
        return data
