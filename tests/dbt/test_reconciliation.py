"""Reconciliation of the 17 serving tables with the real feeds (docs/data-model.md, "rows per
capture"): every capture of the corpus, final and in-progress, is loaded into ONE database and
transformed by `dbt run` + ONE `dbt build` (models, contracts, key/relationship tests, baseball
data tests, unit tests); each table's rows for a game must then be exactly what the game's
newest capture contains, counted here from the JSON itself, and spot values must match it.

The older capture of each game captured twice is loaded and transformed first (`dbt run`):
the build must then replace every row of it by the newer capture's (incremental path, guard,
retraction sweep), and ties on captured_at (747175's re-capture) go to the higher raw_id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import orjson
import psycopg
import pytest

from kappa import postgres, raw_log
from kappa.feed import read_capture_file

from support.data import SHARED_FEEDS, requires_shared, shared_feed_files
from support.feeds import all_plays, later, read_feed, write_feed

pytestmark = requires_shared

TABLES = (
    "live_game_metadata",
    "live_game_teams",
    "live_game_venue_details",
    "live_game_umpires",
    "live_game_players",
    "live_game_team_rosters",
    "live_game_boxscore_batting",
    "live_game_boxscore_pitching",
    "live_game_linescore_innings",
    "live_game_plays",
    "live_game_pitch_events",
    "live_game_hit_data",
    "live_game_play_actions",
    "live_game_runners",
    "live_game_fielding_credits",
    "live_game_scoring_plays",
    "live_game_decisions",
)


@dataclass(frozen=True)
class LoadedCapture:
    game_pk: int
    raw_id: int
    captured_at: datetime
    document: dict


def _object(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def play_events(document: dict) -> list[dict]:
    return [event for play in all_plays(document) for event in _list(play.get("playEvents"))]


def boxscore_players(document: dict) -> list[tuple[str, dict]]:
    """(team_side, player entry) of liveData.boxscore.teams.{home,away}.players."""
    teams = _object(_object(_object(document.get("liveData")).get("boxscore")).get("teams"))
    return [
        (side, player)
        for side in ("home", "away")
        for player in _object(_object(teams.get(side)).get("players")).values()
    ]


def expected_counts(document: dict) -> dict[str, int]:
    """Rows per table for one capture, by the data model's "rows per capture" column."""
    game_data = _object(document.get("gameData"))
    live_data = _object(document.get("liveData"))
    linescore = _object(live_data.get("linescore"))
    plays = all_plays(document)
    events = play_events(document)
    players = boxscore_players(document)
    runners = [runner for play in plays for runner in _list(play.get("runners"))]
    return {
        "live_game_metadata": 1,
        "live_game_teams": len({"home", "away"} & set(_object(game_data.get("teams")))),
        "live_game_venue_details": 1,
        "live_game_umpires": len(_list(_object(live_data.get("boxscore")).get("officials"))),
        "live_game_players": len(_object(game_data.get("players"))),
        "live_game_team_rosters": len(players),
        "live_game_boxscore_batting": sum(
            1 for _, player in players if _object(player.get("stats")).get("batting")
        ),
        "live_game_boxscore_pitching": sum(
            1 for _, player in players if _object(player.get("stats")).get("pitching")
        ),
        "live_game_linescore_innings": len(_list(linescore.get("innings"))),
        "live_game_plays": len(plays),
        "live_game_pitch_events": sum(1 for event in events if event.get("isPitch") is True),
        "live_game_hit_data": sum(1 for event in events if "hitData" in event),
        "live_game_play_actions": sum(1 for event in events if event.get("isPitch") is not True),
        "live_game_runners": len(runners),
        "live_game_fielding_credits": sum(len(_list(r.get("credits"))) for r in runners),
        "live_game_scoring_plays": len(_list(_object(live_data.get("plays")).get("scoringPlays"))),
        "live_game_decisions": len(_object(live_data.get("decisions"))),
    }


def _insert(conn: psycopg.Connection, path) -> LoadedCapture:
    capture = read_capture_file(path)
    result = raw_log.insert_captures(conn, [capture])
    assert result.inserted == 1, f"{path.name} was not stored: {result}"
    return LoadedCapture(
        capture.game_pk, result.raw_ids[0], capture.captured_at, orjson.loads(capture.document)
    )


@pytest.fixture(scope="module")
def reconciliation_database(pg_server) -> Iterator[str]:
    with postgres.scratch_database("kappa_test_reconciliation") as name:
        yield name


