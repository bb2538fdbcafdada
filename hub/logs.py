"""structlog set-up: JSON lines when not on a terminal, context from contextvars, no secrets."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values never reach a log line, wherever they appear.
SECRET_KEYS = frozenset(
    {"api_key", "key", "secret", "password", "authorization", "token", "private_key"}
)


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for k in list(event):
        if k.lower() in SECRET_KEYS:
            event[k] = "[redacted]"
    return event


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """Configure structlog and the standard library logging once, at process start."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    numeric = getattr(logging, level.upper(), logging.INFO)
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
    # pyHanko warns, with tracebacks, about what is normal for us (fetching switched off on
    # purpose, validation data it cannot find for the TSA); its errors still come through.
    logging.getLogger("pyhanko").setLevel(max(numeric, logging.ERROR))
