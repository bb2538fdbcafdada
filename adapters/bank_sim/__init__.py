"""The reference bank (hub bank-sim): its ledger, and how it returns or answers letters."""

from adapters.bank_sim.answer import FORMAT_VERSION, answer
from adapters.bank_sim.conformity import FORBIDDEN_CHARACTERS, ReturnReason, conformity
from adapters.bank_sim.errors import LedgerInvalid, LetterNotConforming, UnknownCustomer
from adapters.bank_sim.hubclient import HubApiError, HubInboxClient
from adapters.bank_sim.ledger import EXAMPLE_LEDGER, Bank, Customer, Ledger, Record, Staff
from adapters.bank_sim.service import BankSimSettings, create_bank_app
from adapters.bank_sim.signer import BankSigner
from adapters.bank_sim.worker import BankWorker, HandledLetters

__all__ = [
    "EXAMPLE_LEDGER", "FORBIDDEN_CHARACTERS", "FORMAT_VERSION", "Bank", "BankSigner",
    "BankSimSettings", "BankWorker", "Customer", "HandledLetters", "HubApiError",
    "HubInboxClient", "Ledger", "LedgerInvalid", "LetterNotConforming", "Record",
    "ReturnReason", "Staff", "UnknownCustomer", "answer", "conformity", "create_bank_app",
]
