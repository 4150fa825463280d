"""The Kvantum export contract (v1.1) in code: sources, columns, types and code lists.

The single source of truth for what a file must hold; the loader validates against it and the
generator writes to it. Mirrors ../shared/contract/EXPORTS.md.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from enum import Enum

from orchestration.settings import PROJECT_ROOT


class Kind(str, Enum):
    TEXT = "text"
    CODE = "code"
    DATE = "date"
    TIMESTAMP = "timestamp"
    AMOUNT = "amount"  # decimal, 2 places
    QUANTITY = "quantity"  # decimal, 3 places
    INTEGER = "integer"
    FLAG = "flag"


DUCKDB_TYPE = {
    Kind.TEXT: "VARCHAR",
    Kind.CODE: "VARCHAR",
    Kind.DATE: "DATE",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.AMOUNT: "DECIMAL(18,2)",
    Kind.QUANTITY: "DECIMAL(18,3)",
    Kind.INTEGER: "INTEGER",
    Kind.FLAG: "BOOLEAN",
}

DATE_FORMAT = "%d-%m-%Y"
TIMESTAMP_FORMAT = "%d-%m-%Y %H:%M:%S"



def _seed(name: str) -> list[dict[str, str]]:
    """Code lists that dbt also needs live once, as dbt seeds; the loader reads them from there."""
    with (PROJECT_ROOT / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


DEPARTMENTS = tuple(row["department"] for row in _seed("departments"))
USER_DEPARTMENTS = DEPARTMENTS + ("KS",)
INVOICE_TYPES = ("FAKTURA", "KREDITNOTA")
CHANNELS = ("NEMHANDEL", "PEPPOL", "MANUEL")
INVOICE_STATUSES = (
    "MODTAGET", "I_GODKENDELSE", "GODKENDT", "RETURNERET", "BOGFØRT", "BETALT", "AFVIST", "ANNULLERET",
)
EVENT_TYPES = (
    "MODTAGET", "TILDELT", "VIDERESENDT", "ESKALERET", "GODKENDT", "RETURNERET", "AFVIST",
    "SPÆRRET", "SPÆRRE_OPHÆVET", "KORRIGERET", "BOGFØRT", "BETALT", "ANNULLERET",
)
PO_LINE_STATUSES = ("ÅBEN", "DELVIST_MODTAGET", "MODTAGET", "LUKKET", "ANNULLERET")
# reason code -> who is responsible (the dbt seed `reason_codes`)
REASON_CODES = {row["reason_code"]: row["responsible"] for row in _seed("reason_codes")}
EXPENSE_TYPES = ("REJSE", "KØRSEL", "REPRÆSENTATION", "KURSUS", "INDKØB", "ANDET")
EXPENSE_CLAIM_STATUSES = ("INDSENDT", "GODKENDT", "RETURNERET", "AFVIST", "UDBETALT")
# events for which Årsagskode is required
EVENTS_REQUIRING_REASON = ("RETURNERET", "AFVIST", "SPÆRRET", "KORRIGERET")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    codes: tuple[str, ...] | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPE[self.kind]


@dataclass(frozen=True)
class Source:
    name: str
    key: tuple[str, ...]
    is_event: bool  # append-only events (else: versioned entities with `Ændret`)
    columns: tuple[Column, ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: Kind, required: bool = False, codes: tuple[str, ...] | None = None) -> Column:
    return Column(name, kind, required, codes)


K = Kind
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "fakturaer", ("Bilagsnummer",), False,
            (
                _c("Bilagsnummer", K.TEXT, True),
                _c("Fakturanummer", K.TEXT, True),
                _c("Fakturatype", K.CODE, True, INVOICE_TYPES),
                _c("Leverandørnummer", K.TEXT, True),
                _c("Afsendelsesdato", K.DATE),
                _c("Fakturadato", K.DATE, True),
                _c("Modtagetdato", K.DATE, True),
                _c("Forfaldsdato", K.DATE, True),
                _c("Beløb", K.AMOUNT, True),
                _c("Valuta", K.TEXT, True),
                _c("Beløb_DKK", K.AMOUNT, True),
                _c("Ordrenummer", K.TEXT),
                _c("Modtager_EAN", K.TEXT, True),
                _c("Forvaltning", K.CODE, True, DEPARTMENTS),
                _c("Kanal", K.CODE, True, CHANNELS),
                _c("Betalingsoplysning", K.TEXT),
                _c("Status", K.CODE, True, INVOICE_STATUSES),
                _c("Betalingsspærre", K.FLAG, True),
                _c("Aktuel_behandler", K.TEXT),
                _c("Bogføringsdato", K.DATE),
                _c("Betalingsdato", K.DATE),
                _c("Ændret", K.TIMESTAMP, True),
            ),
            "invoices and credit notes",
        ),
        Source(
            "fakturahaendelser", ("Hændelses_id",), True,
            (
                _c("Hændelses_id", K.TEXT, True),
                _c("Bilagsnummer", K.TEXT, True),
                _c("Tidspunkt", K.TIMESTAMP, True),
                _c("Hændelse", K.CODE, True, EVENT_TYPES),
                _c("Fra_bruger", K.TEXT),
                _c("Til_bruger", K.TEXT),
                _c("Årsagskode", K.CODE, False, tuple(REASON_CODES)),
                _c("Kommentar", K.TEXT),
            ),
            "invoice workflow events",
        ),
        Source(
            "indkoebsordrer", ("Ordrenummer", "Linjenummer"), False,
            (
                _c("Ordrenummer", K.TEXT, True),
                _c("Linjenummer", K.INTEGER, True),
                _c("Leverandørnummer", K.TEXT, True),
                _c("Forvaltning", K.CODE, True, DEPARTMENTS),
                _c("Oprettet_dato", K.DATE, True),
                _c("Oprettet_af", K.TEXT, True),
                _c("Varetekst", K.TEXT),
                _c("Postgruppe", K.TEXT),
                _c("Er_gebyr", K.FLAG, True),
                _c("Antal", K.QUANTITY, True),
                _c("Enhedspris", K.AMOUNT, True),
                _c("Linjebeløb", K.AMOUNT, True),
                _c("Status", K.CODE, True, PO_LINE_STATUSES),
                _c("Ændret", K.TIMESTAMP, True),
            ),
            "purchase-order lines",
        ),
        Source(
            "varemodtagelser", ("Varemodtagelses_id",), True,
            (
                _c("Varemodtagelses_id", K.TEXT, True),
                _c("Ordrenummer", K.TEXT, True),
                _c("Linjenummer", K.INTEGER, True),
                _c("Modtaget_dato", K.DATE, True),
                _c("Antal", K.QUANTITY, True),
                _c("Registreret_af", K.TEXT),
            ),
            "goods receipts",
        ),
        Source(
            "leverandoerer", ("Leverandørnummer",), False,
            (
                _c("Leverandørnummer", K.TEXT, True),
                _c("CVR", K.TEXT),
                _c("Navn", K.TEXT, True),
                _c("Land", K.TEXT, True),
                _c("Registreret_betalingsoplysning", K.TEXT),
                _c("Kræver_ordrenummer", K.FLAG, True),
                _c("Ændret", K.TIMESTAMP, True),
            ),
            "suppliers",
        ),
        Source(
            "brugere", ("Bruger_id",), False,
            (
                _c("Bruger_id", K.TEXT, True),
                _c("Navn", K.TEXT, True),
                _c("Forvaltning", K.CODE, True, USER_DEPARTMENTS),
                _c("Enhed", K.TEXT),
                _c("Leder_id", K.TEXT),
                _c("Kvantum_adgang", K.FLAG, True),
                _c("Ændret", K.TIMESTAMP, True),
            ),
            "users",
        ),
        # v1.1, optional: a drop folder without any udlaeg file is complete (its marts are empty)
        Source(
            "udlaeg", ("Udlægsnummer",), False,
            (
                _c("Udlægsnummer", K.TEXT, True),
                _c("Bruger_id", K.TEXT, True),
                _c("Forvaltning", K.CODE, True, DEPARTMENTS),
                _c("Udgiftsdato", K.DATE, True),
                _c("Indsendt_dato", K.DATE, True),
                _c("Beløb_DKK", K.AMOUNT, True),
                _c("Udgiftstype", K.CODE, True, EXPENSE_TYPES),
                _c("Formål", K.TEXT),
                _c("Kvittering", K.FLAG, True),
                _c("Deltagere", K.TEXT),
                _c("Godkender", K.TEXT),
                _c("Status", K.CODE, True, EXPENSE_CLAIM_STATUSES),
                _c("Godkendt_dato", K.DATE),
                _c("Udbetalt_dato", K.DATE),
                _c("Ændret", K.TIMESTAMP, True),
            ),
            "employee expense claims (udlæg)",
        ),
    )
}

FILE_NAME_PATTERN = re.compile(r"^(?P<source>[a-z]+)_(?P<date>\d{8})\.csv$")
