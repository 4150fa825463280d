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
