"""Python tooling around the ai_finops dbt project (generator, price-seed builder, summaries)."""
