"""`kappa stream --reset`: an exact replay. The query's checkpoint and Delta outbox are removed
and the chosen sinks' serving tables are emptied, so the replay from the first capture gives
exactly the tables of a full refresh: also without the rows that a changed model no longer
produces (the guarded merge retracts only rows older than their game's newest capture, never
rows of that capture).

- Postgres: the serving tables are dropped in one transaction; `stream.prepare` creates them
  again with the current models' DDL (dbt run over an empty log), as a full refresh would.
- Delta: the serving tables' directories are removed (their history with them); the replay's
  first batch creates them from its output, as in a fresh lake.

The checkpoint goes first: a crash in between leaves a replay from the first capture into the
old tables (the previous behaviour of --reset), never old offsets over emptied tables."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from kappa import postgres
from spark_streaming.plan import StreamPlan

logger = logging.getLogger(__name__)


def remove_stream_state(path: Path) -> None:
    if path.exists():
        logger.info("reset: removing %s (replay from the first capture)", path)
        shutil.rmtree(path)


def drop_postgres_tables(plan: StreamPlan, database: str | None) -> None:
    targets = [model.merges["postgres"].target for model in plan.models]
    logger.info("reset: dropping the Postgres serving tables %s", ", ".join(targets))
    with postgres.connect(dbname=database) as conn, conn.transaction():
        conn.execute(f"drop table if exists {', '.join(targets)}")


def remove_delta_tables(plan: StreamPlan) -> None:
    for model in plan.models:
        location = model.merges["delta"].location
        if location and Path(location).exists():
            logger.info("reset: removing Delta table %s", location)
            shutil.rmtree(location)


def reset_sinks(
    plan: StreamPlan, sinks: tuple[str, ...], stream_state: list[Path], database: str | None
) -> None:
    """Remove the query's checkpoint and outbox (`stream_state`), then empty the serving tables
    of each sink in `sinks`."""
    for path in stream_state:
        remove_stream_state(path)
    if "postgres" in sinks:
        drop_postgres_tables(plan, database)
    if "delta" in sinks:
        remove_delta_tables(plan)
