"""Keep the C allocator's freed memory for the next call instead of returning it to the system.

Why: the engine works on numpy arrays of some kB to some MB per call (a 1 000-bid tender:
about 17 MB touched per evaluation). glibc's ``malloc`` serves allocations above its mmap
threshold with fresh ``mmap`` pages and trims the top of the heap when more than its trim
threshold is free, so every call starts on pages the kernel must fault in again: measured
about 4 900 minor page faults per 1 000-bid evaluation, and 57-67 ms of CPU per evaluation
against 46-50 ms with the thresholds below (0 faults per call after the first; 2026-11-22,
``/tmp`` script timing ``tco.evaluate.evaluate`` on ``bench.stream.chunks(1000)``, 25 calls,
``time.process_time`` medians, 3 alternating runs each). A server process is long-lived and
sees the same shapes again and again, so it keeps the memory: the process's resident size
stays at its high-water mark (bounded by the request limits) instead of breathing.

- ``M_MMAP_THRESHOLD`` 32 MiB (glibc's documented maximum on 64-bit): blocks up to it come
  from the heap, which is reused, rather than from fresh mappings;
- ``M_TRIM_THRESHOLD`` 256 MiB: free memory at the top of the heap is kept up to that much.

Setting either also turns off glibc's dynamic threshold adjustment. Only glibc has
``mallopt``; anywhere else (musl, macOS) :func:`tune_allocator` changes nothing and says so.
It is called once per server process (:func:`tco_server.app.start`), never by the engine.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: ``mallopt`` parameters from glibc's ``<malloc.h>``.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024

_tuned: bool | None = None


def tune_allocator() -> bool:
    """Set glibc's mmap and trim thresholds once per process; True if they are in effect.

    Idempotent and safe to call from any thread at start-up; returns False (and changes
    nothing) where the C library has no ``mallopt`` or refuses the values.
    """
    global _tuned  # noqa: PLW0603 - one process-wide setting, set once
    if _tuned is not None:
        return _tuned
    _tuned = False
    if not sys.platform.startswith("linux"):
        return _tuned
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc (musl has no mallopt)
        return _tuned
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and ok
    _tuned = ok
    return _tuned
