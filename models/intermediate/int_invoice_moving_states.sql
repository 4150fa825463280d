-- The state of the invoices whose state still moves with D: the rules R1-R9 side by side
-- (int_invoice_rule_states) for the spine's pairs at the reporting date and at the month ends, i.e.
-- every pair but the settled invoices at their stable dates. A table: the join of the rules is
-- computed once a run, and int_invoice_state_as_of (a view) adds the kept final states to it
-- (docs/architecture.md, "The state of settled invoices, once").
select rule_states.* exclude (is_stable_state)
from {{ ref('int_invoice_rule_states') }} as rule_states
where not rule_states.is_stable_state
