"""The letter maker (hub.ports.LetterMaker): render, then the audited entity's and the firm's
PAdES signatures."""

from adapters.pdf_letters.maker import DevKeyring, SignedLetterMaker
from adapters.pdf_letters.replies import SignedReplyChecker

__all__ = ["DevKeyring", "SignedLetterMaker", "SignedReplyChecker"]
