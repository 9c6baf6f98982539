"""Is an area on track for its target? Straight-line trajectories and a status with its probability.

A performance target (a targets YAML file, validated here) names an indicator, an area (or `all`), a
baseline - a period whose value is given or estimated from the data - and a target value by a date. The
trajectory is the straight line from the baseline value at the end of the baseline period to the target
value at the target date ("an agreed target that is on a trajectory towards the benchmark", 000:574),
flat before and after. For each period assessed (a window, or every rolling year), the estimate's CI is set
against the trajectory's value at the period's end:

- `on track`: the whole interval is on the good side of the trajectory (by the indicator's polarity);
- `off track`: the whole interval is on the wrong side;
- `cannot tell`: the interval straddles the trajectory.

`probability_on_track` is the probability, under the estimate's sampling distribution, that the true value
is on the good side: on the logit scale with the design's t quantile for logit intervals (so it passes
1 - alpha/2 exactly when the interval clears the line), and normal on the estimate's scale otherwise.

The single top-down confidence target (004:46, 004:165-167) is the bundled example
(`data/examples/targets/confidence.yaml`); its level by March 2012 is a parameter of the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.cautions import DfRule
from survey.estimation.estimates import OVERALL
from survey.estimation.targets import Target
from survey.judging.periods import Period, estimate_periods, parse_dates, parse_window, window_period
from survey.options import CIMethod
from survey.questionnaire.schema import Polarity, Questionnaire
from survey.reading.specfiles import read_yaml_mapping, validate_spec

TARGET_COLUMNS: tuple[str, ...] = (
    "survey", "indicator", "indicator_title", "domain", "domain_value", "baseline_period", "baseline_date",
    "baseline_value", "baseline_source", "target_value", "target_date", "latest_period", "latest_start",
    "latest_date", "latest_estimate", "se", "ci_lower", "ci_upper", "ci_method", "trajectory_value", "status",
    "probability_on_track", "polarity", "n_unweighted", "low_base",
)
"""The target table (`docs/report.md`): `domain` is the area column (`all` for a national target) and
`domain_value` the area; `latest_*` is the period assessed (one row per period), `latest_date` its last day."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Baseline(_Strict):
    """Where the trajectory starts: a period (a date window) and its value, given or estimated."""

    period: str | None = Field(None, description="Date window START:END, e.g. 2007-10:2008-03 (six months).")
    date: dt.date | None = Field(None, description="Date the baseline value refers to (default: the period's end).")
    value: float | None = Field(None, description="Baseline value (proportion); estimated from the data if absent.")

    @model_validator(mode="after")
    def _period_or_date(self) -> Baseline:
        if self.period is None and self.date is None:
            raise ValueError("give the baseline period (START:END) or its date")
        if self.value is None and self.period is None:
            raise ValueError("a baseline without a value needs its period, to estimate the value from the data")
        return self


class PerformanceTarget(_Strict):
    """One target: an indicator in an area reaching a value by a date."""

    indicator: str
    area: str = OVERALL
    baseline: Baseline
    target: float = Field(description="Target value, on the estimate's scale (0.60 for 60%).")
    by: dt.date = Field(description="Date by which the target is to be reached.")
    polarity: Polarity | None = Field(None, description="Must agree with the questionnaire when given.")
    note: str | None = None

    def baseline_date(self) -> dt.date:
        if self.baseline.date is not None:
            return self.baseline.date
        assert self.baseline.period is not None  # the validator guarantees one of them
        return parse_window(self.baseline.period, "baseline.period")[1]


class TargetsFile(_Strict):
    """A targets YAML file: optional questionnaire and area column, and the targets."""

    questionnaire: str | None = None
    area_column: str | None = None
    targets: list[PerformanceTarget] = Field(min_length=1)


def load_targets(path: str | Path) -> TargetsFile:
    """Read and validate a targets YAML file; errors name the file and the field.

    Also checked: each baseline period is a valid window, and each target date is after the baseline.
    """
    path = Path(path)
    spec = validate_spec(TargetsFile, read_yaml_mapping(path, "targets file"), str(path))
    for i, target in enumerate(spec.targets):
        where = f"{path}: targets[{i}] ({target.indicator}, {target.area})"
        if target.baseline.period is not None:
            try:
                parse_window(target.baseline.period, "baseline.period")
            except SurveyInputError as exc:
                raise SurveyInputError(f"{where}: {exc}") from None
        if target.by <= target.baseline_date():
            raise SurveyInputError(
                f"{where}: the target date {target.by} is not after the baseline ({target.baseline_date()}); "
                "a trajectory needs time to run."
            )
    return spec


