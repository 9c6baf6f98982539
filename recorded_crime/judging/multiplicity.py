"""Several crime types tested at once: the rule that keeps the chance of a false "higher" at the stated level.

A.3 and A.24 ask that no single crime type be higher than random variation allows (000:462, 000:586). Testing
seven types at 5% each would call at least one "higher" in about 30% of areas where nothing changed. The default
rule is Holm's step-down (1979): within one area and indicator, the family-wise error rate (the chance of calling
any type higher when none is) stays at the level, and it rejects at least what Bonferroni rejects. `bonferroni`
and `none` (each type at the level on its own, stated as such in the output) can be chosen.
"""

from __future__ import annotations

import numpy as np

RULES = ("holm", "bonferroni", "none")
"""Accepted `--multiplicity` values."""


def adjust(p_values: np.ndarray, rule: str = "holm") -> np.ndarray:
    """Adjusted p-values for each row of `p_values` (families x tests); NaN (not estimable) takes no part.

    >>> adjust(np.array([[0.01, 0.04, 0.03, np.nan]])).round(4).tolist()  # R: p.adjust(c(.01,.04,.03), "holm")
    [[0.03, 0.06, 0.06, nan]]
    >>> adjust(np.array([[0.01, 0.04]]), "bonferroni").tolist()
    [[0.02, 0.08]]
    """
    p = np.atleast_2d(np.asarray(p_values, dtype=np.float64))
    if rule == "none":
        return p.copy()
    tests = (~np.isnan(p)).sum(axis=1, keepdims=True)
    if rule == "bonferroni":
        return np.minimum(1.0, p * tests)
    if rule != "holm":
        raise ValueError(f"unknown multiplicity rule {rule}")
    order = np.argsort(p, axis=1)  # NaN sorts last
    ranked = np.take_along_axis(p, order, axis=1)
    factors = tests - np.arange(p.shape[1])[None, :]
    stepped = np.fmax.accumulate(np.minimum(1.0, ranked * factors), axis=1)
    stepped[np.isnan(ranked)] = np.nan
    adjusted = np.empty_like(p)
    np.put_along_axis(adjusted, order, stepped, axis=1)
    return adjusted


def describe(rule: str, level: float) -> str:
    """The rule in words, for the output's metadata (each row carries only the rule's name).

    >>> describe("holm", 0.95)[:50]
    "Holm's step-down across an indicator's crime types"
    """
    alpha = f"{(1 - level) * 100:g}%"
    if rule == "none":
        return (f"no adjustment: each crime type tested at {alpha} on its own (the chance of a false 'higher' "
                "somewhere is larger)")
    name = "Holm's step-down" if rule == "holm" else "Bonferroni"
    return (f"{name} across an indicator's crime types in each area: a {alpha} chance of calling any type higher "
            "when none is")
