"""tco.evaluate.evaluate(..., checkpoint=...): called after validation and before the results."""

from __future__ import annotations

import pytest

from tco.errors import InvalidTender
from tco.evaluate import evaluate

from .tender_json import sample_dict, sample_tender, tender
from .test_golden_outputs import dump


def test_checkpoint_is_called_after_validation_and_before_the_results() -> None:
    calls: list[int] = []
    with_checks = evaluate(sample_tender(), checkpoint=lambda: calls.append(len(calls)))
    assert calls == [0, 1]
    assert dump(with_checks) == dump(evaluate(sample_tender()))


def test_what_the_checkpoint_raises_stops_the_evaluation() -> None:
    class Stop(Exception):
        pass

    calls: list[int] = []

    def stop_second() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise Stop

    with pytest.raises(Stop):
        evaluate(sample_tender(), checkpoint=stop_second)
    assert len(calls) == 2


def test_validation_only_runs_the_evaluation_and_its_checkpoints() -> None:
    # validate_only returns the warnings of the evaluation itself (issue #14): it computes, so
    # a caller's deadline guards it as it guards an evaluation
    calls: list[int] = []
    evaluation = evaluate(sample_tender(), validate_only=True, checkpoint=lambda: calls.append(1))
    assert calls == [1, 1]
    assert evaluation.results == ()


def test_no_checkpoint_for_an_invalid_tender() -> None:
    calls: list[int] = []
    raw = sample_dict()
    raw["method"]["discount_rate"] = 7.0
    with pytest.raises(InvalidTender):
        evaluate(tender(raw), checkpoint=lambda: calls.append(1))
    assert calls == []
