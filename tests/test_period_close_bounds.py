"""Which months the period close may take (R13), before any dbt runs."""

import datetime as dt

from orchestration.period_close import CloseBounds, last_closed_month_end, months_between


def test_a_month_is_closable_once_the_watermark_reaches_its_last_day():
    assert last_closed_month_end(dt.date(2025, 6, 30)) == dt.date(2025, 6, 1)
    assert last_closed_month_end(dt.date(2025, 6, 29)) == dt.date(2025, 5, 1)
    assert last_closed_month_end(dt.date(2024, 2, 29)) == dt.date(2024, 2, 1)
    assert last_closed_month_end(None) is None


def test_closable_months_run_from_the_first_receipt_month():
    bounds = CloseBounds(dt.date(2024, 4, 15), dt.date(2024, 1, 1), frozenset({dt.date(2024, 1, 1)}))
    assert bounds.closable_months() == [dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert list(months_between(dt.date(2024, 11, 1), dt.date(2025, 1, 1))) == [
        dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1),
    ]


def test_refusals_say_why():
    bounds = CloseBounds(dt.date(2024, 4, 15), dt.date(2024, 1, 1), frozenset())
    assert bounds.refusal(dt.date(2024, 3, 1)) is None
    assert bounds.refusal(dt.date(2024, 4, 1)) == (
        "Cannot close 2024-04: the month ends 2024-04-30, after the data watermark 2024-04-15 (the latest "
        "event in the exports). A month can be closed once the exports hold events up to its last day; "
        "load the newer extracts first."
    )
    assert bounds.refusal(dt.date(2023, 12, 1)).startswith("Cannot close 2023-12: the data starts in 2024-01")
    assert CloseBounds(None, None, frozenset()).refusal(dt.date(2024, 1, 1)).startswith("No invoice events")
