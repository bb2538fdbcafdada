"""Messaging: topology, relay, consumer, and the embedded and RabbitMQ brokers."""

from hub.messaging.consumer import Consumer, ConsumerStats, backoff_seconds, verdict
from hub.messaging.embedded import EmbeddedBroker
from hub.messaging.errors import (
    BrokerClosed,
    BrokerError,
    PublishFailed,
    PublishReturned,
    PublishTimeout,
)
from hub.messaging.factory import create_broker
from hub.messaging.rabbit import RabbitBroker
from hub.messaging.relay import Relay
from hub.messaging.topology import (
    DelayTier,
    ExchangeKind,
    ExchangeSpec,
    QueueSpec,
    Topology,
    TopologyError,
    declare,
    default_topology,
    topic_matches,
)
from hub.ports.envelope import UndecodableMessage, decode, encode

__all__ = [
    "BrokerClosed",
    "BrokerError",
    "Consumer",
    "ConsumerStats",
    "DelayTier",
    "EmbeddedBroker",
    "ExchangeKind",
    "ExchangeSpec",
    "PublishFailed",
    "PublishReturned",
    "PublishTimeout",
    "QueueSpec",
    "RabbitBroker",
    "Relay",
    "Topology",
    "TopologyError",
    "UndecodableMessage",
    "backoff_seconds",
    "create_broker",
    "declare",
    "decode",
    "default_topology",
    "encode",
    "topic_matches",
    "verdict",
]
