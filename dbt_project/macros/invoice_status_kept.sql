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
  second). Which rows to recompute is found by comparing the stamps now with those of the rows
  written, as for the final states (int_invoice_stable_states_due): a run that stopped halfway is
  made good by the next.

  Compared are not all 10 million documents at 10M (2.6 s of the day, session 16) but the
  candidates (session 17): the rows not settled when written (no stamp), the documents with a new
  version (stg_kvantum__invoices) or a new stable date or stable-date stamp
  (int_invoice_stable_dates) since the mart's last build (their _load_id above the watermark it
  kept), and those received after the last build's D. Every other row's stamp is the same now,
  because a settled row's stamp is made of those inputs and of the rules' fingerprint and the
  latest undone load, which the mart keeps too. Every document is compared when one of those
  differs, when D is earlier than the kept rows' (rows settled then may not be now), or when
  nothing is kept. The watermarks are written in the mart's transaction: a run that dies after the
  stable dates but before the mart compares the same candidates again.

  The stamps of the rows written live beside the mart, in incremental.invoice_status_stamps (one
  row per row of the mart, its invoice_id and the hash of its final state's stamp (a credit note:
  its version's load) and the mart's fingerprint, NULL for an invoice not settled, and written_in,
  the number of the build that wrote the row), not in a column of the mart, which BI reads. The
  publication to the serving file (orchestration/serving.py) replaces the rows written after it
  last published (written_in above the number it kept). The build numbers are counted in
  incremental.watermarks (model 'invoice_status (writes)', which no reset deletes), so that they
  only grow, also across a reset or a full refresh of the mart.

  The hooks:
    1. before the model's transaction, committed on its own (as reset_incremental_model, for the
       same reason): when the model's code or anything upstream of it changed (build_fingerprint,
       kept in incremental.watermarks), nothing is kept or the stamps are of an older version
       (no written_in), every row and stamp goes.
    2. in the transaction: the invoices to recompute, with their stamps now, into a temp table
       (logged with their count), and their rows deleted; dbt then inserts what the model
       computed for them (the strategy replace_changed_keys: the hook deleted them).
    3. in the transaction, after the model: D and the data watermark stamped on every row that
       does not have them yet, the stamps written, the fingerprint and watermarks kept.
  A full build (the first, or --full-refresh) computes every row and writes every stamp.
  The model names its key as incremental_by_key's models do (meta changed_keys), so that the temp
  table of the invoices to recompute and changed_keys_only (macros/incremental.sql) serve it too.
-#}

{% macro invoice_status_stamps_relation() %}
    {{ return(api.Relation.create(database=target.database, schema='incremental', identifier='invoice_status_stamps')) }}
{% endmacro %}

