"""One declaration per HTTP route: it registers the aiohttp handler and describes the operation
that hub.api.openapi turns into the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Param = str | Mapping[str, Any]
"""A parameter: the name of a shared one (components/parameters), or one written in full."""


@dataclass(frozen=True)
class Body:
    """The request body: a JSON Schema of `schemas/` by name, or a schema written here."""

    schema: str | None = None
    required: bool = True
    examples: tuple[str, ...] = ()
    """Names of the schema's examples (`confirmation_request.bank_format1`) shown instead of
    its one example; each is keyed by what follows the schema's name."""
    media: str = "application/json"
    inline: Mapping[str, Any] | None = None
    """The body's schema when it is not in `schemas/` (a multipart upload)."""


@dataclass(frozen=True)
class Reply:
    """A success answer: JSON of a schema of `schemas/` (with its example), JSON of a schema
    written here, a file of `media` type, or no body at all."""

    status: str
    description: str
    schema: str | None = None
    inline: Mapping[str, Any] | None = None
    example: Any = None
    """The example of an inline schema."""
    media: str = "application/json"
    headers: tuple[str, ...] = ()
    """Names of shared headers (components/headers) besides X-Request-ID, sent on every answer."""


@dataclass(frozen=True, eq=False)  # hashed by identity: the OpenAPI generator caches by table
class Endpoint:
    """One route: what serves it and what the OpenAPI document says of it. The roles that may
    call it are in hub.api.access, the problem answers every route shares in hub.api.openapi."""

    method: str
    path: str
    handler: Handler
    operation_id: str
    tag: str
    summary: str
    description: str | None = None
    params: tuple[Param, ...] = ()
    body: Body | None = None
    replies: tuple[Reply, ...] = ()
    problems: tuple[str, ...] = ()
    """Statuses this route answers besides the ones every route of its kind may (409 for a
    state conflict, 403 for a rule on who may act, 503 for a missing dependency)."""

    def route(self) -> web.RouteDef:
        """The aiohttp route (a GET also answers HEAD, as RouteTableDef.get does)."""
        return web.RouteDef(self.method, self.path, self.handler,
                            {"allow_head": True} if self.method == "GET" else {})


class Endpoints:
    """A route module's endpoints, declared with the decorator `route` (or `get`, `post`, …)."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        """The OpenAPI tag of the module's endpoints, unless one says another."""
        self._endpoints: list[Endpoint] = []

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._endpoints)

    def route(self, method: str, path: str, operation_id: str, summary: str, *,
              tag: str | None = None, description: str | None = None,
              params: tuple[Param, ...] = (), body: Body | None = None,
              replies: tuple[Reply, ...] = (), problems: tuple[str, ...] = (),
              ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._endpoints.append(Endpoint(
                method=method, path=path, handler=handler, operation_id=operation_id,
                tag=tag or self.tag, summary=summary, description=description, params=params,
                body=body, replies=replies, problems=problems))
            return handler
        return register

    def get(self, path: str, operation_id: str, summary: str, **kw: Any
            ) -> Callable[[Handler], Handler]:
        return self.route("GET", path, operation_id, summary, **kw)

    def post(self, path: str, operation_id: str, summary: str, **kw: Any
             ) -> Callable[[Handler], Handler]:
        return self.route("POST", path, operation_id, summary, **kw)

    def put(self, path: str, operation_id: str, summary: str, **kw: Any
            ) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, operation_id, summary, **kw)

    def patch(self, path: str, operation_id: str, summary: str, **kw: Any
              ) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, operation_id, summary, **kw)

    def delete(self, path: str, operation_id: str, summary: str, **kw: Any
               ) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, operation_id, summary, **kw)


ENDPOINTS = web.AppKey("endpoints", tuple[Endpoint, ...])
"""Every endpoint the app serves: what the OpenAPI route describes."""
