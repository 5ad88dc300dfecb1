"""The capture spool: durable appends, arrival order, torn tails, drain only after commit."""

from __future__ import annotations

import psycopg
import pytest

from kappa.feed import read_capture_file
from kappa.spool import Spool

from support.data import SAMPLE_FEEDS


@pytest.fixture
def captures():
    return [read_capture_file(path) for path in sorted(SAMPLE_FEEDS.iterdir())][:4]


def stored(conn) -> list[tuple[int, str]]:
    return conn.execute(
        "select game_pk, content_sha256 from game.live_game_v1 order by raw_id"
    ).fetchall()


def test_spooled_captures_enter_the_raw_log_once_in_arrival_order(conn, tmp_path, captures):
    spool = Spool(tmp_path / "spool")
    for capture in reversed(captures):
        spool.append(capture)
    spool.append(captures[-1])  # the same content twice: stored once
    assert spool.stats().captures == 5 and spool.stats().age_seconds() >= 0
    assert [c.document for c in spool.captures()][:4] == [c.document for c in reversed(captures)]

    assert spool.drain(conn) == 4
    assert stored(conn) == [(c.game_pk, c.content_sha256) for c in reversed(captures)]
    assert spool.is_empty() and spool.stats().captures == 0
    assert spool.drain(conn) == 0


def test_a_torn_last_record_is_ignored_and_the_rest_drained(conn, tmp_path, captures):
    spool = Spool(tmp_path / "spool")
    spool.append(captures[0])
    spool.append(captures[1])
    segment = next((tmp_path / "spool").glob("*.spool"))
    data = segment.read_bytes()
    segment.write_bytes(data[: len(data) - 100])  # a crash in the middle of the last append
    assert spool.stats().captures == 1
    assert spool.drain(conn) == 1
    assert stored(conn) == [(captures[0].game_pk, captures[0].content_sha256)]


def test_a_failed_drain_keeps_the_spool(conn, tmp_path, captures):
    spool = Spool(tmp_path / "spool")
    spool.append(captures[0])
    broken = psycopg.connect(autocommit=True)
    broken.close()
    with pytest.raises(psycopg.OperationalError):
        spool.drain(broken)
    assert spool.stats().captures == 1
    assert spool.drain(conn) == 1 and spool.is_empty()
