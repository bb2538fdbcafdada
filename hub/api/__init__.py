"""The HTTP API (aiohttp): app factory, routes, authentication, problem+json errors."""

from hub.api.app import ApiDeps, create_app

__all__ = ["ApiDeps", "create_app"]
