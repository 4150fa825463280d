-- R9: the late-payment rate is the reference rate + 8 percentage points (renteloven § 5). The
-- models use statutory_rate_pct; this keeps the seed's two columns consistent.
select *
from {{ ref('statutory_interest_rates') }}
where statutory_rate_pct <> reference_rate_pct + 8
