{#- The state of settled invoices, kept once (docs/architecture.md, "The state of settled invoices,
    once"): int_invoice_stable_dates -> int_invoice_stable_states_due -> the spine's stable pairs ->
    the rules -> int_invoice_final_states -> int_invoice_state_as_of. -#}

{#- The rules' fingerprint for int_invoice_final_states: dbt's checksums of it and of every model
    and seed upstream of it (the rules), and the vars the rules read that do not depend on D. A
    kept final state taken under another fingerprint is computed again. -#}
{% macro final_states_fingerprint() %}
    {{ return(build_fingerprint(
        'model.' ~ project_name ~ '.int_invoice_final_states',
        ['escalation_days', 'due_date_rolls_to_next_bank_day', 'late_payment_compensation_dkk'])) }}
{% endmacro %}

{#- The kept final states (int_invoice_final_states) as they were before this run, read by
    int_invoice_stable_states_due, which is upstream of them: none when they are not built yet
    or the run is a full refresh (then every settled invoice is due). -#}
{% macro kept_final_states_relation() %}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier='int_invoice_final_states')) }}
{% endmacro %}

{#- int_invoice_final_states' post-hook: the kept states of the due invoices that are no longer
    settled go (those still settled were replaced by delete+insert). After the insert, in the
    model's transaction. -#}
{% macro drop_unsettled_final_states() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    delete from {{ this }}
    where invoice_id in (
        select invoice_id from {{ ref('int_invoice_stable_states_due') }} where stable_from is null
    )
{% endmacro %}

{#- The spine's invoices (int_invoice_as_of_dates): of the invoices in `candidates` (a relation or a
    parenthesized query with invoice_id and stable_from), each FAKTURA's current-version attributes
    and event milestones, the day it stops being in process or unpaid, and its stable date. Read by
    the spine's query and by its post-hook (spine_stable_pairs).
    The candidates come first, in an inner join with the invoices, and the event dates after them
    in a left join, which DuckDB does not reorder: so a daily run, whose candidates are some 100,000
    of 10 million invoices, keeps those rows from the first join on (2.2 s instead of 4.4 s for the
    spine at 10M: benchmarks/README.md, session 13). Session 12 restricted the spine with an inner
    join in the outer query instead; DuckDB then took the range join of every invoice with the
    as-of dates for the small side of a hash join, and 10 million invoices ran out of memory. -#}
{% macro spine_invoices(candidates) %}
    select
        invoices.invoice_id,
        candidates.stable_from,
        invoices.supplier_id,
        invoices.department,
        invoices.received_date,
        invoices.due_date,
        invoices.amount_dkk,
        invoices.po_number,
        event_dates.first_approved_date,
        event_dates.first_posted_date,
        event_dates.in_process_until_date,
        event_dates.unpaid_until_date,
        -- in process or unpaid at D exactly when D is before the later of the two end dates
        -- (an open end is "never"): the month ends that matter lie in [received_date, this)
        greatest(
            coalesce(event_dates.in_process_until_date, date '9999-12-31'),
            coalesce(event_dates.unpaid_until_date, date '9999-12-31')
        ) as active_until_date
    from {{ candidates }} as candidates
    inner join {{ ref('stg_kvantum__invoices') }} as invoices
        on candidates.invoice_id = invoices.invoice_id
    left join {{ ref('int_invoice_event_dates') }} as event_dates
        on invoices.invoice_id = event_dates.invoice_id
    where invoices.invoice_type = 'FAKTURA'
{% endmacro %}

{#- The spine's post-hook: the pairs of the settled invoices whose final state this run computes,
    each at its stable date (int_invoice_stable_states_due), added to the spine in the model's
    transaction. -#}
{% macro spine_stable_pairs() %}
    insert into {{ this }} by name
    select
        invoices.invoice_id,
        invoices.stable_from as as_of_date,
        false                as is_reporting_date,
        false                as is_month_end,
        true                 as is_stable_state,
        invoices.* exclude (invoice_id, active_until_date, stable_from)
    from ({{ spine_invoices(
        '(select invoice_id, stable_from from ' ~ ref('int_invoice_stable_states_due') ~ ' where stable_from is not null)'
    ) }}) as invoices
{% endmacro %}
