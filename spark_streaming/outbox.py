"""The Delta outbox: the models' outputs of each micro-batch, kept on the driver's disk until the
Delta writer (spark_streaming/delta_writer.py) has written them into the lake.

The stream transforms each batch once, for both sinks: the Postgres commit never waits for
Delta, and Delta applies several batches in one group of writes (its cost per write is mostly
fixed). The outbox is what makes that safe:

- a batch is put before its foreachBatch returns, so before the checkpoint marks it done; a
  crash before that replays the batch, which puts the same outputs again (same offsets, same
  captures, same rows: a directory already there is kept);
- a batch directory appears complete or not at all (written under a temporary name, fsync'd,
  then renamed);
- batches leave the outbox only after the Delta writer committed them, so a crash between the
  Postgres commit and the Delta commit loses nothing: the next start applies what is left.

A group of batches is reduced to each game's newest capture before it is written (a Delta MERGE
refuses two source rows for one target row, a replacement would write both). That changes
nothing: the guarded writes ignore rows of a capture older than the game's watermark, and the
watermark table is merged first.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

from kappa.durable import fsync_directory, fsync_file

logger = logging.getLogger(__name__)

META = "batch.json"


@dataclass
class OutboxGroup:
    """Pending batches, read and reduced to each game's newest capture, ready to merge."""

    batches: list[Path]
    outputs: dict[str, pa.Table]
    games: list[int]
    captures: int
    oldest_arrival: float  # epoch seconds of the oldest capture's arrival in the raw log
    batch_ids: list[int] = field(default_factory=list)


class DeltaOutbox:
    def __init__(self, directory: Path, clean: bool = True) -> None:
        """`clean`: remove what puts cut short by a crash left; only the stream's side may,
        never a reader that starts while the stream puts (the Delta writer's child process)."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob(".*.tmp") if clean else ():
            shutil.rmtree(leftover, ignore_errors=True)

    def _batch_dir(self, batch_id: int) -> Path:
        return self.directory / f"{batch_id:012d}"

    def put(
        self,
        batch_id: int,
        outputs: dict[str, pa.Table],
        games: list[int],
        captures: int,
        oldest_arrival: float,
    ) -> None:
        final = self._batch_dir(batch_id)
        if final.exists():  # the replay of a batch put before a crash: the same rows
            return
        staging = self.directory / f".{final.name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for name, table in outputs.items():
            feather.write_feather(table, staging / f"{name}.arrow", compression="lz4")
            fsync_file(staging / f"{name}.arrow")
        meta = {"games": games, "captures": captures, "oldest_arrival": oldest_arrival}
        (staging / META).write_text(json.dumps(meta))
        fsync_file(staging / META)
        fsync_directory(staging)
        staging.rename(final)
        fsync_directory(self.directory)

    def pending(self) -> list[Path]:
        return sorted(path for path in self.directory.iterdir() if path.name.isdigit())

    def pending_bytes(self) -> int:
        return sum(_size(batch) for batch in self.pending())

    def take(self, max_bytes: int, max_captures: int) -> OutboxGroup | None:
        """The oldest pending batches, together at most `max_bytes` on disk and `max_captures`
        captures (at least one batch)."""
        chosen, metas, size, captures = [], [], 0, 0
        for batch in self.pending():
            batch_size = _size(batch)
            meta = json.loads((batch / META).read_text())
            if chosen and (
                size + batch_size > max_bytes or captures + meta["captures"] > max_captures
            ):
                break
            chosen.append(batch)
            metas.append(meta)
            size += batch_size
            captures += meta["captures"]
        if not chosen:
            return None
        tables: dict[str, list[pa.Table]] = {}
        games: set[int] = set()
        oldest = float("inf")
        for batch, meta in zip(chosen, metas, strict=True):
            games.update(meta["games"])
            oldest = min(oldest, meta["oldest_arrival"])
            for file in sorted(batch.glob("*.arrow")):
                tables.setdefault(file.stem, []).append(feather.read_table(file))
        outputs = {name: pa.concat_tables(parts) for name, parts in tables.items()}
        if len(chosen) > 1:
            outputs = newest_capture_per_game(outputs)
        return OutboxGroup(
            chosen, outputs, sorted(games), captures, oldest, [int(b.name) for b in chosen]
        )

    def remove(self, group: OutboxGroup) -> None:
        for batch in group.batches:
            shutil.rmtree(batch)
        fsync_directory(self.directory)


def _size(batch: Path) -> int:
    """A pending batch's bytes on disk."""
    return sum(file.stat().st_size for file in batch.iterdir())


def newest_capture_per_game(outputs: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Only the rows of each game's newest capture (captured_at, then raw_id) in `outputs`."""
    newest: dict[int, tuple] = {}
    for table in outputs.values():
        captures = table.select(["game_pk", "captured_at", "raw_id"]).group_by(
            ["game_pk", "captured_at", "raw_id"]
        )
        for game_pk, captured_at, raw_id in zip(
            *captures.aggregate([]).to_pydict().values(), strict=True
        ):
            if game_pk not in newest or (captured_at, raw_id) > newest[game_pk]:
                newest[game_pk] = (captured_at, raw_id)
    kept = pa.array([raw_id for _captured_at, raw_id in newest.values()], pa.int64())
    return {
        name: table.filter(pc.is_in(table["raw_id"], value_set=kept))
        for name, table in outputs.items()
    }