@pytest.fixture(scope="module")
def newest(reconciliation_database, dbt) -> dict[int, LoadedCapture]:
    """ONE database for the module: every capture loaded and built; yields each game's newest
    capture (latest captured_at, ties broken by the higher raw_id). Files are loaded in name
    order, so of two captures of a game the later file is the newer (or the tie's winner)."""
    files_by_game: dict[str, list] = defaultdict(list)
    for path in shared_feed_files():
        files_by_game[path.name.split("_")[0]].append(path)
    first = [files[0] for files in files_by_game.values()]
    later = [path for files in files_by_game.values() for path in files[1:]]
    name = reconciliation_database
    with psycopg.connect(dbname=name, autocommit=True) as conn:
        raw_log.ensure_schema(conn)
        loaded = [_insert(conn, path) for path in first]
        dbt("run", database=name)  # the older captures first: the build below must replace them
        loaded += [_insert(conn, path) for path in later]
    dbt("build", database=name)
    games: dict[int, LoadedCapture] = {}
    for capture in loaded:
        current = games.get(capture.game_pk)
        key = (capture.captured_at, capture.raw_id)
        if current is None or key > (current.captured_at, current.raw_id):
            games[capture.game_pk] = capture
    return games


@pytest.fixture(scope="module")
def db(reconciliation_database, newest) -> Iterator[psycopg.Connection]:
    with psycopg.connect(dbname=reconciliation_database, autocommit=True) as conn:
        yield conn


def table_counts(conn: psycopg.Connection, game_pk: int) -> dict[str, int]:
    union = " union all ".join(
        f"select '{table}', count(*) from game.{table} where game_pk = %(game_pk)s"
        for table in TABLES
    )
    return dict(conn.execute(union, {"game_pk": game_pk}).fetchall())


def one(conn: psycopg.Connection, sql: str, *params: object) -> tuple:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row


GAME_PKS = sorted({int(path.name.split("_")[0]) for path in shared_feed_files()})


def test_corpus_has_final_and_in_progress_games(newest):
    states = {c.document["gameData"]["status"]["abstractGameState"] for c in newest.values()}
    assert {"Final", "Live"} <= states
    assert sorted(newest) == GAME_PKS


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_row_counts_match_the_newest_capture(db, newest, game_pk):
    document = newest[game_pk].document
    expected = expected_counts(document)
    assert table_counts(db, game_pk) == expected
    # every playEvent is either a pitch or an action
    events = expected["live_game_pitch_events"] + expected["live_game_play_actions"]
    assert events == len(play_events(document))


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_every_row_comes_from_the_newest_capture(db, newest, game_pk):
    capture = newest[game_pk]
    for table in TABLES:
        lineage = db.execute(
            f"select distinct raw_id, captured_at from game.{table} where game_pk = %s",
            (game_pk,),
        ).fetchall()
        assert lineage in ([], [(capture.raw_id, capture.captured_at)]), table


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_fastest_pitch(db, newest, game_pk):
    speeds = [
        event["pitchData"]["startSpeed"]
        for event in play_events(newest[game_pk].document)
        if event.get("isPitch") is True
        and isinstance(_object(event.get("pitchData")).get("startSpeed"), int | float)
    ]
    (fastest,) = one(
        db, "select max(start_speed) from game.live_game_pitch_events where game_pk = %s", game_pk
    )
    assert fastest == (max(speeds) if speeds else None)


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_home_run_launch_speeds(db, newest, game_pk):
    """Launch speed, angle and distance of every home run's batted ball."""
    expected = {}
    for play in all_plays(newest[game_pk].document):
        if _object(play.get("result")).get("eventType") != "home_run":
            continue
        for event in _list(play.get("playEvents")):
            if "hitData" in event:
                hit = event["hitData"]
                key = (play["about"]["atBatIndex"], event["index"])
                expected[key] = (
                    hit.get("launchSpeed"),
                    hit.get("launchAngle"),
                    hit.get("totalDistance"),
                )
    rows = db.execute(
        "select h.at_bat_index, h.event_index, h.launch_speed, h.launch_angle, h.total_distance"
        " from game.live_game_hit_data as h join game.live_game_plays as p"
        " using (game_pk, at_bat_index) where game_pk = %s and p.event_type = 'home_run'",
        (game_pk,),
    ).fetchall()
    assert {(a, e): tuple(rest) for a, e, *rest in rows} == expected


