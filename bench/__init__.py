"""Benchmarks of the engine and the service; results and commands in ``BENCHMARKS.md``.

Every module here is a script (``.venv/bin/python -m bench.<name>``) and a plug-in of
:mod:`bench.run` (``make bench``), which discovers the modules by themselves: no list to edit.

The plug-in contract
--------------------
A module ``bench/<name>.py`` (not ``common``, ``run`` or a name starting with ``_``) takes part
when it defines

- ``main(argv: list[str] | None = None) -> int``: the script's entry point; it must accept
  ``--smoke`` (tiny sizes, a few repetitions: what ``tests/test_bench_smoke.py`` and
  ``bench.run --smoke`` use) and return 0 when every agreement check held;

and, optionally,

- ``ORDER: int`` (default 100): position in ``bench.run``'s run order (smaller first);
- ``collect(smoke: bool) -> list[bench.common.Row]``: the figures for ``bench.run``'s summary
  table. Without ``collect``, ``bench.run`` calls ``main`` and lists the module with its exit
  code and wall time.

Helpers shared by the modules (timing statistics, machine description, tender builders) live
in :mod:`bench.common`.
"""
