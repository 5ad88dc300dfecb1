"""Reading the serving tables in tests."""

from __future__ import annotations

import psycopg


def table_rows(connection: psycopg.Connection, table: str, order_by: str) -> list[tuple]:
    return connection.execute(f"select * from game.{table} order by {order_by}").fetchall()
