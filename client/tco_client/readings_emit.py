"""Checked readings into ``StreamReadingsRequest`` messages: interval runs and single readings,
every message bounded in rows and bytes (the part of :mod:`tco_client.readings_file` that
builds messages).

A **run** is a stretch of one series' rows, in time order, each starting where the one before
ends, all of one length (a whole number of seconds, 60 s to 366 days) and one unit: it becomes an
``IntervalSeries`` (start, step, the values packed, the indices of estimated values). A stretch
shorter than :data:`MIN_RUN` rows becomes single ``Reading`` messages, as does a correction
(a row that supersedes a reading) and a row of another length. Runs continue across the file's
chunks: a series' short stretch at the end of a chunk waits (at most :data:`MAX_WAITING` rows
in all) for the next chunk, and a run that reaches the end of a chunk is continued by the next
chunk's rows (in the next ``IntervalSeries``, whose start is where the last one ended).

A message is closed when its next piece would pass ``batch_rows`` rows (each interval and each
reading is a row) or ``batch_bytes`` bytes; a run is split across messages where it must. The
byte count is an upper bound of the serialised size (fields' tags and lengths included), so a
message never exceeds ``batch_bytes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np

from tcoapi.v1 import followup_pb2

#: Rows of a stretch that make an IntervalSeries (calendar months never do: no three
#: consecutive months are of one length).
MIN_RUN: Final = 3
#: Rows that wait for the next chunk, at most (beyond, short stretches are sent as readings).
MAX_WAITING: Final = 100_000

_MICROS: Final = 1_000_000
_SHORTEST, _LONGEST = 60 * _MICROS, 31_622_400 * _MICROS
#: Upper bound of an IntervalSeries' bytes besides its strings, values and estimated indices.
_SERIES_OVERHEAD: Final = 160
#: The same for a Reading besides its strings.
_READING_OVERHEAD: Final = 180
_INDEX_BYTES: Final = 3  # a varint below 2**21


@dataclass
class Rows:
    """Checked readings as columns: series and unit as numbers of the file's names, times as
    microseconds since 1970 UTC, ``supersedes`` the corrected reading ("" none) or None."""

    series: np.ndarray
    start: np.ndarray
    end: np.ndarray
    quantity: np.ndarray
    unit: np.ndarray
    estimated: np.ndarray
    row: np.ndarray
    supersedes: np.ndarray | None

    def take(self, at: np.ndarray) -> Rows:
        return Rows(self.series[at], self.start[at], self.end[at], self.quantity[at],
                    self.unit[at], self.estimated[at], self.row[at],
                    None if self.supersedes is None else self.supersedes[at])  # fmt: skip


def concat_rows(*parts: Rows) -> Rows:
    """The rows of ``parts`` one after the other."""
    if len(parts) == 1:
        return parts[0]
    supersedes = None
    if any(p.supersedes is not None for p in parts):
        supersedes = np.concatenate(
            [p.supersedes if p.supersedes is not None else np.full(len(p.row), "", dtype=object)
             for p in parts]
        )  # fmt: skip
    names = ("series", "start", "end", "quantity", "unit", "estimated", "row")
    column = {name: np.concatenate([getattr(p, name) for p in parts]) for name in names}
    return Rows(**column, supersedes=supersedes)


def _timestamp(stamp: object, micros: int) -> None:
    seconds, rest = divmod(micros, _MICROS)
    stamp.seconds, stamp.nanos = seconds, rest * 1000  # type: ignore[attr-defined]


class Batcher:
    """Fills request messages up to ``batch_rows`` rows and ``batch_bytes`` bytes."""

    def __init__(
        self,
        request: followup_pb2.StreamReadingsRequest,
        series: followup_pb2.IntervalSeries,
        reading: followup_pb2.Reading,
        *,
        batch_rows: int,
        batch_bytes: int,
        readings_prefix: str,
        source_name: str,
    ) -> None:
        self.template, self.series, self.reading = request, series, reading
        self.batch_rows, self.batch_bytes = batch_rows, batch_bytes
        self.prefix, self.source_name = readings_prefix, source_name
        self.done: list[tuple[followup_pb2.StreamReadingsRequest, int]] = []
        self.series_overhead = _SERIES_OVERHEAD + series.ByteSize()
        self.reading_overhead = _READING_OVERHEAD + reading.ByteSize()
        self._new()

    def _new(self) -> None:
        self.request = followup_pb2.StreamReadingsRequest()
        self.request.CopyFrom(self.template)
        self.rows, self.bytes = 0, self.request.ByteSize()
        #: The message's last piece of each (series, unit, step) and where it ends (µs).
        self.tails: dict[tuple[str, str, int], tuple[followup_pb2.IntervalSeries, int]] = {}

    def close(self) -> None:
        """Close the current message (if it holds anything)."""
        if self.rows:
            self.done.append((self.request, self.rows))
            self._new()

    def ready(self) -> list[tuple[followup_pb2.StreamReadingsRequest, int]]:
        """The closed messages not yet taken, with their rows."""
        done, self.done = self.done, []
        return done

    def add_run(self, series: str, unit: str, start: int, step: int, *,
                values: np.ndarray, estimated: np.ndarray) -> None:  # fmt: skip
        """A run of ``len(values)`` intervals of ``step`` seconds from ``start`` (µs); it
        continues the message's piece of the series that ends at ``start``, if any."""
        key, offset, count = (series, unit, step), 0, len(values)
        while offset < count:
            at = start + offset * step * _MICROS
            tail = self.tails.get(key)
            goes_on = tail is not None and tail[1] == at
            overhead = 0 if goes_on else self.series_overhead + len(series) * 4 + len(unit) * 4
            room = min(count - offset, self.batch_rows - self.rows)
            cost = np.cumsum(8 + _INDEX_BYTES * estimated[offset : offset + room])
            take = int(np.searchsorted(cost, self.batch_bytes - self.bytes - overhead, "right"))
            if take == 0:
                if not self.rows:
                    raise ValueError(f"batch_bytes {self.batch_bytes} is too small for {series!r}")
                self.close()
                continue
            if tail is not None and goes_on:
                piece = tail[0]
            else:
                piece = self.request.series.add()
                piece.CopyFrom(self.series)
                piece.series, piece.unit, piece.interval_seconds = series, unit, step
                _timestamp(piece.start_time, at)
            marks = np.flatnonzero(estimated[offset : offset + take]) + len(piece.values)
            piece.values.extend(values[offset : offset + take].tolist())
            piece.estimated.extend(marks.tolist())
            self.tails[key] = (piece, at + take * step * _MICROS)
            self.rows += take
            self.bytes += overhead + int(cost[take - 1])
            offset += take
            if self.rows >= self.batch_rows:
                self.close()

    def add_readings(self, rows: Rows, series: list[str], units: list[str]) -> None:
        """Each row as a single Reading."""
        supersedes = rows.supersedes
        for i in range(len(rows.row)):
            name, unit = series[int(rows.series[i])], units[int(rows.unit[i])]
            origin = f"{self.source_name}:row {int(rows.row[i])}"
            corrects = "" if supersedes is None else str(supersedes[i])
            if corrects and "/" not in corrects:
                corrects = self.prefix + corrects
            size = self.reading_overhead + sum(
                len(t.encode()) for t in (name, unit, origin, corrects)
            )
            if self.rows + 1 > self.batch_rows or self.bytes + size > self.batch_bytes:
                self.close()
            reading = self.request.readings.add()
            reading.CopyFrom(self.reading)
            reading.series, reading.origin, reading.supersedes = name, origin, corrects
            reading.quantity.value, reading.quantity.unit = float(rows.quantity[i]), unit
            reading.estimated = bool(rows.estimated[i])
            _timestamp(reading.start_time, int(rows.start[i]))
            _timestamp(reading.end_time, int(rows.end[i]))
            self.rows += 1
            self.bytes += size


