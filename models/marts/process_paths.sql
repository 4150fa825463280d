-- R15 process paths: per month of payment, each pair of consecutive events (Hændelse to the next
-- Hændelse) of the invoices paid that month, up to their first BETALT: how often it occurs and the
-- median days between the two events.
-- Incremental by month (macros/incremental_by_group.sql): a run recomputes the months whose
-- invoices changed.
{{ incremental_by_group('month', {'ref': 'int_invoice_process_events', 'key': 'paid_month'}) }}
select
    paid_month                                     as month,
    event_type                                     as from_event,
    next_event_type                                as to_event,
    count(*)                                       as transitions,
    median(cast(days_to_next_event as double))     as median_days
from {{ ref('int_invoice_process_events') }}
where next_event_type is not null
    and {{ changed_groups_only('paid_month') }}
group by paid_month, event_type, next_event_type
