"""`kappa load`: real feeds into the raw log; duplicates skipped; bad files rejected, not lost."""

from __future__ import annotations

import gzip
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kappa import loader
from kappa.feed import parse_timecode

from support.data import KAPPA_CLI, SAMPLE_FEEDS, SHARED_FEEDS, requires_shared, shared_feed_files


def _documents(paths: list[Path]) -> list[dict]:
    opened = [gzip.open(p) if p.name.endswith(".gz") else p.open("rb") for p in paths]
    return [json.load(handle) for handle in opened]


@requires_shared
def test_loads_every_distinct_capture_once(conn):
    files = sorted(p for p in SHARED_FEEDS.iterdir() if p.name.endswith((".json", ".json.gz")))
    summary = loader.load_paths(conn, [SHARED_FEEDS])
    # the raw pymlb stubs wrap the same documents as their unwrapped copies: duplicates
    distinct = len(shared_feed_files())
    assert (summary.loaded, summary.duplicates, summary.rejected) == (
        distinct,
        len(files) - distinct,
        [],
    )
    again = loader.load_paths(conn, [SHARED_FEEDS])
    assert (again.loaded, again.duplicates) == (0, len(files))

    stored = conn.execute(
        "select game_pk, captured_at, source_timecode, game_state, data from game.live_game_v1"
    ).fetchall()
    expected = {
        (d["gamePk"], d["metaData"]["timeStamp"], d["gameData"]["status"]["abstractGameState"])
        for d in _documents(shared_feed_files())
    }
    assert {(row[0], row[2], row[3]) for row in stored} == expected
    for game_pk, captured_at, timecode, _, data in stored:
        assert captured_at == parse_timecode(timecode)
        assert data["gamePk"] == game_pk  # the document itself is stored, untouched


def test_captured_at_option_and_wrapped_stub(conn, tmp_path):
    document = _documents([SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"])[0]
    wrapped = tmp_path / "stub.json"
    wrapped.write_text(json.dumps({"url": "https://statsapi.mlb.com/...", "response": document}))
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    summary = loader.load_paths(conn, [wrapped], captured_at=when)
    assert summary.loaded == 1
    row = conn.execute("select game_pk, captured_at from game.live_game_v1").fetchone()
    assert row == (744914, when)


def _bad_files(directory: Path) -> dict[str, bytes]:
    good = (SAMPLE_FEEDS / "824445_live_20260429_191400.json.gz").read_bytes()
    no_game_pk = json.dumps({"gameData": {}, "liveData": {}, "metaData": {}}).encode()
    files = {
        "bad_json.json": b'{"gamePk": 1, "gameData": ',
        "no_game_pk.json": no_game_pk,
        "truncated.json.gz": good[: len(good) // 2],
        "html_error_page.json": b"<html><body>502 Bad Gateway</body></html>",
    }
    for name, content in files.items():
        (directory / name).write_bytes(content)
    (directory / "good.json.gz").write_bytes(good)
    return files


def test_bad_files_are_rejected_with_reason_and_the_rest_loads(conn, tmp_path):
    bad = _bad_files(tmp_path)
    summary = loader.load_paths(conn, [tmp_path])
    assert summary.loaded == 1
    reasons = {Path(file).name: reason for file, reason in summary.rejected}
    assert set(reasons) == set(bad)
    assert "invalid JSON" in reasons["bad_json.json"]
    assert "gamePk" in reasons["no_game_pk.json"]
    assert "gzip" in reasons["truncated.json.gz"]
    quarantined = conn.execute("select source, error from game.live_game_quarantine").fetchall()
    assert {Path(source).name for source, _ in quarantined} == set(bad)


def test_cli_summary_line_and_exit_code(database, pg_server, tmp_path):
    _bad_files(tmp_path)
    kappa = KAPPA_CLI
    run = subprocess.run([kappa, "load", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "loaded 1, skipped 0 duplicates, rejected 4" in run.stdout
    assert "no_game_pk.json" in run.stderr

    good_only = subprocess.run(
        [kappa, "load", str(tmp_path / "good.json.gz")], capture_output=True, text=True
    )
    assert good_only.returncode == 0
    assert "loaded 0, skipped 1 duplicates, rejected 0" in good_only.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [("yesterday", "not an ISO 8601 timestamp"), ("2024-07-01T12:00:00", "no time zone")],
)
def test_cli_rejects_bad_captured_at(database, pg_server, value, message):
    kappa = KAPPA_CLI
    run = subprocess.run(
        [kappa, "load", str(SAMPLE_FEEDS), "--captured-at", value], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert message in run.stderr and value in run.stderr


def test_documents_are_stored_uncompressed_unless_the_log_was_set_to_compress(conn):
    """The DDL switches the default storage (compressed) to EXTERNAL, and leaves a log that was
    set to MAIN (compressed) on purpose as it is, also when the DDL runs again."""
    from kappa import raw_log

    def storage() -> str:
        return conn.execute(
            "select attstorage from pg_attribute"
            " where attrelid = 'game.live_game_v1'::regclass and attname = 'data'"
        ).fetchone()[0]

    feed = SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"
    loader.load_paths(conn, [feed])
    assert storage() == "e"
    compression = "select pg_column_compression(data) from game.live_game_v1 order by raw_id"
    assert conn.execute(compression).fetchall() == [(None,)]

    conn.execute("alter table game.live_game_v1 alter column data set storage main")
    raw_log.ensure_schema(conn)
    assert storage() == "m"
    loader.load_paths(conn, sorted(SAMPLE_FEEDS.glob("747175_*"))[:1])
    assert [row[0] for row in conn.execute(compression).fetchall()] == [None, "pglz"]
