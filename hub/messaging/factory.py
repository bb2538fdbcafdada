"""Chooses the broker for the settings: the embedded one or RabbitMQ."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.domain.errors import ValidationFailed
from hub.ports import Broker

if TYPE_CHECKING:
    from hub.infra.settings import Settings


def create_broker(settings: Settings) -> Broker:
    """A broker for `settings.broker_url` (embedded:// or amqp[s]://); connects nothing yet."""
    url = settings.broker_url
    if settings.embedded_broker:
        from hub.messaging.embedded import EmbeddedBroker

        return EmbeddedBroker()
    if url.startswith(("amqp://", "amqps://")):
        from hub.messaging.rabbit import RabbitBroker

        return RabbitBroker(url, quorum_queues=settings.quorum_queues)
    raise ValidationFailed(
        "broker_url must be embedded:// or amqp://user:pass@host:5672/vhost", field="broker_url"
    )
