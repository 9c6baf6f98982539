"""Every set of option values the survey half accepts, each defined once.

A `Literal` type names the values for the type checker and for pydantic specs; the tuple beside it is
derived from the type (never written out again), for checks and messages at the command line.
"""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

from survey.errors import SurveyInputError

Option = TypeVar("Option", bound=str)

LonelyPSU = Literal["fail", "adjust", "average", "certainty", "remove"]
"""What to do with a stratum holding a single PSU, as R's `options(survey.lonely.psu = ...)`."""
LONELY_PSU_OPTIONS: tuple[LonelyPSU, ...] = get_args(LonelyPSU)

CIMethod = Literal["logit", "wald", "wilson", "korn-graubard"]
"""Confidence interval for a proportion (`survey.estimation.intervals` says what each is in R)."""
CI_METHODS: tuple[CIMethod, ...] = get_args(CIMethod)

CalibrationMethod = Literal["raking", "linear", "logit"]
"""Calibration distance, as R `calibrate(calfun = ...)`."""
CALIBRATION_METHODS: tuple[CalibrationMethod, ...] = get_args(CalibrationMethod)

ReplicateMethod = Literal["jk1", "jkn", "bootstrap"]
"""Replicate weights, as R `as.svrepdesign(type = ...)`."""
REPLICATE_METHODS: tuple[ReplicateMethod, ...] = get_args(ReplicateMethod)

OnNonconvergence = Literal["fail", "warn"]
"""What a calibration that does not converge does: stop with a message, or warn and go on."""
ON_NONCONVERGENCE_OPTIONS: tuple[OnNonconvergence, ...] = get_args(OnNonconvergence)

ScaleTo = Literal["population", "sample", "none"]
"""Final scaling of the weights: to the population total, to the sample size, or not at all."""
SCALE_OPTIONS: tuple[ScaleTo, ...] = get_args(ScaleTo)

FitMethod = Literal["reml", "ml"]
"""How a small-area model estimates the variance of its area effects: restricted or full maximum likelihood."""
FIT_METHODS: tuple[FitMethod, ...] = get_args(FitMethod)

AreaTransform = Literal["none", "arcsin"]
"""Scale of a small-area model: the estimates as they are, or arcsine square-root of proportions."""
AREA_TRANSFORMS: tuple[AreaTransform, ...] = get_args(AreaTransform)

SamplingVariance = Literal["direct", "gvf"]
"""Sampling variances of a small-area model: the direct SEs squared, or a variance function of the effective base."""
SAMPLING_VARIANCES: tuple[SamplingVariance, ...] = get_args(SamplingVariance)

MseMethod = Literal["analytic", "bootstrap"]
"""MSE of small-area estimates: Prasad-Rao / Datta-Lahiri formulas, or the parametric bootstrap."""
MSE_METHODS: tuple[MseMethod, ...] = get_args(MseMethod)

BenchmarkTo = Literal["none", "national"]
"""Benchmarking of small-area estimates: none, or to the national direct estimate."""
BENCHMARKS: tuple[BenchmarkTo, ...] = get_args(BenchmarkTo)

VarianceMethod = Literal["taylor", "replicate"]
"""How a variance was computed; the design decides (replicate weights present or not)."""


def choose(value: str, options: tuple[Option, ...], what: str) -> Option:
    """`value` as one of `options`, checked before any work is done (as R's `match.arg`).

    Raises `SurveyInputError` naming `what` and the values allowed.

    >>> choose("jkn", REPLICATE_METHODS, "replicate method")
    'jkn'
    """
    for option in options:
        if value == option:
            return option
    raise SurveyInputError(f"{what} '{value}' is not one of {', '.join(options)}.")
