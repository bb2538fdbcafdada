"""The check both HTTP apps (the API and the web UI) run before any handler: no control
characters in a path, query or header we read."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.domain.errors import ValidationFailed
from hub.domain.text import describe, refused_at

READ_HEADERS = ("Authorization", "X-API-Key", "Idempotency-Key")
"""The request headers some handler reads; control characters in them are refused."""


@web.middleware
async def refuse_control_characters(request: web.Request, handler: Any) -> web.StreamResponse:
    """No path segment, query parameter or header we read holds a control character (a NUL
    would reach PostgreSQL, which refuses it): 422 naming where it is, before any handler."""
    if request.match_info.apps and request.match_info.apps[-1] is not request.app:
        return await handler(request)  # a sub-app (the web UI) checks, answering in its way
    for name, value in request.match_info.items():
        if refused_at(value) is not None:
            raise ValidationFailed(f"path parameter {name}: {describe(value)}", field=name)
    if refused_at(request.path) is not None:
        raise ValidationFailed(f"the path: {describe(request.path)}", field="path")
    for name, value in request.query.items():
        for text in (name, value):
            if refused_at(text) is not None:
                raise ValidationFailed(f"query parameter {name!r}: {describe(text)}",
                                       field=name if text is value else "query")
    for name in READ_HEADERS:
        header = request.headers.get(name)
        if header is not None and refused_at(header) is not None:
            raise ValidationFailed(f"header {name}: {describe(header)}", field=name)
    return await handler(request)
