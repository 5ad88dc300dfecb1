"""Each cross-db macro, rendered by dbt for each engine and run there: same input, same output.

The SQL below is engine-neutral (it only calls the macros); dbt renders it with `compile
--inline` for the postgres and the spark target, and the test runs the result on a real
Postgres and on the test run's SparkSession."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import psycopg
import pytest

DOCUMENT = {
    "a": {
        "b": "x",
        "n": 95.3,
        "i": 12,
        "s_int": "72",
        "dash": ".---",
        "dash2": "-.--",
        "frac": ".300",
        "exp": -1.5e-3,
        "t": True,
        "f": False,
        "null": None,
        "date": "2024-07-01",
        "ts": "2024-07-01T19:07:22.123Z",
        "word": "abc",
        "decimal_string": "12.5",
        "nan": "NaN",
    },
    "arr": [{"v": 1}, {"v": 2}, {"v": 3}],
    "obj": {"ID1": {"v": 10}, "ID2": {"v": 20}},
    "null_array": None,
}

# (sql expression over the parsed document `d`, expected value)
SCALARS = {
    "json_text('d', 'a.b')": "x",
    "json_text('d', 'a.n')": "95.3",
    "json_text('d', 'a.t')": "true",
    "json_text('d', 'a.null')": None,
    "json_text('d', 'a.missing.deeper')": None,
    "json_typed('d', 'a.i', 'int')": 12,
    "json_typed('d', 'a.s_int', 'int')": 72,
    "json_typed('d', 'a.dash', 'int')": None,
    "json_typed('d', 'a.decimal_string', 'int')": None,
    "json_typed('d', 'a.word', 'int')": None,
    "json_typed('d', 'a.i', 'bigint')": 12,
    "json_typed('d', 'a.n', 'double')": 95.3,
    "json_typed('d', 'a.i', 'double')": 12.0,
    "json_typed('d', 'a.dash', 'double')": None,
    "json_typed('d', 'a.dash2', 'double')": None,
    "json_typed('d', 'a.frac', 'double')": 0.3,
    "json_typed('d', 'a.exp', 'double')": -0.0015,
    "json_typed('d', 'a.decimal_string', 'double')": 12.5,
    "json_typed('d', 'a.nan', 'double')": None,
    "json_typed('d', 'a.word', 'double')": None,
    "json_typed('d', 'a.t', 'double')": None,
    "json_typed('d', 'a.null', 'double')": None,
    "json_typed('d', 'obj', 'double')": None,
    "json_typed('d', 'arr', 'double')": None,
    "json_typed('d', 'a.t', 'boolean')": True,
    "json_typed('d', 'a.f', 'boolean')": False,
    "json_typed('d', 'a.word', 'boolean')": None,
    "json_typed('d', 'a.date', 'date')": date(2024, 7, 1),
    "json_typed('d', 'a.word', 'date')": None,
    "json_typed('d', 'a.ts', 'timestamp')": datetime(2024, 7, 1, 19, 7, 22, 123000),
    "json_typed('d', 'a.date', 'timestamp')": None,
    "json_typed('d', 'a.b', 'text')": "x",
    "json_text(kappa.json_get('d', 'a'), 'b')": "x",
}

ROWS = {
    "explode_array": (
        "select e.pos, {{ kappa.json_typed('e.value', 'v', 'int') }} from input"
        " {{ kappa.json_explode('input.d', 'arr', 'e') }}",
        [(0, 1), (1, 2), (2, 3)],
    ),
    "explode_null": (
        "select e.pos from input {{ kappa.json_explode('input.d', 'null_array', 'e') }}",
        [],
    ),
    "explode_object": (
        "select e.pos from input {{ kappa.json_explode('input.d', 'obj', 'e') }}",
        [],
    ),
    "explode_missing": (
        "select e.pos from input {{ kappa.json_explode('input.d', 'no.where', 'e') }}",
        [],
    ),
    "each_object": (
        "select x.key, {{ kappa.json_typed('x.value', 'v', 'int') }} from input"
        " {{ kappa.json_each('input.d', 'obj', 'x') }}",
        [("ID1", 10), ("ID2", 20)],
    ),
    "each_array": ("select x.key from input {{ kappa.json_each('input.d', 'arr', 'x') }}", []),
}

DOCUMENT_LITERAL = orjson.dumps(DOCUMENT).decode().replace("'", "''")
RAW_COLUMN = {  # how the raw log's `data` column arrives on each engine
    "postgres": f"cast('{DOCUMENT_LITERAL}' as jsonb)",
    "spark": f"'{DOCUMENT_LITERAL}'",
}


def render(dbt, target: str, select: str) -> str:
    sql = f"with input as (select {{{{ kappa.json_doc(var('raw_column')) }}}} as d)\n{select}"
    raw_column = orjson.dumps({"raw_column": RAW_COLUMN[target]}).decode()
    result = dbt(
        "compile", "--target", target, "--no-introspect", "--vars", raw_column, "--inline", sql
    )
    return result.result.results[0].node.compiled_code


def scalar_select() -> str:
    columns = ",\n".join(
        f"{{{{ kappa.{expression} }}}} as c{index}" for index, expression in enumerate(SCALARS)
    )
    return f"select {columns} from input"


def normalise(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def run_postgres(sql: str) -> list[tuple]:
    with psycopg.connect() as connection:
        return [tuple(map(normalise, row)) for row in connection.execute(sql).fetchall()]


def run_spark(spark, sql: str) -> list[tuple]:
    return [tuple(map(normalise, row)) for row in spark.sql(sql).collect()]


@pytest.fixture(params=["postgres", "spark"])
def engine(request, database):
    if request.param == "postgres":
        return "postgres", run_postgres
    spark = request.getfixturevalue("spark")
    return "spark", lambda sql: run_spark(spark, sql)


def test_scalar_macros(engine, dbt):
    target, run = engine
    (row,) = run(render(dbt, target, scalar_select()))
    assert dict(zip(SCALARS, row, strict=True)) == SCALARS


@pytest.mark.parametrize("case", sorted(ROWS))
def test_row_macros(engine, dbt, case):
    target, run = engine
    select, expected = ROWS[case]
    assert sorted(run(render(dbt, target, select))) == expected


def test_unsupported_type_names_the_choices(database, dbt, capfd):
    dbt(
        "compile",
        "--inline",
        "select {{ kappa.json_typed('d', 'a', 'money') }}",
        expect_fail=True,
    )
    message = capfd.readouterr().out
    assert "json_typed: type 'money' not supported on postgres" in message
    assert "int, bigint, double, boolean, date, timestamp, text" in message
