"""The audit software channel: workpapers pushed to a firm's webhook (HMAC-signed)."""

from adapters.audit_software.delivery import WorkpaperWebhook
from adapters.audit_software.signature import WINDOW_SECONDS, verify_signature

__all__ = ["WINDOW_SECONDS", "WorkpaperWebhook", "verify_signature"]
