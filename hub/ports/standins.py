"""Named stand-ins for the parts a hub can run without (`letter_signing = "off"`).

Each is a real implementation of its port that refuses with PartSwitchedOff, saying which
setting turned the part off: a job parks with that reason (a letter waiting to be made moves
to `failed` with it), a request answers 503. No handler asks whether a part exists.
"""

from __future__ import annotations

from typing import Any

from hub.domain.errors import PartSwitchedOff
from hub.domain.model import Confirmation
from hub.ports.documents import ReplyCheck, WorkpaperInput

OFF = 'letter_signing = "off": this hub signs and checks no documents'


class NoLetterSigning:
    """LetterMaker of a hub that makes no signed letters."""

    async def make(self, confirmation: Confirmation, *, firm_name: str,
                   client_name: str) -> bytes:
        raise PartSwitchedOff(f"the letter was not made ({OFF})")


class NoReplyChecking:
    """ReplyChecker of a hub that validates no signatures."""

    async def check(self, pdf: bytes) -> ReplyCheck:
        raise PartSwitchedOff(f"the reply's signature was not checked ({OFF})")


class NoWorkpapers:
    """WorkpaperMaker of a hub that seals no workpapers."""

    async def make(self, source: WorkpaperInput) -> tuple[bytes, bytes]:
        raise PartSwitchedOff(f"the workpaper was not made ({OFF})")


class NoPortalReplies:
    """PortalReplyMaker of a hub that seals no portal replies."""

    async def make(self, record: dict[str, Any]) -> bytes:
        raise PartSwitchedOff(f"the reply could not be recorded ({OFF})")
