"""The interfaces the core needs, by role, as typing.Protocols.

`records` (what repositories read and are asked), `repositories` (and the unit of work),
`messaging` (broker, outbox, parking, the command bus), `envelope` (the message and its codec),
`documents` (blobs, letters, replies, workpapers, signing, secrets) and `clock`. The names are
re-exported here; concrete classes live with their technology, never in this package.
"""

from hub.ports.clock import Clock
from hub.ports.documents import (
    BlobStore,
    CertificateReader,
    LetterMaker,
    PortalReplyMaker,
    ReplyCheck,
    ReplyChecker,
    SecretBox,
    SheetPdfRenderer,
    WorkpaperInput,
    WorkpaperMaker,
)
from hub.ports.envelope import Envelope
from hub.ports.messaging import (
    Broker,
    CommandBus,
    Delivery,
    DeliveryCallback,
    MessageHandler,
    OutboxRow,
    OutboxStore,
    ParkedMessage,
    ParkingStore,
    Settlement,
    Subscription,
)
from hub.ports.records import (
    ApiKeyRecord,
    ChainReport,
    ConfirmationFilter,
    HistoryEntry,
    LetterRow,
    LetterTablePage,
    LetterTableQuery,
    Page,
    ResponderQuery,
)
from hub.ports.repositories import (
    ApiKeyRepository,
    ConfirmationRepository,
    DocumentRepository,
    EngagementRepository,
    Inbox,
    OrganisationRepository,
    PortalLinkRepository,
    ProcedureRepository,
    ReplyRepository,
    ResponderRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserStore,
    WebhookRepository,
)

__all__ = [
    "ApiKeyRecord", "ApiKeyRepository", "BlobStore", "Broker", "CertificateReader", "ChainReport",
    "Clock", "CommandBus", "ConfirmationFilter", "ConfirmationRepository", "Delivery",
    "DeliveryCallback", "DocumentRepository", "EngagementRepository", "Envelope", "HistoryEntry",
    "Inbox", "LetterMaker", "LetterRow", "LetterTablePage", "LetterTableQuery", "MessageHandler",
    "OrganisationRepository", "OutboxRow", "OutboxStore", "Page", "ParkedMessage",
    "ParkingStore", "PortalLinkRepository", "PortalReplyMaker", "ProcedureRepository",
    "ReplyCheck", "ReplyChecker", "ReplyRepository", "ResponderQuery", "ResponderRepository",
    "SecretBox", "Settlement", "SheetPdfRenderer", "Subscription", "UnitOfWork",
    "UnitOfWorkFactory", "UserStore", "WebhookRepository", "WorkpaperInput", "WorkpaperMaker",
]
