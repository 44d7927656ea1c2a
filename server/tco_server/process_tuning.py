"""Settings of a long-lived server process, made once at start-up: memory kept, start-up frozen.

Both are for a process that serves many calls of the same shapes, never for the engine (only
:func:`tco_server.app.start` calls them, once per server process).

:func:`keep_freed_memory`
    glibc's ``malloc`` serves large blocks with fresh ``mmap`` pages and trims the top of its
    heap when much is free, so every evaluation of a large tender starts on pages the kernel
    must fault in again. Raising ``M_MMAP_THRESHOLD`` to 32 MiB (glibc's maximum on 64-bit)
    and ``M_TRIM_THRESHOLD`` to 256 MiB keeps that memory for the next call: the process's
    resident size stays at its high-water mark (bounded by the request limits) instead of
    breathing. What it buys: BENCHMARKS.md, Streaming ("The server keeps freed memory": CPU and
    page faults per 1 000-bid evaluation with and without). Only glibc has ``mallopt``;
    anywhere else (musl, macOS) nothing changes.

:func:`freeze_startup_objects`
    The ~85 000 objects of start-up (grpc, protobuf, numpy, the engine's modules and tables)
    live as long as the process, and every full pass of the cyclic collector traverses them
    all, a pause in whichever call set it off. ``gc.freeze()`` after start-up moves them to a
    permanent generation that collections skip; objects created later are collected as before.
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