def test_a_known_home_run(db, newest):
    """745218 (SF @ SEA, 2024-08-24), top of the 7th: Mike Yastrzemski homers (10) on a line
    drive to right field - 105.3 mph, 22 degrees, 346 ft in the feed."""
    play = next(p for p in all_plays(newest[745218].document) if p["about"]["atBatIndex"] == 58)
    event = next(e for e in play["playEvents"] if "hitData" in e)
    hit = event["hitData"]
    assert play["matchup"]["batter"]["id"] == 573262
    assert (hit["launchSpeed"], hit["launchAngle"], hit["totalDistance"]) == (105.3, 22, 346)
    row = one(
        db,
        "select h.launch_speed, h.launch_angle, h.total_distance, h.trajectory, h.location,"
        " p.batter_id, p.event_type"
        " from game.live_game_hit_data as h join game.live_game_plays as p"
        " using (game_pk, at_bat_index)"
        " where game_pk = 745218 and at_bat_index = 58 and event_index = %s",
        event["index"],
    )
    assert row == (105.3, 22.0, 346.0, "line_drive", 9, 573262, "home_run")


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_decisions_and_winning_pitcher(db, newest, game_pk):
    decisions = _object(newest[game_pk].document["liveData"].get("decisions"))
    rows = db.execute(
        "select decision, player_id, player_name from game.live_game_decisions where game_pk = %s",
        (game_pk,),
    ).fetchall()
    assert {d: (p, n) for d, p, n in rows} == {
        key: (value["id"], value["fullName"]) for key, value in decisions.items()
    }
    if "winner" in decisions:
        (wins,) = one(
            db,
            "select wins from game.live_game_boxscore_pitching where game_pk = %s"
            " and player_id = %s",
            game_pk,
            decisions["winner"]["id"],
        )
        assert wins == 1


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_final_score(db, newest, game_pk):
    teams = newest[game_pk].document["liveData"]["linescore"]["teams"]
    rows = db.execute(
        "select team_side, runs from game.live_game_teams where game_pk = %s", (game_pk,)
    ).fetchall()
    assert dict(rows) == {side: teams[side].get("runs") for side in ("home", "away")}
    score = one(
        db, "select home_score, away_score from game.live_game_metadata where game_pk = %s", game_pk
    )
    assert score == (teams["home"].get("runs"), teams["away"].get("runs"))


@pytest.mark.parametrize("game_pk", GAME_PKS)
def test_rosters_slots_and_pitching_order(db, newest, game_pk):
    document = newest[game_pk].document
    teams = document["liveData"]["boxscore"]["teams"]
    expected = {}
    for side, player in boxscore_players(document):
        order = player.get("battingOrder")
        pitchers = teams[side]["pitchers"]
        player_id = player["person"]["id"]
        expected[(side, player_id)] = (
            int(order) if order else None,
            int(order) // 100 if order else None,
            pitchers.index(player_id) + 1 if player_id in pitchers else None,
        )
    rows = db.execute(
        "select team_side, player_id, batting_order, batting_slot, pitching_order"
        " from game.live_game_team_rosters where game_pk = %s",
        (game_pk,),
    ).fetchall()
    assert {(s, p): tuple(rest) for s, p, *rest in rows} == expected


def test_placeholders_become_null(db, newest):
    """Number-like strings of gameData.players (primaryNumber) are cast, others are NULL."""
    expected = {}
    for game_pk, capture in newest.items():
        for player in capture.document["gameData"]["players"].values():
            number = player.get("primaryNumber")
            expected[(game_pk, player["id"])] = (
                int(number) if isinstance(number, str) and number.isdigit() else None
            )
    rows = db.execute("select game_pk, player_id, primary_number from game.live_game_players")
    assert {(g, p): n for g, p, n in rows} == expected


def trimmed(document: dict) -> dict:
    """A later capture of the same game from which a row of every multi-row table is gone (an
    overturned play, a player, an umpire, an inning, a decision, a team side), JSON otherwise
    untouched."""
    result = later(document, 60)
    game_data, live_data = result["gameData"], result["liveData"]
    plays = live_data["plays"]
    last = plays["allPlays"].pop()["about"]["atBatIndex"]
    first_events = plays["allPlays"][0]["playEvents"]
    first_events.remove(next(event for event in first_events if not event.get("isPitch")))
    plays["scoringPlays"] = [index for index in plays["scoringPlays"] if index != last]
    plays["scoringPlays"].pop()
    away = live_data["boxscore"]["teams"]["away"]["players"]
    for key in [key for key, player in away.items() if player["stats"]["batting"]][:1]:
        del away[key]
    for key in [key for key, player in away.items() if player["stats"]["pitching"]][:1]:
        del away[key]
    del game_data["players"][next(iter(game_data["players"]))]
    del game_data["teams"]["away"]
    live_data["boxscore"]["officials"].pop()
    live_data["linescore"]["innings"].pop()
    live_data["decisions"].pop("loser")
    return result


def test_a_newer_capture_retracts_rows_in_every_table(conn, dbt, tmp_path):
    """Rows the newer capture no longer contains are deleted from all 17 tables."""
    path = SHARED_FEEDS / "744914_final_20240701_214404.json"
    _insert(conn, path)
    dbt("run")
    newer = trimmed(read_feed(path))
    capture = _insert(conn, write_feed(newer, tmp_path / "744914_trimmed.json"))
    dbt("run")
    counts = table_counts(conn, 744914)
    assert counts == expected_counts(newer)
    assert all(
        counts[table] < count
        for table, count in expected_counts(read_feed(path)).items()
        if table not in ("live_game_metadata", "live_game_venue_details")
    )
    for table in TABLES:
        lineage = conn.execute(f"select distinct raw_id from game.{table}").fetchall()
        assert lineage == [(capture.raw_id,)], table
