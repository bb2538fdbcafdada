"""The reference bank's errors: a bad ledger, an unknown customer, a letter it returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.domain.errors import HubError, NotFound, ValidationFailed

if TYPE_CHECKING:
    from adapters.bank_sim.conformity import ReturnReason


class LedgerInvalid(ValidationFailed):
    """The ledger file or dict is malformed; `field` is the JSON pointer of the value at fault."""

    code = "ledger_invalid"


class UnknownCustomer(NotFound):
    """The bank has no customer with this 统一社会信用代码."""

    code = "unknown_customer"

    def __init__(self, uscc: str) -> None:
        super().__init__(f"本行无统一社会信用代码为 {uscc} 的客户", field="customer_uscc")
        self.uscc = uscc


class LetterNotConforming(HubError):
    """The letter breaks a rule the bank applies: it is returned (退函), not answered."""

    code = "letter_not_conforming"

    def __init__(self, reasons: list[ReturnReason]) -> None:
        first = reasons[0]
        super().__init__(f"询证函不符合要求，予以退回：{first.text}", field=first.field)
        self.reasons = reasons
