"""The bank API channel: pushes letters to a bank's registered endpoint (HMAC-signed)."""

from adapters.bank_api.push import PushDelivery, push_signature

__all__ = ["PushDelivery", "push_signature"]
