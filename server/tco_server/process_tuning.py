"""Settings of a long-lived server process, made once at start-up (:func:`tco_server.app.start`).

:func:`keep_freed_memory` raises glibc's ``M_MMAP_THRESHOLD`` (32 MiB) and ``M_TRIM_THRESHOLD``
(256 MiB), so the memory of one evaluation is reused by the next instead of being unmapped and
faulted in again: the process stays at its high-water mark (bounded by the request limits). What
it buys: BENCHMARKS.md, Streaming ("The server keeps freed memory"). Only glibc has ``mallopt``;
elsewhere nothing changes.

:func:`freeze_startup_objects` moves the ~85 000 objects of start-up (grpc, protobuf, numpy, the
engine's modules and tables), alive as long as the process, into the permanent generation that
the cyclic collector's full passes skip, so those passes stop pausing a call for all of them.
Objects created later are collected as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

#: ``mallopt`` parameters from glibc's ``<malloc.h>``.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024

_memory_kept: bool | None = None
_frozen: int | None = None


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds once per process; True if they are in effect.

    Idempotent; returns False (and changes nothing) where the C library has no ``mallopt`` or
    refuses the values. Setting either also turns off glibc's dynamic threshold adjustment.
    """
    global _memory_kept  # noqa: PLW0603 - one process-wide setting, set once
    if _memory_kept is not None:
        return _memory_kept
    _memory_kept = False
    if not sys.platform.startswith("linux"):
        return _memory_kept
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc (musl has no mallopt)
        return _memory_kept
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    _memory_kept = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and ok
    return _memory_kept


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object alive now; returns how many are frozen.

    Idempotent: a second call freezes nothing more and returns the first call's count.
    """
    global _frozen  # noqa: PLW0603 - one process-wide setting, set once
    if _frozen is None:
        gc.collect()
        gc.freeze()
        _frozen = gc.get_freeze_count()
    return _frozen
