"""Payment means of an e-invoice: the FI-card check digit, the account rules and the payment text
(../shared/contract/EINVOICES.md, "Findings"). Pure functions of the document, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# EINVOICES.md: the PaymentMeansCode values a Danish buyer accepts (PAYMENT_CODE_NOT_ALLOWED is
# decided in dbt, which knows the supplier; the list lives in the dbt var of the same name).
GIRO_CARD_TYPES = ("01", "04", "15")
FIK_CARD_TYPES = ("71", "73", "75")
# card types whose payment id ends in a modulus-10 check digit
CHECK_DIGIT_CARD_TYPES = ("04", "15", "71", "75")
_DIGITS = re.compile(r"\d+")


def _digits(value: str | None, low: int, high: int | None = None) -> bool:
    """`value` is all digits, between `low` and `high` (default `low`) of them."""
    high = low if high is None else high
    return value is not None and bool(_DIGITS.fullmatch(value)) and low <= len(value) <= high


def fi_check_digit(digits: str) -> int:
    """The modulus-10 check digit of the FI standard (FI-kort, "indbetalingskort") over `digits`.

    Luhn: from the rightmost digit leftwards, weights 2, 1, 2, 1, ...; a product of two digits
    counts as the sum of its digits; the check digit is (10 - sum mod 10) mod 10. EINVOICES.md
    fixes this weighting (the FI standard of the Danish banks, as published by Nets/Mastercard
    Payment Services in "Indbetalingskort: Kontrolciffer, modulus 10").
    """
    if digits and not _DIGITS.fullmatch(digits):
        raise ValueError(f"not a string of digits: {digits!r}")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def fi_check_digit_ok(payment_id: str) -> bool:
    """The last digit of an all-digit payment id is the check digit of the digits before it."""
    return _DIGITS.fullmatch(payment_id) is not None and (
        int(payment_id[-1]) == fi_check_digit(payment_id[:-1])
    )


@dataclass(frozen=True)
class PaymentMeans:
    """One `cac:PaymentMeans`, with the fields the contract reads, already mapped per syntax:
    `card_type`, `payment_ref` (the payment id of a card) and `account` (IBAN, account number,
    giro account or creditor number) are where EINVOICES.md says they are for the syntax."""

    position: int  # 1, 2, ... in document order
    code: str | None  # cbc:PaymentMeansCode
    payment_id: str | None  # cbc:PaymentID as written
    instruction_id: str | None  # cbc:InstructionID (OIOUBL 2.x)
    channel_code: str | None  # cbc:PaymentChannelCode (OIOUBL 2.x)
    payee_account: str | None  # cac:PayeeFinancialAccount/cbc:ID
    credit_account: str | None  # cac:CreditAccount/cbc:AccountID (OIOUBL 2.x)
    branch_id: str | None  # cac:FinancialInstitutionBranch/cbc:ID (the registration number for 42)
    bic: str | None  # FinancialInstitution/cbc:ID, else FinancialInstitutionBranch/cbc:ID
    card_type: str | None
    payment_ref: str | None
    account: str | None

    @property
    def text(self) -> str:
        """The payment text: the ERP's own form of payment details (EINVOICES.md)."""
        code = self.code or ""
        if code == "42":
            return f"REG {self.branch_id or ''} KONTO {self.account or ''}"
        if code == "31":
            return f"IBAN {self.account or ''}"
        if code == "93":
            return f"FIK +{self.card_type or ''}<{self.payment_ref or ''}+{self.account or ''}<"
        if code == "50":
            return f"GIRO +{self.card_type or ''}<{self.payment_ref or ''}+{self.account or ''}<"
        if code == "97":
            return "NEMKONTO"
        return f"CODE {code}"

    def account_problem(self) -> str | None:
        """Why the account data do not fit the code (PAYMENT_ACCOUNT_INVALID), or None."""
        code = self.code
        if code == "31":
            if not self.account:
                return "code 31 without an IBAN"
            if not self.bic:
                return "code 31 without a BIC"
        elif code == "42":
            if not _digits(self.branch_id, 4):
                return f"code 42 with registration number {self.branch_id!r}"
            if not _digits(self.account, 1, 10):
                return f"code 42 with account {self.account!r}"
        elif code == "50":
            if self.card_type not in GIRO_CARD_TYPES:
                return f"code 50 with card type {self.card_type!r}"
            if not _digits(self.account, 7, 8):
                return f"code 50 with giro account {self.account!r}"
            if self.card_type in ("04", "15") and not _digits(self.payment_ref, 16):
                return f"code 50 card {self.card_type} with payment id {self.payment_ref!r}"
        elif code == "93":
            if self.card_type not in FIK_CARD_TYPES:
                return f"code 93 with card type {self.card_type!r}"
            if not _digits(self.account, 8):
                return f"code 93 with creditor number {self.account!r}"
            if self.card_type == "71" and not _digits(self.payment_ref, 15):
                return f"code 93 card 71 with payment id {self.payment_ref!r}"
            if self.card_type == "75" and not _digits(self.payment_ref, 16):
                return f"code 93 card 75 with payment id {self.payment_ref!r}"
        elif code == "97":
            if self.payee_account or self.credit_account:
                return f"code 97 with account {(self.payee_account or self.credit_account)!r}"
        return None

    def check_digit_problem(self) -> str | None:
        """A card payment id whose last digit is not its check digit (PAYMENT_CHECK_DIGIT), or None."""
        ref = self.payment_ref
        if (
            self.code in ("50", "93")
            and self.card_type in CHECK_DIGIT_CARD_TYPES
            and ref
            and _DIGITS.fullmatch(ref)
            and not fi_check_digit_ok(ref)
        ):
            return ref
        return None


def with_check_digit(ref: str) -> str:
    """`ref` with its last digit replaced by the check digit of the digits before it."""
    return ref[:-1] + str(fi_check_digit(ref[:-1]))
