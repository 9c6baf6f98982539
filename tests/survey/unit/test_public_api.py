"""`from survey import ...` exposes the pipeline, and every export has a docstring."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import survey


@pytest.mark.parametrize("name", survey.__all__)
def test_every_export_resolves_and_is_documented(name: str) -> None:
    obj = getattr(survey, name)
    if inspect.isfunction(obj) or inspect.isclass(obj):
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = survey.no_such_thing  # type: ignore[attr-defined]


def test_top_level_api_runs_an_estimate() -> None:
    from survey import estimate, make_design, proportion_target

    frame = pd.DataFrame({"y": [1, 0, 1, 1, 0, 1], "w": [1.0, 2.0, 1.0, 1.0, 2.0, 1.0]})
    table = estimate(make_design(frame, weight="w"), [proportion_target(frame, "y", "1")])
    assert table["estimate"].iloc[0] == pytest.approx(np.average(frame["y"], weights=frame["w"]))
