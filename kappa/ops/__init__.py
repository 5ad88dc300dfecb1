"""Operations: metrics (Prometheus), their history in Postgres (schema kappa_ops), the status
summary and the dashboard. Part of the core: imports nothing but kappa."""
