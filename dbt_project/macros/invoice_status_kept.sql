{#-
  invoice_status kept across runs (docs/architecture.md, "invoice_status kept across runs").

  Every row of invoice_status carries D (as_of_date), so as a table rebuilt every run it wrote all
  its rows every day: at 10 million invoices 13 s of a daily run, for rows of which some 96 % did
  not change but for that date. Most rows are settled invoices: their state is their final state
  (int_invoice_final_states) with D stamped on it, the same at every later D. So the mart is
  incremental by invoice, and a run recomputes only:
    - the invoices whose row is not a settled one: invoices in process or unpaid at D (their state
      moves with D) and invoices not yet settled at D;
    - the credit notes with a new current version (a credit note's row is its version with NULL in
      every rule's column and D stamped on it: R1-R9 apply to invoices only);
    - the settled invoices whose final state is new or was computed again since their row was
      written (its stamp differs: stable date, the stable dates' _load_id, the rules' fingerprint,
      the latest undone load);
    - the documents that are gone (an undone load) or no longer received by D (an earlier D).
  The rest get the new D and data watermark in place (an UPDATE of two columns, a fraction of a
  second). Which rows to recompute is found by comparing what is there, as for the final states
  (int_invoice_stable_states_due), not by a watermark: a run that stopped halfway is made good by
  the next.

  The stamps of the rows written live beside the mart, in incremental.invoice_status_stamps (one
  row per row of the mart, its invoice_id and the hash of its final state's stamp (a credit note:
  its version's load) and the mart's fingerprint, NULL for an invoice not settled), not in a
  column of the mart, which BI reads. The publication to the serving file uses them too
  (orchestration/serving.py).

  The hooks:
    1. before the model's transaction, committed on its own (as reset_incremental_model, for the
       same reason): when the model's code or anything upstream of it changed (build_fingerprint,
       kept in incremental.watermarks) or nothing is kept, every row and stamp goes.
    2. in the transaction: the invoices to recompute, with their stamps now, into a temp table
       (logged with their count), and their rows deleted; dbt's delete+insert then inserts what
       the model computed for them.
    3. in the transaction, after the model: D and the data watermark stamped on every row that
       does not have them yet, the stamps written, the fingerprint kept.
  A full build (the first, or --full-refresh) computes every row and writes every stamp.
  The model names its key as incremental_by_key's models do (meta changed_keys), so that the temp
  table of the invoices to recompute and changed_keys_only (macros/incremental.sql) serve it too.
-#}

{% macro invoice_status_stamps_relation() %}
    {{ return(api.Relation.create(database=target.database, schema='incremental', identifier='invoice_status_stamps')) }}
{% endmacro %}

{#- Every document received by D with the stamp of what its row is made of: the final state of a
    settled invoice, the current version of a credit note; NULL for an invoice not settled by D (its
    row is computed at every run). The mart's fingerprint is in the stamp, so that the serving
    file's publication (orchestration/serving.py), which compares the stamps with those it
    published, sees a row computed by other code as changed. -#}
{% macro invoice_status_stamps_now() %}
    select
        documents.invoice_id,
        case
            when final_states.invoice_id is not null then hash(
                final_states.as_of_date, final_states.stable_load_id, final_states.rules_fingerprint,
                final_states.removed_loads_high_water, '{{ build_fingerprint() }}'
            )
            -- a credit note's row is its current version (NULL in every rule's column) with D
            -- stamped on it: the version's load is its stamp (an undone load brings back an older
            -- version, with its own load)
            when documents.invoice_type = 'KREDITNOTA' then hash(
                documents.invoice_type, documents._load_id, '{{ build_fingerprint() }}'
            )
        end as stamp
    from {{ ref('stg_kvantum__invoices') }} as documents
    inner join (select as_of_date from {{ ref('int_as_of_dates') }} where is_reporting_date) as reporting_date
        on documents.received_date <= reporting_date.as_of_date
    left join {{ ref('int_invoice_final_states') }} as final_states
        on documents.invoice_id = final_states.invoice_id
        and final_states.as_of_date <= reporting_date.as_of_date
{% endmacro %}

{#- Hook 1, before the model's transaction. -#}
{% macro reset_invoice_status() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reason = fingerprint_reset_reason(
        watermarks_relation(), "model = '" ~ this.identifier ~ "' and input = ''",
        'it has no fingerprint in ' ~ watermarks_relation() ~ ' (it was built as a plain table)') -%}
    {{ commit_then_reset(reason, 'invoice', watermarks_relation()) }}
    create table if not exists {{ invoice_status_stamps_relation() }} (invoice_id varchar, stamp ubigint);
    {% if reason -%}
    delete from {{ invoice_status_stamps_relation() }};
    {%- endif %}
{% endmacro %}

{#- Hook 2, in the model's transaction: the invoices to recompute, their rows deleted. -#}
{% macro prepare_invoice_status_changes() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- call statement('invoice_status_changes', fetch_result=True, auto_begin=True) -%}
    -- a row is recomputed when it is not a settled one now or was not one when written, when its
    -- final state's stamp changed, when it is new, or when its document is gone
    create or replace temp table {{ changed_keys_relation() }} as
    select coalesce(now.invoice_id, kept.invoice_id) as invoice_id, now.invoice_id is not null as is_received, now.stamp
    from ({{ invoice_status_stamps_now() }}) as now
    full outer join {{ invoice_status_stamps_relation() }} as kept
        on now.invoice_id = kept.invoice_id
    where now.stamp is null or kept.stamp is null or now.stamp <> kept.stamp;
    delete from {{ this }}
    where invoice_id in (select invoice_id from {{ changed_keys_relation() }});
    select count(*) from {{ changed_keys_relation() }}
    {%- endcall -%}
    {%- do log(this.identifier ~ ': ' ~ load_result('invoice_status_changes')['table'].rows[0][0]
              ~ ' invoice(s) not settled by D, with a new final state or a new credit-note version to recompute', info=True) -%}
{% endmacro %}

{#- Hook 3, in the model's transaction, after it (also in a full build). -#}
{% macro record_invoice_status_stamps() %}
    {%- set reporting_date = "(select %s from " ~ ref('int_as_of_dates') ~ " where is_reporting_date)" %}
    update {{ this }}
    set as_of_date = {{ reporting_date % 'as_of_date' }}, data_watermark = {{ reporting_date % 'data_watermark' }}
    where as_of_date is distinct from {{ reporting_date % 'as_of_date' }}
        or data_watermark is distinct from {{ reporting_date % 'data_watermark' }};
    {% if is_incremental() -%}
    delete from {{ invoice_status_stamps_relation() }}
    where invoice_id in (select invoice_id from {{ changed_keys_relation() }});
    insert into {{ invoice_status_stamps_relation() }}
    select invoice_id, stamp from {{ changed_keys_relation() }} where is_received;
    drop table {{ changed_keys_relation() }};
    {%- else -%}
    create or replace table {{ invoice_status_stamps_relation() }} as
    select invoice_id, stamp from ({{ invoice_status_stamps_now() }});
    {%- endif %}
    delete from {{ watermarks_relation() }} where model = '{{ this.identifier }}';
    insert into {{ watermarks_relation() }} (model, input, load_id, fingerprint, built_at)
    values ('{{ this.identifier }}', '', null, '{{ build_fingerprint() }}', current_localtimestamp());
{% endmacro %}
