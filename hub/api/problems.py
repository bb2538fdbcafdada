"""problem+json (RFC 9457) responses, and the mapping from hub errors to HTTP statuses."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from aiohttp import web

from hub.api.deps import REQUEST_ID
from hub.api.jsonresponse import json_response
from hub.domain import errors

PROBLEM_TYPE = "application/problem+json"


class UnsupportedMediaType(errors.HubError):
    code = "unsupported_media_type"


class BodyTooLarge(errors.HubError):
    code = "body_too_large"


# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: tuple[tuple[type[errors.HubError], int], ...] = (
    (UnsupportedMediaType, 415),
    (BodyTooLarge, 413),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.InvalidTransition, 409),
    (errors.Conflict, 409),
    (errors.ValidationFailed, 422),
    (errors.CalendarYearUnknown, 503),
    (errors.PartSwitchedOff, 503),
    (errors.TransientError, 503),
)

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str,
    request: web.Request | None = None,
    field: str | None = None,
    field_errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "type": f"urn:hub:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = instance_of(request.path)
        rid = request.get(REQUEST_ID)
        if rid:
            body["request_id"] = rid
    if field_errors is None and field is not None:
        field_errors = [{"field": field, "message": detail}]
    if field_errors:
        body["errors"] = field_errors
    return json_response(body, status=status, content_type=PROBLEM_TYPE, headers=headers)


def instance_of(path: str) -> str:
    """The decoded request path as a uri-reference (RFC 3986): anything outside a path's
    characters percent-encoded, as UTF-8."""
    return quote(path, safe="/:@!$&'()*+,;=-._~", errors="replace")


def from_error(error: errors.HubError, request: web.Request) -> web.Response:
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(error, cls)), 400)
    field_errors = getattr(error, "errors", None)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(
        status, error.message, code=error.code, request=request, field=error.field,
        field_errors=field_errors, headers=headers,
    )


@web.middleware
async def problem_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every error into problem+json; never leak internals."""
    try:
        return await handler(request)
    except errors.HubError as e:
        return from_error(e, request)
    except web.HTTPRequestEntityTooLarge as e:
        return problem(413, e.text or "request body too large", code="body_too_large",
                       request=request, field="body")
    except web.HTTPException as e:
        if e.status < 400:
            raise
        return problem(e.status, e.reason, code=f"http_{e.status}", request=request,
                       headers={k: v for k, v in e.headers.items() if k == "Allow"})
    except Exception:
        structlog.get_logger(__name__).exception("unhandled_error",
                                                 path=loggable(request.path))
        return problem(500, "internal error; the request id identifies it in the logs",
                       code="internal", request=request)


def loggable(path: str) -> str:
    """The path as logs may keep it: a portal link's token is a secret (/portal/l/***/…)."""
    if path.startswith("/portal/l/"):
        _, _, rest = path.removeprefix("/portal/l/").partition("/")
        return "/portal/l/***" + (f"/{rest}" if rest else "")
    return path
