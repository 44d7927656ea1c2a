"""A frozen copy of the engine's pipeline as it was before the performance work of issue 7.

``tco.evaluate``, ``expand``, ``kernel``, ``digest``, ``rounding``, ``climate``, ``measures``,
``models`` and ``circularity`` exactly as they were (imports pointed here), kept as the oracle of
``tests/tco/test_legacy_equivalence.py``: the optimised engine must give the same bits as this
one on random tenders. Not linted for style beyond the suite's rules; never edit it except to
keep it importable.
"""
