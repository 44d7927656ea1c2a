"""Ranking analysis: how sure is this ranking, and what would have to change to flip it?

Built on the engine (pure numpy, no transport): named parameters addressed by path
(:mod:`~tco.analysis.parameters`), a vectorised re-evaluation (:mod:`~tco.analysis.model`),
one-at-a-time sensitivity (:mod:`~tco.analysis.sensitivity`), switching values
(:mod:`~tco.analysis.switching`), scenarios (:mod:`~tco.analysis.scenarios`) and Monte Carlo
(:mod:`~tco.analysis.distributions`, :mod:`~tco.analysis.montecarlo`). The entry point is
:func:`tco.analysis.analyze.analyze_ranking`.
"""
