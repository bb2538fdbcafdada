"""The company reply portal: one-time links by e-mail, verification codes, the reply pages."""

from adapters.portal.delivery import PortalDelivery
from adapters.portal.mailer import DirectoryMailer, Mailer, SmtpConfig, SmtpMailer
from adapters.portal.seal import SealedPortalReplyMaker
from adapters.portal.web import PortalDeps, create_portal_app

__all__ = ["DirectoryMailer", "Mailer", "PortalDelivery", "PortalDeps", "SealedPortalReplyMaker",
           "SmtpConfig", "SmtpMailer", "create_portal_app"]
