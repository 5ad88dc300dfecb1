"""`kappa bench spark-models` on two games: every serving model runs on Spark over the parsed
captures, with the rows the real feeds give, and the report derives its per-capture figures."""

from __future__ import annotations

import re

from benchmarks import spark_models
from benchmarks.corpus import final_feed_files

from support.data import SAMPLE_FEEDS, SHARED_FEEDS

FEEDS = SHARED_FEEDS if SHARED_FEEDS.is_dir() else SAMPLE_FEEDS


def test_spark_models_report(spark):
    assert len(final_feed_files(FEEDS)) >= 2
    lines: list[str] = []
    spark_models.run(2, 1, FEEDS, None, echo=lines.append)
    report = lines[0]
    rows = {
        name: int(count.replace(",", ""))
        for name, count in re.findall(r"(live_game_\w+) .* ([\d,]+) rows", report)
    }
    assert len(rows) == 17, report
    # two distinct final games: one metadata and venue row each, two teams each, and plays
    assert rows["live_game_metadata"] == rows["live_game_venue_details"] == 2
    assert rows["live_game_teams"] == 4
    assert rows["live_game_pitch_events"] > rows["live_game_plays"] > 100
    per_capture = re.search(r"= (\d+) ms\n", report)
    assert per_capture and int(per_capture.group(1)) > 0, report
    assert re.search(r"allows at most [\d.]+ final captures/s", report), report
