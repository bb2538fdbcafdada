"""The reference bank (hub bank-sim): its ledger, and how it returns or answers letters."""

from adapters.bank_sim.answer import FORMAT_VERSION, answer
from adapters.bank_sim.conformity import FORBIDDEN_CHARACTERS, ReturnReason, conformity
from adapters.bank_sim.errors import LedgerInvalid, LetterNotConforming, UnknownCustomer
from adapters.bank_sim.ledger import EXAMPLE_LEDGER, Bank, Customer, Ledger, Record, Staff

__all__ = [
    "EXAMPLE_LEDGER", "FORBIDDEN_CHARACTERS", "FORMAT_VERSION", "Bank", "Customer", "Ledger",
    "LedgerInvalid", "LetterNotConforming", "Record", "ReturnReason", "Staff", "UnknownCustomer",
    "answer", "conformity",
]
