"""Errors of the messaging layer, each on the side of the hierarchy that decides its handling."""

from __future__ import annotations

from hub.domain.errors import TransientError


class BrokerError(TransientError):
    """The broker could not take the message now; publishing it again later is safe."""

    code = "broker_unavailable"


class PublishFailed(BrokerError):
    """No confirm: the broker nacked the message, the channel or connection went away."""

    code = "publish_failed"


class PublishReturned(PublishFailed):
    """RabbitMQ returned the message: no queue is bound for its routing key."""

    code = "publish_returned"


class PublishTimeout(PublishFailed):
    """The confirm did not come in time (the broker may be down or reconnecting)."""

    code = "publish_timeout"


class BrokerClosed(BrokerError):
    """The broker object was closed (or never connected) in this process."""

    code = "broker_closed"