def check_against_questionnaire(spec: TargetsFile, questionnaire: Questionnaire, source: str) -> None:
    """Every indicator must be the questionnaire's, with the questionnaire's polarity; proportions in [0, 1]."""
    known = {ind.id: ind for ind in questionnaire.indicators}
    for i, target in enumerate(spec.targets):
        where = f"{source}: targets[{i}]"
        if target.indicator not in known:
            raise SurveyInputError(
                f"{where}: unknown indicator '{target.indicator}'; questionnaire '{questionnaire.name}' has "
                f"{', '.join(known)}."
            )
        polarity = known[target.indicator].polarity
        if target.polarity is not None and target.polarity != polarity:
            raise SurveyInputError(
                f"{where}: polarity {target.polarity} contradicts questionnaire '{questionnaire.name}', where "
                f"{target.indicator} is {polarity}."
            )
        for name, value in (("target", target.target), ("baseline.value", target.baseline.value)):
            if value is not None and not 0 <= value <= 1:
                raise SurveyInputError(
                    f"{where}: {name} {value} is not a proportion; {target.indicator} is estimated on [0, 1] "
                    "(write 0.60 for 60%)."
                )


def trajectory(baseline_date: dt.date, baseline_value: float, target_date: dt.date, target_value: float,
               at: dt.date) -> float:
    """The straight line from the baseline to the target, flat before the baseline and after the target date.

    >>> round(trajectory(dt.date(2008, 3, 31), 0.45, dt.date(2012, 3, 31), 0.60, dt.date(2010, 3, 31)), 4)
    0.5249
    """
    span = (target_date - baseline_date).days
    share = min(max((at - baseline_date).days / span, 0.0), 1.0)
    return baseline_value + share * (target_value - baseline_value)


