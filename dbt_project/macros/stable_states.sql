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

{#- The spine's invoices (int_invoice_as_of_dates): each FAKTURA's current-version attributes and
    event milestones, and the day it stops being in process or unpaid. Read by the spine's query
    and by its post-hook (spine_stable_pairs). -#}
{% macro spine_invoices() %}
    select
        invoices.invoice_id,
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
    from {{ ref('stg_kvantum__invoices') }} as invoices
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
        due.invoice_id,
        due.stable_from as as_of_date,
        false           as is_reporting_date,
        false           as is_month_end,
        true            as is_stable_state,
        invoices.* exclude (invoice_id, active_until_date)
    from {{ ref('int_invoice_stable_states_due') }} as due
    inner join ({{ spine_invoices() }}) as invoices
        on due.invoice_id = invoices.invoice_id
    where due.stable_from is not null
{% endmacro %}
