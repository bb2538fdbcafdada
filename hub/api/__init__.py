"""The HTTP API (aiohttp): app factory, routes, authentication, problem+json errors."""

from hub.api.app import create_app
from hub.api.deps import ApiDeps

__all__ = ["ApiDeps", "create_app"]
