"""A scoped `kappa build --target spark` (dbt on Spark, vars game_pks): after a deliberate
corruption of two games in the Delta lake, the build scoped to one of them repairs that game and
leaves every other game exactly as it was, the other corrupted one too."""

from __future__ import annotations

from kappa import loader
from kappa.settings import Settings
from spark_streaming import lake_build

from support.corruption import by_game, corrupt
from support.data import SAMPLE_FEEDS

FINALS = [
    "744914_final_20240701_214404.json.gz",
    "747175_final_20240713_041909.json.gz",
    "822750_final_20260419_200309.json.gz",
]
REPAIRED, STILL_CORRUPT, UNTOUCHED = 744914, 747175, 822750
# the tables the corruption touches (the watermark first): a quarter of dbt-spark's models
MODELS = (
    "--select",
    "live_game_metadata live_game_plays live_game_pitch_events live_game_fielding_credits",
)


def lake_by_game(spark, lake) -> dict[str, dict[int, list[str]]]:
    result = {}
    for table_dir in sorted((lake / "game").iterdir()):
        frame = spark.read.format("delta").load(str(table_dir))
        index = frame.columns.index("game_pk")
        result[table_dir.name] = by_game(frame.collect(), index)
    return result


def games(snapshot: dict, game_pk: int) -> dict[str, list[str]]:
    return {table: rows.get(game_pk, []) for table, rows in snapshot.items()}


def test_scoped_lake_build_repairs_only_the_named_game(spark, lake, conn):
    settings = Settings.from_env()  # the test's lake (KAPPA_LAKE)
    loader.load_paths(conn, [SAMPLE_FEEDS / name for name in FINALS])
    lake_build.build(spark, settings, "run", *MODELS)
    reference = lake_by_game(spark, lake)

    def relation(table: str) -> str:
        return f"delta.`{lake / 'game' / table}`"

    columns = spark.read.format("delta").load(str(lake / "game" / "live_game_plays")).columns
    corrupt(spark.sql, relation, columns, (REPAIRED, STILL_CORRUPT))
    corrupted = lake_by_game(spark, lake)
    assert games(corrupted, REPAIRED) != games(reference, REPAIRED)

    lake_build.build(spark, settings, "run", *MODELS, variables={"game_pks": [REPAIRED]})
    after = lake_by_game(spark, lake)
    assert games(after, REPAIRED) == games(reference, REPAIRED)
    assert games(after, STILL_CORRUPT) == games(corrupted, STILL_CORRUPT)
    assert games(after, UNTOUCHED) == games(reference, UNTOUCHED)
