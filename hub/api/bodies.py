"""Reading request bodies: content type, size limit, strict JSON, schema validation."""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

import schemas
from hub.api.problems import BodyTooLarge, UnsupportedMediaType
from hub.domain.errors import ValidationFailed
from hub.infra.jsontext import canonical


async def read_json(request: web.Request, schema: str, max_bytes: int) -> dict[str, Any]:
    """Return the validated JSON body, or raise an error naming what is wrong."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            f"send the body as application/json, not {request.content_type or 'nothing'}",
            field="Content-Type",
        )
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge(f"the body exceeds the limit of {max_bytes} bytes", field="body")
    raw = bytearray()
    async for chunk in request.content.iter_chunked(65536):
        raw += chunk
        if len(raw) > max_bytes:
            raise BodyTooLarge(f"the body exceeds the limit of {max_bytes} bytes", field="body")
    if not raw:
        raise ValidationFailed("the request body is empty", field="body")
    body = schemas.parse_json(bytes(raw))
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", field="body")
    schemas.validate(schema, body)
    return body


def canonical_hash(body: Any) -> str:
    """SHA-256 of a body in canonical form, so formatting differences are the same request."""
    return hashlib.sha256(canonical(body)).hexdigest()