class Runs:
    """Splits checked rows into runs and single readings, across chunks."""

    def __init__(self, series: list[str], units: list[str], min_run: int = MIN_RUN) -> None:
        if min_run < 1:
            raise ValueError(f"min_run must be at least 1, got {min_run}")
        self.series, self.units, self.min_run = series, units, min_run
        #: Each series' run that reached the end of the last chunk: (unit, end µs, step µs).
        self.open: dict[int, tuple[int, int, int]] = {}
        self.waiting: Rows | None = None

    def emit(
        self, rows: Rows, batcher: Batcher, *, final: bool = False
    ) -> Iterator[tuple[followup_pb2.StreamReadingsRequest, int]]:
        """Messages closed by adding ``rows`` (a series' rows in time order)."""
        if self.waiting is not None:
            rows, self.waiting = concat_rows(self.waiting, rows), None
        rows = rows.take(np.argsort(rows.series, kind="stable"))
        s, u, start, end = rows.series, rows.unit, rows.start, rows.end
        n = len(s)
        if n == 0:
            return
        step = end - start
        regular = (step % _MICROS == 0) & (step >= _SHORTEST) & (step <= _LONGEST)
        if rows.supersedes is not None:
            regular &= rows.supersedes == ""
        head = np.ones(n, dtype=bool)  # a series' first row
        head[1:] = s[1:] != s[:-1]
        cut = head.copy()
        cut[1:] |= (u[1:] != u[:-1]) | (start[1:] != end[:-1]) | (step[1:] != step[:-1])
        cut[1:] |= ~regular[1:] | ~regular[:-1]
        first = np.flatnonzero(cut)
        after = np.append(first[1:], n)
        length = after - first
        goes_on = np.array(
            [bool(h) and self.open.get(int(k)) == (int(v), int(b), int(d))
             for h, k, v, b, d in zip(head[first].tolist(), s[first].tolist(),
                                      u[first].tolist(), start[first].tolist(),
                                      step[first].tolist(), strict=True)], dtype=bool,
        )  # fmt: skip
        run = regular[first] & ((length >= self.min_run) | goes_on)
        tail = np.append(head[after[:-1]], True)  # the series' last stretch in these rows
        wait = tail & regular[first] & ~run & (not final)
        if wait.any() and int(length[wait].sum()) <= MAX_WAITING:
            self.waiting = rows.take(
                np.concatenate(
                    [np.arange(a, b) for a, b in zip(first[wait], after[wait], strict=True)]
                )
            )
        else:
            wait[:] = False
        self._note_open(rows, first, after, run, tail)
        yield from self._send(rows, (first, after, run, wait), batcher)

    def _note_open(self, rows: Rows, first: np.ndarray, after: np.ndarray, run: np.ndarray,
                   tail: np.ndarray) -> None:  # fmt: skip
        """Remember each series' run that reaches the end of these rows."""
        for a, b, is_run in zip(first[tail].tolist(), after[tail].tolist(), run[tail].tolist(),
                                strict=True):  # fmt: skip
            key = int(rows.series[a])
            if is_run:
                self.open[key] = (int(rows.unit[a]), int(rows.end[b - 1]),
                                  int(rows.end[a] - rows.start[a]))  # fmt: skip
            else:
                self.open.pop(key, None)

    def _send(
        self, rows: Rows, stretches: tuple[np.ndarray, ...], batcher: Batcher
    ) -> Iterator[tuple[followup_pb2.StreamReadingsRequest, int]]:
        """Each stretch (first row, row after, is a run, waits) to ``batcher``."""
        first, after, run, wait = stretches
        single: list[np.ndarray] = []
        for a, b, is_run, waits in zip(first.tolist(), after.tolist(), run.tolist(),
                                       wait.tolist(), strict=True):  # fmt: skip
            if waits:
                continue
            if not is_run:
                single.append(np.arange(a, b))
                continue
            if single:
                batcher.add_readings(rows.take(np.concatenate(single)), self.series, self.units)
                single = []
            batcher.add_run(self.series[int(rows.series[a])], self.units[int(rows.unit[a])],
                            int(rows.start[a]), int(rows.end[a] - rows.start[a]) // _MICROS,
                            values=rows.quantity[a:b], estimated=rows.estimated[a:b])  # fmt: skip
            yield from batcher.ready()
        if single:
            batcher.add_readings(rows.take(np.concatenate(single)), self.series, self.units)
        yield from batcher.ready()

    def finish(self, batcher: Batcher) -> Iterator[tuple[followup_pb2.StreamReadingsRequest, int]]:
        """The rows still waiting, and the last message."""
        if self.waiting is not None:
            waiting, self.waiting = self.waiting, None
            yield from self.emit(waiting, batcher, final=True)
        batcher.close()
        yield from batcher.ready()
