{#-
  Money rounding without floating point: `numerator / divisor` rounded to 2 decimals, half away
  from zero, as DECIMAL(18,2). DuckDB turns a DECIMAL division into a DOUBLE, whose rounding can
  miss a half-cent tie; here the division is done on integers of 1/10000 units instead.
  `numerator` is a DECIMAL with at most 4 decimals; `divisor` a positive integer literal.
  (R9: interest = sum of DKK x percent x days, divided by 100 x 365, rounded per invoice.)
-#}
{% macro round_half_up_division(numerator, divisor) -%}
    cast(
        sign({{ numerator }})
        * ((abs(cast(({{ numerator }}) * 10000 as hugeint)) + {{ divisor * 50 }}) // {{ divisor * 100 }})
        * 0.01
        as decimal(18, 2)
    )
{%- endmacro %}