{#- Every document received by D with the stamp of what its row is made of: the final state of a
    settled invoice, the current version of a credit note; NULL for an invoice not settled by D (its
    row is computed at every run). The mart's fingerprint is in the stamp, so that a row computed by
    other code is never taken for the same. `candidates`: a relation of distinct invoice_ids to
    stamp; none: every document. -#}
{% macro invoice_status_stamps_now(candidates=none) %}
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
    {%- if candidates is not none %}
    -- the candidates first, in an inner join, which DuckDB keeps before the left join: as a filter
    -- after it, every document was joined with its final state first (1.9 s at 10M)
    from {{ candidates }} as candidates
    inner join {{ ref('stg_kvantum__invoices') }} as documents
        on candidates.invoice_id = documents.invoice_id
    {%- else %}
    from {{ ref('stg_kvantum__invoices') }} as documents
    {%- endif %}
    inner join (select as_of_date from {{ ref('int_as_of_dates') }} where is_reporting_date) as reporting_date
        on documents.received_date <= reporting_date.as_of_date
    left join {{ ref('int_invoice_final_states') }} as final_states
        on documents.invoice_id = final_states.invoice_id
        and final_states.as_of_date <= reporting_date.as_of_date
{% endmacro %}

{#- The inputs whose new rows (_load_id above the watermark the mart kept) make a settled row's
    stamp change: the document's version, and its stable date and the stable date's stamp. -#}
{% macro invoice_status_stamp_inputs() %}
    {{ return(['stg_kvantum__invoices', 'int_invoice_stable_dates']) }}
{% endmacro %}

{#- The model's name in incremental.watermarks for the build numbers (written_in). -#}
{% macro invoice_status_writes() %}
    {{ return("'" ~ this.identifier ~ " (writes)'") }}
{% endmacro %}

{#- Hook 1, before the model's transaction. -#}
{% macro reset_invoice_status() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reason = fingerprint_reset_reason(
        watermarks_relation(), "model = '" ~ this.identifier ~ "' and input = ''",
        'it has no fingerprint in ' ~ watermarks_relation() ~ ' (it was built as a plain table)') -%}
    {%- set stamps = adapter.get_relation(database=target.database, schema='incremental', identifier='invoice_status_stamps') -%}
    {%- if not reason and stamps is not none
          and 'written_in' not in (adapter.get_columns_in_relation(stamps) | map(attribute='name') | map('lower') | list) -%}
        {%- set reason = 'its stamps are of an older version (no written_in)' -%}
    {%- endif -%}
    {{ commit_then_reset(reason, 'invoice', watermarks_relation()) }}
    {% if reason -%}
    drop table if exists {{ invoice_status_stamps_relation() }};
    {%- endif %}
    create table if not exists {{ invoice_status_stamps_relation() }} (invoice_id varchar, stamp ubigint, written_in bigint);
{% endmacro %}

{#- The candidates of hook 2 (see the top of this file): a query of the invoice_ids whose stamp may
    have changed since the mart's last build, or none when every document is to be compared. -#}
{% macro invoice_status_candidates() %}
    {%- set kept = {} -%}
    {%- for row in run_query("select input, load_id, fingerprint from " ~ watermarks_relation()
                             ~ " where model = '" ~ this.identifier ~ "'").rows -%}
        {%- do kept.update({row[0]: row}) -%}
    {%- endfor -%}
    {%- set now = run_query(
        "select " ~ removed_loads_high_water() ~ ", (select max(as_of_date) from " ~ this ~ "), "
        ~ "(select as_of_date from " ~ ref('int_as_of_dates') ~ " where is_reporting_date)").rows[0] -%}
    {%- set inputs = invoice_status_stamp_inputs() -%}
    {%- if '' not in kept or kept[''][1] != now[0] or now[1] is none or now[2] < now[1]
          or kept.get('int_invoice_final_states', [none, none, none])[2] != final_states_fingerprint() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for input in inputs if input not in kept or kept[input][1] is none -%}
        {{ return(none) }}
    {%- endfor -%}
    {%- set parts = ["select invoice_id from " ~ invoice_status_stamps_relation() ~ " where stamp is null",
                     "select invoice_id from " ~ ref('stg_kvantum__invoices') ~ " where received_date > date '" ~ now[1] ~ "'"] -%}
    {%- for input in inputs -%}
        {%- do parts.append("select invoice_id from " ~ ref(input) ~ " where _load_id > " ~ kept[input][1]) -%}
    {%- endfor -%}
    {{ return('(' ~ parts | join(' union ') ~ ')') }}
{% endmacro %}

{#- Hook 2, in the model's transaction: the invoices to recompute, their rows deleted. -#}
{% macro prepare_invoice_status_changes() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set candidates = invoice_status_candidates() -%}
    {%- set candidates_relation = 'temp.main.' ~ adapter.quote(this.identifier ~ '__candidates') -%}
    {%- call statement('invoice_status_changes', fetch_result=True, auto_begin=True) -%}
    -- a row is recomputed when it is not a settled one now or was not one when written, when its
    -- final state's stamp changed, when it is new, or when its document is gone
    {% if candidates is not none -%}
    create or replace temp table {{ candidates_relation }} as {{ candidates }};
    {% endif -%}
    create or replace temp table {{ changed_keys_relation() }} as
    select coalesce(now.invoice_id, kept.invoice_id) as invoice_id, now.invoice_id is not null as is_received, now.stamp
    from ({{ invoice_status_stamps_now(candidates_relation if candidates is not none else none) }}) as now
    full outer join (
        select invoice_id, stamp from {{ invoice_status_stamps_relation() }}
        {%- if candidates is not none %}
        where invoice_id in (select invoice_id from {{ candidates_relation }})
        {%- endif %}
    ) as kept
        on now.invoice_id = kept.invoice_id
    where now.stamp is null or kept.stamp is null or now.stamp <> kept.stamp;
    delete from {{ this }}
    where invoice_id in (select invoice_id from {{ changed_keys_relation() }});
    select count(*), {{ '(select count(*) from ' ~ candidates_relation ~ ')' if candidates is not none else 'null' }}
    from {{ changed_keys_relation() }}
    {%- endcall -%}
    {%- set counts = load_result('invoice_status_changes')['table'].rows[0] -%}
    {%- do log(this.identifier ~ ': ' ~ counts[0]
              ~ ' invoice(s) not settled by D, with a new final state or a new credit-note version to recompute ('
              ~ ('compared: every document' if counts[1] is none else 'compared: ' ~ counts[1]
                 ~ ' not settled when written, with new loads or received since the last build') ~ ')', info=True) -%}
{% endmacro %}

{#- Hook 3, in the model's transaction, after it (also in a full build). -#}
{% macro record_invoice_status_stamps() %}
    {%- set reporting_date = "(select %s from " ~ ref('int_as_of_dates') ~ " where is_reporting_date)" %}
    {#- this build's number: one more than the last build's, whatever rows are kept -#}
    {%- set written_in = run_query("select coalesce(max(load_id), 0) + 1 from " ~ watermarks_relation()
                                   ~ " where model = " ~ invoice_status_writes()).rows[0][0] if execute else 0 %}
    update {{ this }}
    set as_of_date = {{ reporting_date % 'as_of_date' }}, data_watermark = {{ reporting_date % 'data_watermark' }}
    where as_of_date is distinct from {{ reporting_date % 'as_of_date' }}
        or data_watermark is distinct from {{ reporting_date % 'data_watermark' }};
    {% if is_incremental() -%}
    delete from {{ invoice_status_stamps_relation() }}
    where invoice_id in (select invoice_id from {{ changed_keys_relation() }});
    insert into {{ invoice_status_stamps_relation() }}
    select invoice_id, stamp, {{ written_in }} from {{ changed_keys_relation() }} where is_received;
    drop table {{ changed_keys_relation() }};
    drop table if exists temp.main.{{ adapter.quote(this.identifier ~ '__candidates') }};
    {%- else -%}
    create or replace table {{ invoice_status_stamps_relation() }} as
    select invoice_id, stamp, {{ written_in }} as written_in from ({{ invoice_status_stamps_now() }});
    {%- endif %}
    {%- set kept = kept_watermarks() %}
    delete from {{ watermarks_relation() }} where model in ('{{ this.identifier }}', {{ invoice_status_writes() }});
    insert into {{ watermarks_relation() }} (model, input, load_id, fingerprint, built_at)
    select '{{ this.identifier }}', '', {{ removed_loads_high_water() }}, '{{ build_fingerprint() }}', current_localtimestamp()
    union all
    select '{{ this.identifier }}', 'int_invoice_final_states', null, '{{ final_states_fingerprint() }}', current_localtimestamp()
    {%- for input in invoice_status_stamp_inputs() %}
    {%- set watermark = kept.get(input, -1) %}
    union all
    select '{{ this.identifier }}', '{{ input }}',
        (select coalesce(max(_load_id), {{ watermark }}) from {{ ref(input) }} where _load_id > {{ watermark }}),
        null, current_localtimestamp()
    {%- endfor %}
    union all
    select {{ invoice_status_writes() }}, '', {{ written_in }}, null, current_localtimestamp();
{% endmacro %}
