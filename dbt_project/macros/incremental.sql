{#-
  Incremental models by key: "a daily run costs what the day brought" (docs/architecture.md,
  "Incremental models"). The pattern, written once here.

  A model that does not depend on the reporting date D (staging of the events and versions, the
  per-invoice histories, the payments, the purchase orders) is built incrementally by its key (an
  invoice, a purchase order). A run recomputes only the keys that have input rows from loads newer
  than what the model has seen of that input, from all the input rows of those keys (so a window
  over a key, e.g. event_sequence, comes out as in a full build), deletes every row of those keys
  and inserts what it computed (materialized incremental, unique_key the key, incremental_strategy
  replace_changed_keys: the delete is the hook's, below, and dbt only inserts).

  Load ids. Every raw row carries the _load_id of the file load that brought it (raw.load_log);
  load ids only grow, and a load commits its raw rows and its load_log row together. Every row of
  an incremental model carries _load_id too: the newest load among the input rows it was computed
  from (a raw row its own, an aggregate the max, a join the greatest of its sides). Because a new
  raw row always has a load id above every id before it, a key whose rows change gets a row with a
  newer _load_id, and an incremental model downstream sees the key changed.

  Watermarks. incremental.watermarks holds, per model and per input, the max(_load_id) the input
  had when the model was last built (written in the model's own transaction, so it is exactly what
  the model read), plus one row per model with the fingerprint and the latest undone load it has
  seen. A key has changed when an input has a row of that key above the input's watermark. Per
  input, so that an input that seldom changes (the supplier versions) holds none back, and a model
  whose rows filter its input (the payment-block history) does not fall behind.

  In a model:

    {{ incremental_by_key('invoice_id', [
        {'source': 'fakturahaendelser', 'key': '"Bilagsnummer"'},   -- raw.<source>, key expression
        {'ref': 'stg_kvantum__invoices'},                           -- key column = the model's key
        {'ref': 'stg_kvantum__supplier_versions', 'key': 'supplier_id',
         'via': 'stg_kvantum__invoices', 'via_key': 'supplier_id'}, -- a dimension: the model's keys
    ], fingerprint_vars=['late_payment_compensation_dkk']) }}     --   whose via_key changed

    ... from <input> where {{ changed_keys_only('<key expression of the input>') }}   -- true in a full build
    select ..., {{ incremental_load_id('<the newest _load_id of the row's inputs>') }}

  An input that is itself an incremental model must keep at least one row of every key it ever
  had (the models here do: events, versions, a key's current version, its event dates); a key
  that may lose all its rows (the payments lose an invoice that becomes a credit note) would not
  be seen as changed downstream, so such a model is read by no incremental model.

  The hooks (none of it runs in a full build, but for the last one):
    1. before the model's transaction, committed on its own: the reset. Every row of the model and
       its watermarks go, so that this run recomputes every key, when a load was undone since it
       was built (orchestration/loading remove_file_load deletes raw rows, which no key-wise run
       can see, and logs status 'removed' with a new load_id), when the fingerprint differs (md5 of
       dbt's checksums of the model and of every model and seed upstream of it, and of the vars the
       model names: its SQL, an upstream model's or a seed changed), or when the model has no
       watermarks or no _load_id column (it was a plain table before). On its own because dbt
       then adds or drops columns (on_schema_change sync_all_columns) and DuckDB refuses to commit
       a transaction that deleted rows of a table and then altered it. If the run fails after it,
       the next run finds no watermarks and recomputes every key again.
    2. in the transaction: the changed keys into a temp table (`<model>__changed_keys`, logged
       with their count), and every row of those keys deleted, also of keys that no longer produce
       a row. dbt then inserts the new rows (replace_changed_keys).
    3. in the transaction, after the model (also in a full build): the watermarks written.
  `dbt build --full-refresh` (rettidig materialize --full-refresh) rebuilds them from scratch. A
  change to a macro they use (e.g. version_columns) is not in the fingerprint: full-refresh then.
-#}

{#- The incremental strategy of the models whose hook deletes every row of the keys (groups) they
    recompute before dbt inserts (incremental_by_key, incremental_by_group): insert only. dbt's
    delete+insert would delete by key once more, finding nothing, at the cost of a semi-join over
    the whole table's key column (some 10-50 million rows at 10M invoices) for every model in every
    run. The model computes rows of those keys only (its inputs are read through changed_keys_only),
    and the tests of each model's key would see a row twice. -#}
{% macro get_incremental_replace_changed_keys_sql(arg_dict) %}
    {{ return(get_incremental_append_sql(arg_dict)) }}
{% endmacro %}

{#- The model's configuration: call it at the top of an incremental model. -#}
{% macro incremental_by_key(key, changed_from, fingerprint_vars=[]) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_changed_keys',
        unique_key=key,
        on_schema_change='sync_all_columns',
        meta={'changed_keys': {'key': key, 'from': changed_from, 'fingerprint_vars': fingerprint_vars}},
        pre_hook=[before_begin("{{ reset_incremental_model() }}"), "{{ prepare_changed_keys() }}"],
        post_hook=["{{ record_watermarks() }}"]
    ) }}
{% endmacro %}

{#- The model's `changed_keys` spec (see incremental_by_key). -#}
{% macro changed_keys_spec() %}
    {{ return((config.get('meta') or {}).get('changed_keys')) }}
{% endmacro %}

{#- The temp table holding the keys this run recomputes. -#}
{% macro changed_keys_relation() -%}
    temp.main.{{ adapter.quote(this.identifier ~ '__changed_keys') }}
{%- endmacro %}

{#- Restricts an input to the changed keys in an incremental run; `true` in a full build. -#}
{% macro changed_keys_only(key_expression) -%}
    {%- if is_incremental() -%}
        {{ key_expression }} in (select {{ changed_keys_spec()['key'] }} from {{ changed_keys_relation() }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The _load_id column of a row computed from inputs whose newest _load_id is the argument. -#}
{% macro incremental_load_id(load_id_expression) -%}
    {{ load_id_expression }} as _load_id
{%- endmacro %}

{#- incremental.watermarks, and the SQL that creates it if missing: run once at the start of every
    dbt invocation (on-run-start, dbt_project.yml), before any model. Not in the models' hooks: dbt
    builds models in parallel (threads), and two transactions creating the same table conflict. -#}
{% macro watermarks_relation() %}
    {{ return(api.Relation.create(database=target.database, schema='incremental', identifier='watermarks')) }}
{% endmacro %}

{% macro create_watermarks_if_missing() -%}
    create schema if not exists {{ watermarks_relation().without_identifier() }};
    create table if not exists {{ watermarks_relation() }} (
        model varchar,        -- the incremental model
        input varchar,        -- one of its inputs; '' for the model's own row
        load_id bigint,       -- the input's max(_load_id) at the build; the own row: the latest undone load
        fingerprint varchar,  -- the own row: see build_fingerprint
        built_at timestamp    -- when (wall clock, for people)
    );
{%- endmacro %}

{#- The latest undone load (0 if none), from the loader's raw.load_log. -#}
{% macro removed_loads_high_water() -%}
    {%- set load_log = api.Relation.create(database=target.database, schema='raw', identifier='load_log') -%}
    (select coalesce(max(load_id), 0) from {{ load_log }} where status = 'removed')
{%- endmacro %}

{#- md5 of dbt's checksums of the model and of every model and seed upstream of it, and of the
    values of the vars the model names. unique_id and var_names: another model's and the vars to
    include instead (int_invoice_stable_states_due compares int_invoice_final_states'). -#}
{% macro build_fingerprint(unique_id=none, var_names=none) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set start = unique_id or model.unique_id -%}
    {%- set ns = namespace(frontier=[start], seen=[start]) -%}
    {%- for _ in range(100) -%}
        {%- set parents = [] -%}
        {%- for node_id in ns.frontier -%}
            {%- for parent in (graph.nodes[node_id].depends_on.nodes if node_id in graph.nodes else []) -%}
                {%- if parent not in ns.seen -%}
                    {%- do ns.seen.append(parent) -%}
                    {%- do parents.append(parent) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set ns.frontier = parents -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- for node_id in ns.seen | sort if node_id in graph.nodes -%}
        {%- do parts.append(node_id ~ '=' ~ graph.nodes[node_id].checksum.checksum) -%}
    {%- endfor -%}
    {%- for name in (var_names if var_names is not none else (changed_keys_spec() or {}).get('fingerprint_vars', [])) | sort -%}
        {%- do parts.append('var.' ~ name ~ '=' ~ (var(name) | string | lower)) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join(';'))) }}
{% endmacro %}

{#- An input's relation and its name in incremental.watermarks. -#}
{% macro input_relation(input) %}
    {{ return(ref(input['ref']) if 'ref' in input else source('kvantum', input['source'])) }}
{% endmacro %}

{% macro input_name(input) %}
    {{ return(input['ref'] if 'ref' in input else 'raw.' ~ input['source']) }}
{% endmacro %}

{#- The watermarks this model kept, per input name: the load ids it has seen ({} after a reset,
    or in a full build). Read before the queries that use them, and written into those as
    literals: a scan filtered on `_load_id > <literal>` skips the row groups whose _load_id is
    all older (DuckDB's zone maps: the old rows of a table, raw or incremental, sit in row groups
    of their own), where a scalar subquery reads the whole column of the input. -#}
{% macro kept_watermarks() %}
    {%- set kept = {} -%}
    {%- if is_incremental() -%}
        {%- for row in run_query("select input, max(load_id) from " ~ watermarks_relation() ~ " where model = '"
                                 ~ this.identifier ~ "' and input <> '' group by input").rows -%}
            {%- do kept.update({row[0]: row[1]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(kept) }}
{% endmacro %}

{#- One input's changed keys (see incremental_by_key), as the model's key column: those with rows
    from loads after `watermark`, the input's kept watermark (-1: every key). -#}
{% macro changed_keys_of_input(input, key, watermark) -%}
    {%- set input_key = input.get('key', key) -%}
    {%- if 'via' in input -%}
        select distinct {{ key }} from {{ ref(input['via']) }}
        where {{ input['via_key'] }} in (
            select {{ input_key }} from {{ input_relation(input) }} where _load_id > {{ watermark }}
        )
    {%- else -%}
        select distinct {{ input_key }} as {{ key }} from {{ input_relation(input) }} where _load_id > {{ watermark }}
    {%- endif -%}
{%- endmacro %}

{#- Hook 1, before the model's transaction (see the top of this file): the reset, if due. -#}
{% macro reset_incremental_model() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- set state = run_query(
        "select max(load_id), any_value(fingerprint), " ~ removed_loads_high_water() ~ " from "
        ~ watermarks_relation() ~ " where model = '" ~ this.identifier ~ "' and input = ''").rows[0] -%}
    {%- set reason = none -%}
    {%- if '_load_id' not in columns -%}
        {%- set reason = 'it has no _load_id column yet (it was built as a plain table)' -%}
    {%- elif state[0] is none -%}
        {%- set reason = 'it has no watermarks in ' ~ watermarks_relation() -%}
    {%- elif state[1] != build_fingerprint() -%}
        {%- set reason = fingerprint_changed() -%}
    {%- elif state[2] > state[0] -%}
        {%- set reason = 'a file load was undone (load ' ~ state[2] ~ ', raw.load_log status removed) since its last build' -%}
    {%- endif -%}
    {{ commit_then_reset(reason, 'key', watermarks_relation()) }}
{% endmacro %}

{#- Why a model recomputes everything when its build_fingerprint differs from the kept one. -#}
{% macro fingerprint_changed() %}
    {{ return('its code, the code or seeds upstream of it, or its vars changed since its last build') }}
{% endmacro %}

{#- The reset hooks' reason (reset_grouped_model, reset_invoice_status): `nothing_kept` when the
    model's rows in `bookkeeping` (those meeting `condition`) hold no fingerprint, fingerprint_changed()
    when theirs differs from build_fingerprint(), else none. -#}
{% macro fingerprint_reset_reason(bookkeeping, condition, nothing_kept) %}
    {%- set kept = run_query("select max(fingerprint) from " ~ bookkeeping ~ " where " ~ condition).rows[0][0] -%}
    {%- if kept is none -%}
        {{ return(nothing_kept) }}
    {%- endif -%}
    {{ return(fingerprint_changed() if kept != build_fingerprint() else none) }}
{% endmacro %}

{#- The end of a reset hook (reset_incremental_model, reset_grouped_model): commit what dbt's queries
    opened, then, when there is a reason, empty the model and what it keeps about its last build
    (`bookkeeping`, rows by model name), so that this build computes every `unit` (key, group).
    dbt-duckdb opens no transaction for a hook outside it, but a query dbt made (a column list, a
    relation cache miss) may have: committing it first makes the reset commit on its own. -#}
{% macro commit_then_reset(reason, unit, bookkeeping) %}
    {%- call statement('incremental_reset_begin', auto_begin=True) -%} select 1 {%- endcall -%}
    {%- do adapter.commit() -%}
    {%- if reason -%}
        {%- do log(this.identifier ~ ': recomputing every ' ~ unit ~ ': ' ~ reason, info=True) -%}
        delete from {{ this }};
        delete from {{ bookkeeping }} where model = '{{ this.identifier }}';
    {%- endif -%}
{% endmacro %}

{#- Hook 2, in the model's transaction (see the top of this file): the changed keys, their rows
    deleted. Runs its SQL itself (to log the count), so the hook's own SQL is empty. -#}
{% macro prepare_changed_keys() %}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set spec = changed_keys_spec() -%}
    {%- set kept = kept_watermarks() -%}
    {%- call statement('changed_keys', fetch_result=True, auto_begin=True) -%}
    -- the keys with input rows from loads after the input's watermark (every key after a reset)
    create or replace temp table {{ changed_keys_relation() }} as
    {% for input in spec['from'] -%}
    {{ 'union' if not loop.first }}
    {{ changed_keys_of_input(input, spec['key'], kept.get(input_name(input), -1)) }}
    {% endfor -%};
    -- their rows go, whether or not the key still produces one
    delete from {{ this }}
    where {{ spec['key'] }} in (select {{ spec['key'] }} from {{ changed_keys_relation() }});
    select count(*) from {{ changed_keys_relation() }}
    {%- endcall -%}
    {%- do log(this.identifier ~ ': ' ~ load_result('changed_keys')['table'].rows[0][0] ~ ' ' ~ spec['key']
              ~ ' key(s) with new input rows to recompute', info=True) -%}
{% endmacro %}

{#- Hook 3, in the model's transaction, after it (also in a full build): the watermarks. -#}
{% macro record_watermarks() %}
    {%- set spec = changed_keys_spec() -%}
    {#- an input's max(_load_id) only grows between two resets (a reset of an input resets this
        model too: its fingerprint or an undone load), so only its rows above the kept watermark
        are read -#}
    {%- set kept = kept_watermarks() -%}
    delete from {{ watermarks_relation() }} where model = '{{ this.identifier }}';
    insert into {{ watermarks_relation() }} (model, input, load_id, fingerprint, built_at)
    select '{{ this.identifier }}', '', {{ removed_loads_high_water() }}, '{{ build_fingerprint() }}', current_localtimestamp()
    {%- set names = [] -%}
    {%- for input in spec['from'] if input_name(input) not in names -%}
    {%- do names.append(input_name(input)) %}
    union all
    {%- set watermark = kept.get(input_name(input), -1) %}
    select '{{ this.identifier }}', '{{ input_name(input) }}',
        (select coalesce(max(_load_id), {{ watermark }}) from {{ input_relation(input) }} where _load_id > {{ watermark }}),
        null, current_localtimestamp()
    {%- endfor %};
    {% if is_incremental() -%}
    drop table if exists {{ changed_keys_relation() }};
    {%- endif %}
{% endmacro %}
