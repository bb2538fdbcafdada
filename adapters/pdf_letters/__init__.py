"""The letter maker (hub.ports.LetterMaker): render, then the audited entity's and the firm's
PAdES signatures."""

from adapters.pdf_letters.maker import DevKeyring, SignedLetterMaker

__all__ = ["DevKeyring", "SignedLetterMaker"]
