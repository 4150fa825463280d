{#- R10: payment details compared "once spaces are removed and letters upper-cased". All
    whitespace (spaces, tabs, line breaks) is removed; upper() knows æ, ø, å. -#}
{% macro normalized_payment_info(column) -%}
    upper(regexp_replace({{ column }}, '\s', '', 'g'))
{%- endmacro %}
