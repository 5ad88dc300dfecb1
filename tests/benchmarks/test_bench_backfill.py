"""`kappa bench backfill` on a few games: the re-keyed corpus is valid (distinct gamePks,
shifted dates, the rest of the JSON untouched) and row counts scale with the copies."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import orjson
import psycopg
import pytest

from benchmarks import backfill as bench_backfill
from benchmarks.corpus import FIRST_GAME_PK, GameTemplate, final_feed_files, rekeyed_games
from kappa.feed import parse_bytes, unwrap

from support.data import SAMPLE_FEEDS, SHARED_FEEDS

FEEDS = SHARED_FEEDS if SHARED_FEEDS.is_dir() else SAMPLE_FEEDS


@pytest.fixture(scope="module")
def two_finals(tmp_path_factory) -> Path:
    """A feeds directory with two real final games (links to the real files)."""
    directory = tmp_path_factory.mktemp("finals")
    for path in final_feed_files(FEEDS)[:2]:
        (directory / path.name).symlink_to(path)
    return directory


def _document(path: Path) -> dict:
    return unwrap(parse_bytes(path.read_bytes(), str(path)))


def test_final_feed_files_one_per_game():
    files = final_feed_files(FEEDS)
    game_pks = [path.name.split("_")[0] for path in files]
    assert files and len(game_pks) == len(set(game_pks))
    assert all("_final_" in path.name and ".pymlb_stub" not in path.name for path in files)


def test_rekeyed_games_are_distinct_and_otherwise_untouched(two_finals):
    files = final_feed_files(two_finals)
    templates = [GameTemplate.from_file(path) for path in files]
    games = list(rekeyed_games(templates, range(5)))
    assert [game.game_pk for game in games] == [FIRST_GAME_PK + n for n in range(5)]
    assert len({game.content_sha256 for game in games}) == 5
    for index, game in enumerate(games):
        cycle, which = divmod(index, len(templates))
        original = _document(files[which])
        document = orjson.loads(game.document)
        assert document["gamePk"] == document["gameData"]["game"]["pk"] == game.game_pk
        assert str(original["gamePk"]) not in document["link"]
        official = date.fromisoformat(original["gameData"]["datetime"]["officialDate"])
        shifted = (official + timedelta(days=cycle)).isoformat()
        assert document["gameData"]["datetime"]["officialDate"] == shifted
        assert document["metaData"]["timeStamp"] == game.source_timecode
        assert game.captured_at == templates[which].captured_at + timedelta(days=cycle)
        # everything else is the real document, untouched
        assert document["liveData"] == original["liveData"]
        for key in ("players", "teams", "venue", "weather", "status"):
            assert document["gameData"].get(key) == original["gameData"].get(key)


COUNTING_ETL = """\
import sys
import psycopg
assert sys.argv[1:] == ["--from-raw"], sys.argv
with psycopg.connect() as conn:
    games = conn.execute("select count(distinct game_pk) from game.live_game_v1").fetchone()[0]
print(f"counting ETL: {games} games")
"""


def test_backfill_benchmark_row_counts_scale(pg_server, two_finals, tmp_path):
    copies = 2
    etl = tmp_path / "counting_etl.py"  # a comparator that reads the benchmark's raw log
    etl.write_text(COUNTING_ETL)
    documents = [_document(path) for path in final_feed_files(two_finals)]
    plays = sum(len(doc["liveData"]["plays"]["allPlays"]) for doc in documents)
    events = sum(
        len(play.get("playEvents") or [])
        for doc in documents
        for play in doc["liveData"]["plays"]["allPlays"]
    )
    settings = bench_backfill.BackfillSettings(
        games=copies * len(documents),
        feeds_dir=two_finals,
        # the benchmark's build leaves out the unit tests, as kappa build does
        dbt_args=(
            "--select",
            "live_game_metadata live_game_plays",
            "--indirect-selection",
            "cautious",
        ),
        compare_etl=etl,
        etl_rounds=2,
    )
    report = bench_backfill.run(settings)

    assert report.dbt_success
    assert "unit_test" not in {node.resource_type for node in report.nodes}
    assert report.templates == len(documents)
    assert report.play_events == copies * events
    assert report.row_counts["live_game_metadata"] == settings.games
    assert report.row_counts["live_game_plays"] == copies * plays
    assert report.json_bytes > 0 and report.transform_seconds > 0
    assert report.memory["load"].python_mb > 0
    # round 1 times the first build, round 2 a full refresh; both ETL runs read the raw log
    assert len(report.etl_rounds) == 2
    assert report.etl_rounds[0].build_seconds == report.transform_seconds
    assert all(pair.build_seconds > 0 and pair.etl_seconds > 0 for pair in report.etl_rounds)
    assert report.etl_output == f"counting ETL: {settings.games} games"
    text = bench_backfill.format_report(report)
    assert "games/s" in text and "x read floor" in text
    assert "round 2): dbt build --full-refresh" in text and "median" in text
    with psycopg.connect(dbname="postgres") as admin:  # the scratch database is gone
        gone = admin.execute(
            "select count(*) from pg_database where datname = %s", (report.database,)
        ).fetchone()[0]
    assert gone == 0
