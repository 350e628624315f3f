{#
    The combination of `combination_of_columns` is unique: the grain of a model whose key is
    composite. Fails with one row per duplicated key, with how often it occurs.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
