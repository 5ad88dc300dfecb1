"""Documents with missing sections, nulls and numbers written as strings give rows with NULLs,
never a failed build or a dropped row."""

from __future__ import annotations

from kappa import loader

from support.data import SAMPLE_FEEDS
from support.feeds import expected_counts, read_feed, write_feed

FEED = SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"


def stringify_numbers(value):
    """Every JSON number below `value` written as a string, as the API does for some fields."""
    if isinstance(value, dict):
        return {key: stringify_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringify_numbers(item) for item in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return str(value)


def test_missing_sections_nulls_and_string_numbers(conn, dbt, tmp_path):
    original = read_feed(FEED)

    no_plays = dict(original, gamePk=1)
    no_plays["liveData"] = {k: v for k, v in original["liveData"].items() if k != "plays"}
    no_plays["gameData"] = {k: v for k, v in original["gameData"].items() if k != "status"}

    null_all_plays = dict(original, gamePk=2)
    null_all_plays["liveData"] = dict(original["liveData"], plays={"allPlays": None})
    null_all_plays["liveData"]["linescore"] = None

    strings = dict(original, gamePk=3)
    strings["liveData"] = stringify_numbers(original["liveData"])
    strings["gameData"] = dict(
        original["gameData"], weather={"temp": "-", "condition": None}, game={"season": ".---"}
    )

    for index, document in enumerate((no_plays, null_all_plays, strings)):
        write_feed(document, tmp_path / f"{index}.json")
    assert loader.load_paths(conn, [tmp_path]).loaded == 3
    dbt("build")

    metadata = {
        row[0]: row[1:]
        for row in conn.execute(
            "select game_pk, abstract_game_state, home_score, season, weather_temp_f,"
            " weather_condition, venue_id from game.live_game_metadata"
        )
    }
    assert metadata[1][0] is None and metadata[1][1] == 1  # no status: NULL, the rest is there
    assert metadata[2][1] is None  # null linescore
    assert metadata[3][1:5] == (1, None, None, None)  # ".---" and "-" are NULL, not errors
    assert metadata[3][5] == original["gameData"]["venue"]["id"]

    plays = dict(
        conn.execute("select game_pk, count(*) from game.live_game_plays group by game_pk")
    )
    assert 1 not in plays and 2 not in plays
    assert plays[3] == expected_counts(original)["live_game_plays"]

    # numbers sent as strings are cast like numbers
    fastest, balls = conn.execute(
        "select max(start_speed), sum(balls) from game.live_game_pitch_events where game_pk = 3"
    ).fetchone()
    pitches = [
        event
        for play in original["liveData"]["plays"]["allPlays"]
        for event in play["playEvents"]
        if event.get("isPitch")
    ]
    assert fastest == max(e["pitchData"]["startSpeed"] for e in pitches if "pitchData" in e)
    assert balls == sum(e["count"]["balls"] for e in pitches)
