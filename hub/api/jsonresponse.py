"""JSON responses written with the hub's fast encoder (orjson; money as decimal strings)."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from hub.infra.jsontext import dumps

json_response = partial(web.json_response, dumps=dumps)
"""`aiohttp.web.json_response` with the hub's encoder."""
