"""The Delta outbox on a real filesystem with real Arrow tables: batches come back in order,
complete, and a group keeps only each game's newest capture."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from spark_streaming.outbox import DeltaOutbox

SCHEMA = pa.schema(
    [
        ("game_pk", pa.int64()),
        ("captured_at", pa.timestamp("us", tz="UTC")),
        ("raw_id", pa.int64()),
        ("value", pa.string()),
    ]
)


def rows(*captures: tuple[int, int, int, str]) -> pa.Table:
    """(game_pk, minute, raw_id, value) -> a serving-table-like output."""
    return pa.table(
        {
            "game_pk": [game for game, _, _, _ in captures],
            "captured_at": [datetime(2024, 7, 1, 19, m, tzinfo=UTC) for _, m, _, _ in captures],
            "raw_id": [raw_id for _, _, raw_id, _ in captures],
            "value": [value for _, _, _, value in captures],
        },
        schema=SCHEMA,
    )


def test_a_group_keeps_each_games_newest_capture_in_every_table(tmp_path):
    outbox = DeltaOutbox(tmp_path / "outbox")
    # batch 0: game 1 at minute 5 (raw 10), game 2 at minute 5 (raw 11)
    outbox.put(
        0,
        {"meta": rows((1, 5, 10, "a"), (2, 5, 11, "b")), "plays": rows((1, 5, 10, "p"))},
        [1, 2],
        2,
        100.0,
    )
    # batch 1: game 1 newer (minute 6); game 2 late and older (minute 4: the guard ignores it);
    # game 1's newer capture has no plays (they are retracted, not kept from the older one)
    outbox.put(
        1, {"meta": rows((1, 6, 12, "c"), (2, 4, 13, "d")), "plays": rows()}, [1, 2], 2, 90.0
    )
    outbox.put(1, {"meta": rows(), "plays": rows()}, [], 0, 0.0)  # a replayed batch: kept as it was

    group = outbox.take(max_bytes=1 << 30, max_captures=1000)

    assert group.batch_ids == [0, 1]
    assert group.games == [1, 2]
    assert group.captures == 4
    assert group.oldest_arrival == 90.0
    assert sorted(group.outputs["meta"].column("value").to_pylist()) == ["b", "c"]
    assert group.outputs["plays"].num_rows == 0
    outbox.remove(group)
    assert outbox.pending() == []


def test_take_is_bounded_by_size_and_captures_and_always_takes_one_batch(tmp_path):
    outbox = DeltaOutbox(tmp_path / "outbox")
    for batch in range(3):
        outbox.put(batch, {"meta": rows((batch, 5, batch, "x" * 1000))}, [batch], 2, 1.0)
    assert outbox.take(max_bytes=1, max_captures=10).batch_ids == [0]  # one even over a bound
    assert outbox.take(max_bytes=1 << 30, max_captures=1).batch_ids == [0]
    assert outbox.take(max_bytes=1 << 30, max_captures=5).batch_ids == [0, 1]
    assert len(outbox.take(max_bytes=1 << 30, max_captures=6).batch_ids) == 3
    leftover = tmp_path / "outbox" / ".000000000009.tmp"  # a put cut short by a crash
    leftover.mkdir()
    DeltaOutbox(tmp_path / "outbox", clean=False)  # a reader beside the stream: may be a put
    assert leftover.exists()
    assert [path.name for path in DeltaOutbox(tmp_path / "outbox").pending()][0] == "000000000000"
    assert not leftover.exists()
