{#- R10: payment details compared "once spaces are removed and letters upper-cased". Spaces,
    tabs, line breaks and no-break spaces are removed (one character class, one pass); upper()
    knows æ, ø, å. Applied to both the invoice's and the supplier's registered details. -#}
{% macro normalized_payment_info(column) -%}
    upper(regexp_replace({{ column }}, '[ \t\r\n\xa0]+', '', 'g'))
{%- endmacro %}
