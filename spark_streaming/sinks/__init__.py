"""The two sinks of a micro-batch: Postgres (postgres.py) and Delta Lake (delta.py)."""