def on_track_probability(estimate: np.ndarray, se: np.ndarray, line: np.ndarray, polarity: Polarity,
                         ci: str, df: np.ndarray) -> np.ndarray:
    """P(true value on the good side of `line`) under the estimate's sampling distribution.

    Logit intervals: t on the logit scale with `df` degrees of freedom (as the interval); otherwise normal on
    the raw scale.

    >>> on_track_probability(np.array([0.5]), np.array([0.02]), np.array([0.5]), "higher_is_better",
    ...                      "logit", np.array([100])).tolist()
    [0.5]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if ci == "logit":
            distance = (special.logit(estimate) - special.logit(line)) * estimate * (1 - estimate) / se
            above = special.stdtr(np.where(np.asarray(df) > 0, df, np.nan), distance)
        else:
            above = special.ndtr((estimate - line) / se)
    probability: np.ndarray = above if polarity == "higher_is_better" else 1.0 - above
    return probability


def status(lower: np.ndarray, upper: np.ndarray, line: np.ndarray, polarity: Polarity) -> np.ndarray:
    """`on track`, `off track` or `cannot tell` (the interval straddles the line).

    >>> status(np.array([0.5, 0.40, 0.45]), np.array([0.6, 0.44, 0.55]), np.array([0.48] * 3), "higher_is_better")
    array(['on track', 'off track', 'cannot tell'], dtype=object)
    """
    good_side = lower > line if polarity == "higher_is_better" else upper < line
    bad_side = upper < line if polarity == "higher_is_better" else lower > line
    words = np.full(line.shape, "cannot tell", dtype=object)
    words[good_side] = "on track"
    words[bad_side] = "off track"
    words[np.isnan(lower) | np.isnan(upper)] = None
    return words


def target_status(
    design: SurveyDesign,
    targets: Sequence[Target],
    spec: TargetsFile,
    periods: Sequence[Period],
    *,
    date_column: str | None = None,
    area_column: str | None = None,
    ci: CIMethod = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
    df_rule: DfRule = "domain",
) -> pd.DataFrame:
    """Each target's trajectory and status in each of `periods` (`TARGET_COLUMNS`).

    `targets` must hold the indicators the file names (with their polarity). A baseline without a value
    is estimated over its period (a window of `date_column`) for its area. Areas other than `all` are
    levels of `area_column` (the file's `area_column` unless given).
    """
    area_column = area_column or spec.area_column
    by_name = {t.name: t for t in targets}
    for i, target in enumerate(spec.targets):
        if target.indicator not in by_name:
            raise SurveyInputError(f"targets[{i}]: indicator '{target.indicator}' was not estimated.")
        if target.area != OVERALL and area_column is None:
            raise SurveyInputError(f"targets[{i}] is for area '{target.area}': give the area column "
                                   "(--area-col, or area_column in the targets file).")
    by = [area_column] if area_column is not None and any(t.area != OVERALL for t in spec.targets) else []
    latest = estimate_periods(design, targets, periods, by=by, ci=ci, level=level, min_base=min_base,
                              suppress=suppress, source=source, extra=("degrees_of_freedom",), df_rule=df_rule)
    baselines = _estimated_baselines(design, targets, spec, by, date_column, ci, level, source)
    rows = []
    for i, target in enumerate(spec.targets):
        polarity = target.polarity or by_name[target.indicator].polarity or "higher_is_better"
        domain = OVERALL if target.area == OVERALL else area_column
        mine = latest[(latest["indicator"] == target.indicator) & (latest["domain"] == domain)
                      & (latest["domain_value"] == target.area)]
        if mine.empty:
            raise SurveyInputError(f"targets[{i}]: area '{target.area}' is not in the data's '{area_column}' column.")
        if target.baseline.value is not None:
            base_value, base_source = target.baseline.value, "given"
        else:
            key = (str(target.baseline.period), target.indicator, domain or OVERALL, target.area)
            base_value, base_source = baselines[key], "estimated"
        start = target.baseline_date()
        ends = [dt.date.fromisoformat(e) for e in mine["period_end"]]
        line = np.array([trajectory(start, base_value, target.by, target.target, e) for e in ends])
        estimate, se = mine["estimate"].to_numpy(), mine["se"].to_numpy()
        probability = on_track_probability(estimate, se, line, polarity, str(mine["ci_method"].iloc[0]),
                                           mine["degrees_of_freedom"].to_numpy())
        rows.append(pd.DataFrame({
            "survey": by_name[target.indicator].survey, "indicator": target.indicator,
            "indicator_title": by_name[target.indicator].title, "domain": domain or OVERALL,
            "domain_value": target.area, "baseline_period": target.baseline.period,
            "baseline_date": start.isoformat(), "baseline_value": base_value, "baseline_source": base_source,
            "target_value": target.target, "target_date": target.by.isoformat(),
            "latest_period": mine["period"].to_numpy(), "latest_start": mine["period_start"].to_numpy(),
            "latest_date": mine["period_end"].to_numpy(), "latest_estimate": estimate, "se": se,
            "ci_lower": mine["ci_lower"].to_numpy(), "ci_upper": mine["ci_upper"].to_numpy(),
            "ci_method": mine["ci_method"].to_numpy(), "trajectory_value": line,
            "status": status(mine["ci_lower"].to_numpy(), mine["ci_upper"].to_numpy(), line, polarity),
            "probability_on_track": probability, "polarity": polarity,
            "n_unweighted": mine["n_unweighted"].to_numpy(), "low_base": mine["low_base"].to_numpy(),
        }))
    return pd.concat(rows, ignore_index=True)[list(TARGET_COLUMNS)]


def _estimated_baselines(
    design: SurveyDesign, targets: Sequence[Target], spec: TargetsFile, by: list[str], date_column: str | None,
    ci: CIMethod, level: float, source: str,
) -> dict[tuple[str, str, str, str], float]:
    """Baseline values estimated from the data, keyed by (period, indicator, domain, area)."""
    wanted = {t.baseline.period for t in spec.targets if t.baseline.value is None}
    if not wanted:
        return {}
    if date_column is None:
        raise SurveyInputError("a baseline without a value is estimated from a date window: give --date-col.")
    dates = parse_dates(design.data, date_column, source=source)
    periods = [window_period(dates, *parse_window(p or "", "baseline.period"), label=p, option="baseline.period")
               for p in sorted(w for w in wanted if w is not None)]
    table = estimate_periods(design, targets, periods, by=by, ci=ci, level=level, min_base=0, source=source)
    # A partly covered window's label says so; key the values by the window as the targets file writes it.
    written = {period.label: str(given) for period, given in zip(periods, sorted(w for w in wanted if w is not None),
                                                                  strict=True)}
    table = table.assign(period=table["period"].map(written))
    wanted_rows = {(t.baseline.period, t.indicator) for t in spec.targets if t.baseline.value is None}
    keep = [(p, i) in wanted_rows for p, i in zip(table["period"], table["indicator"], strict=True)]
    chosen = table[keep]
    return {(str(p), str(i), str(d), str(v)): float(e) for p, i, d, v, e in zip(
        chosen["period"], chosen["indicator"], chosen["domain"], chosen["domain_value"], chosen["estimate"],
        strict=True)}
