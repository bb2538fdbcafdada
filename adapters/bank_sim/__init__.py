"""The reference bank (hub bank-sim): its ledger, and how it returns or answers letters."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Named like their modules: imported now, so that the names mean the functions, whichever
# module is imported first (importing a submodule sets the package's attribute to it).
from adapters.bank_sim.answer import FORMAT_VERSION, answer
from adapters.bank_sim.conformity import FORBIDDEN_CHARACTERS, ReturnReason, conformity

if TYPE_CHECKING:
    from adapters.bank_sim.errors import LedgerInvalid, LetterNotConforming, UnknownCustomer
    from adapters.bank_sim.hubclient import HubApiError, HubInboxClient
    from adapters.bank_sim.ledger import EXAMPLE_LEDGER, Bank, Customer, Ledger, Record, Staff
    from adapters.bank_sim.service import BankSimSettings, create_bank_app
    from adapters.bank_sim.signer import BankSigner
    from adapters.bank_sim.worker import BankWorker, HandledLetters

_MODULE_OF = {
    "LedgerInvalid": "errors", "LetterNotConforming": "errors", "UnknownCustomer": "errors",
    "HubApiError": "hubclient", "HubInboxClient": "hubclient",
    "EXAMPLE_LEDGER": "ledger", "Bank": "ledger", "Customer": "ledger", "Ledger": "ledger",
    "Record": "ledger", "Staff": "ledger",
    "BankSimSettings": "service", "create_bank_app": "service",
    "BankSigner": "signer",
    "BankWorker": "worker", "HandledLetters": "worker",
}

__all__ = [
    "EXAMPLE_LEDGER", "FORBIDDEN_CHARACTERS", "FORMAT_VERSION", "Bank", "BankSigner",
    "BankSimSettings", "BankWorker", "Customer", "HandledLetters", "HubApiError",
    "HubInboxClient", "Ledger", "LedgerInvalid", "LetterNotConforming", "Record",
    "ReturnReason", "Staff", "UnknownCustomer", "answer", "conformity", "create_bank_app",
]


def __getattr__(name: str) -> Any:
    """Each name is imported when first asked for (PEP 562): `hub` loads this package for its
    bank-sim subcommand on every command, and the bank's signer would bring in pyHanko."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
