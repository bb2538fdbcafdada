"""The firm web UI (server-rendered, Chinese first): sign-in, engagements, confirmations."""

from hub.web.app import create_web_app, mount
from hub.web.deps import WebDeps

__all__ = ["WebDeps", "create_web_app", "mount"]
