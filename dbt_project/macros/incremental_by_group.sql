{#-
  Marts incremental by group: an aggregate whose every group (a month) is computed from the rows of
  one input with the same group key (docs/architecture.md, "Incremental models"). The R15 marts
  aggregate every invoice paid by D, month by month, with medians; a daily run changes the rows of
  a month or two. So a run recomputes only the groups whose input rows changed.

  Which groups changed is found by comparing, per group, the count and a checksum (the sum of
  hash(row)) of the input's rows now with those of the last build, kept in
  incremental.group_checksums. Nothing hangs on load ids or the reporting date: a new, changed or
  removed invoice, an undone load, a new D (invoices paid between the two dates) all change the
  rows of their group, and a group that loses all its rows is deleted. A change to the model's
  code, or to the code, seeds or vars upstream of it (build_fingerprint), recomputes every group.

  In a model:

    {{ incremental_by_group('month', {'ref': 'int_invoice_dwell_intervals', 'key': 'paid_month'}) }}
    ... from {{ ref('int_invoice_dwell_intervals') }} where {{ changed_groups_only('paid_month') }}

  The hooks:
    1. before the model's transaction, committed on its own (as reset_incremental_model, for the
       same reason): when the fingerprint differs or nothing is kept, every row of the model and
       its checksums go.
    2. in the transaction: the input's checksums per group now into a temp table, the changed
       groups into another (logged with their count), and the model's rows of those groups
       deleted; dbt then inserts what the model computed (replace_changed_keys, macros/incremental.sql).
    3. in the transaction, after the model (also in a full build): the checksums written.
  The cost of a run is one scan of the input (count and hash per group) and the aggregate of the
  changed groups only. Two marts grouped alike over one input share that scan: a model computes
  the checksums once (`{{ group_checksums(input) }}`, a table) and each mart names it as the input's
  'checksums' (with a depends_on line: a ref in a hook is not seen by dbt's parser).
-#}

{% macro incremental_by_group(key, input) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_changed_keys',
        unique_key=key,
        on_schema_change='append_new_columns',
        meta={'changed_groups': {'key': key, 'input': input}},
        pre_hook=[before_begin("{{ reset_grouped_model() }}"), "{{ prepare_changed_groups() }}"],
        post_hook=["{{ record_group_checksums() }}"]
    ) }}
{% endmacro %}

{% macro changed_groups_spec() %}
    {{ return((config.get('meta') or {}).get('changed_groups')) }}
{% endmacro %}

{% macro group_checksums_relation() %}
    {{ return(api.Relation.create(database=target.database, schema='incremental', identifier='group_checksums')) }}
{% endmacro %}

{#- Run once at the start of every dbt invocation (on-run-start), with the watermarks. -#}
{% macro create_group_checksums_if_missing() -%}
    create schema if not exists {{ group_checksums_relation().without_identifier() }};
    create table if not exists {{ group_checksums_relation() }} (
        model varchar,        -- the grouped model
        group_key varchar,    -- one group (its key as text)
        row_count bigint,     -- the input's rows of the group at the build
        checksum varchar,     -- and the sum of their hash(row) (a hugeint, as text: DuckLake has no hugeint)
        fingerprint varchar,  -- build_fingerprint at the build
        built_at timestamp    -- when (wall clock, for people)
    );
{%- endmacro %}

{% macro current_group_checksums_relation() -%}
    temp.main.{{ adapter.quote(this.identifier ~ '__group_checksums') }}
{%- endmacro %}

{% macro changed_groups_relation() -%}
    temp.main.{{ adapter.quote(this.identifier ~ '__changed_groups') }}
{%- endmacro %}

{#- Per group of the input (its rows with the same `input.key`): the number of rows and the sum of
    their hash(row), as text (a hugeint; DuckLake has none). What prepare_changed_groups compares
    with the last build's. -#}
{% macro group_checksums(input) %}
    select
        input_rows.{{ input['key'] }} as group_key,
        count(*) as row_count,
        cast(sum(hash(input_rows)::hugeint) as varchar) as checksum
    from {{ ref(input['ref']) }} as input_rows
    group by 1
{% endmacro %}

{#- Restricts the input to the changed groups in an incremental run; `true` in a full build. -#}
{% macro changed_groups_only(key_expression) -%}
    {%- if is_incremental() -%}
        {{ key_expression }} in (select group_key from {{ changed_groups_relation() }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Hook 1, before the model's transaction: every group recomputed when the code changed. -#}
{% macro reset_grouped_model() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reason = fingerprint_reset_reason(
        group_checksums_relation(), "model = '" ~ this.identifier ~ "'",
        'it has no checksums in ' ~ group_checksums_relation()) -%}
    {{ commit_then_reset(reason, 'group', group_checksums_relation()) }}
{% endmacro %}

{#- Hook 2, in the model's transaction: the checksums now, the changed groups, their rows deleted. -#}
{% macro prepare_changed_groups() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set spec = changed_groups_spec() -%}
    {%- call statement('changed_groups', fetch_result=True, auto_begin=True) -%}
    create or replace temp table {{ current_group_checksums_relation() }} as
    {% if spec['input'].get('checksums') -%}
    select * from {{ ref(spec['input']['checksums']) }};
    {%- else -%}
    {{ group_checksums(spec['input']) }};
    {%- endif %}
    {% if is_incremental() -%}
    -- a group has changed when its count or checksum differs from the last build's, or it is new,
    -- or it has gone (no rows now: its rows in the model go and none come back)
    create or replace temp table {{ changed_groups_relation() }} as
    select now.group_key
    from {{ current_group_checksums_relation() }} as now
    left join (select * from {{ group_checksums_relation() }} where model = '{{ this.identifier }}') as kept
        on cast(now.group_key as varchar) is not distinct from kept.group_key
    where kept.group_key is null
        or now.row_count != kept.row_count
        or now.checksum != kept.checksum;
    delete from {{ this }}
    where cast({{ spec['key'] }} as varchar) in (
        select group_key from {{ group_checksums_relation() }}
        where model = '{{ this.identifier }}'
            and group_key not in (select cast(group_key as varchar) from {{ current_group_checksums_relation() }})
    )
        or {{ spec['key'] }} in (select group_key from {{ changed_groups_relation() }});
    select count(*) from {{ changed_groups_relation() }}
    {%- else -%}
    select count(*) from {{ current_group_checksums_relation() }}
    {%- endif -%}
    {%- endcall -%}
    {%- do log(this.identifier ~ ': ' ~ load_result('changed_groups')['table'].rows[0][0] ~ ' ' ~ spec['key']
              ~ ' group(s) to compute', info=True) -%}
{% endmacro %}

{#- Hook 3, in the model's transaction, after it (also in a full build): the checksums kept. -#}
{% macro record_group_checksums() %}
    delete from {{ group_checksums_relation() }} where model = '{{ this.identifier }}';
    insert into {{ group_checksums_relation() }} (model, group_key, row_count, checksum, fingerprint, built_at)
    select '{{ this.identifier }}', cast(group_key as varchar), row_count, checksum, '{{ build_fingerprint() }}',
        current_localtimestamp()
    from {{ current_group_checksums_relation() }};
    drop table if exists {{ current_group_checksums_relation() }};
    {% if is_incremental() -%}
    drop table if exists {{ changed_groups_relation() }};
    {%- endif %}
{% endmacro %}
