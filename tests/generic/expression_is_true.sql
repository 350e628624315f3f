{#
    A boolean SQL expression holds for every row. On a column, the expression is appended to
    the column (`expression: ">= 0"`); on a model, it stands alone
    (`expression: "total_charge_usd = direct_cost_usd + markup_usd"`).
    Optional `row_condition` restricts the rows checked. Fails with the rows for which it is not true
    (NULL counts as not true).
#}
{% test expression_is_true(model, expression, column_name=none, row_condition=none) %}
    select *
    from {{ model }}
    where
        not coalesce(({{ column_name ~ ' ' if column_name is not none }}{{ expression }}), false)
        {%- if row_condition %}
        and ({{ row_condition }})
        {%- endif %}
{% endtest %}
