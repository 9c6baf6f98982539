"""The direct estimates by area (a `safer estimate --by AREA` table) lined up with the area covariates.

One row per area of the covariate file, in its order: areas with a usable direct estimate enter the model;
areas with no row in the direct table (no sample) and areas whose direct estimate is blank (suppressed as a
low base, or no one in the indicator's base) get the synthetic estimate and say why. Everything a user can
get wrong is checked here, and named: missing columns, an area domain that is not in the table, areas of the
direct table missing from the covariates, duplicated areas, missing or non-positive sampling variances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError

REQUIRED_COLUMNS: tuple[str, ...] = ("indicator", "domain", "domain_value", "estimate", "se", "n_unweighted")
OVERALL = "all"

SAMPLED = "eblup"
NO_SAMPLE = "synthetic: no sample"
SUPPRESSED = "synthetic: direct suppressed"
NO_BASE = "synthetic: no direct estimate"


@dataclass(frozen=True)
class AreaData:
    """One indicator's direct estimates, one entry per area of the covariate file."""

    indicator: str
    areas: np.ndarray
    """Area codes as text, in the covariate file's order."""
    direct: np.ndarray
    """Direct estimate, NaN where there is none."""
    se: np.ndarray
    n_unweighted: np.ndarray
    """0 where the area has no row in the direct table."""
    n_effective: np.ndarray
    deff: np.ndarray
    status: np.ndarray
    """`SAMPLED` or why not (`NO_SAMPLE`, `SUPPRESSED`, `NO_BASE`)."""
    national: float | None
    """The overall (`all`) direct estimate of the indicator, when the table has it."""
    degrees_of_freedom: np.ndarray | None = None
    """Degrees of freedom of each direct SE (PSUs minus strata), NaN where unknown; None for older tables."""

    @property
    def sampled(self) -> np.ndarray:
        return self.status == SAMPLED


def check_direct_table(direct: pd.DataFrame, source: str) -> None:
    """Refuse a table that is not a `safer estimate` output (columns named)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in direct.columns]
    if missing:
        raise SurveyInputError(
            f"{source}: not a table of direct estimates by area: column(s) {', '.join(missing)} missing. Make it "
            "with `safer estimate ... --by AREA --no-suppress`."
        )


def choose_domain(direct: pd.DataFrame, domain: str | None, source: str) -> str:
    """The area domain: `domain` if given (checked), else the only domain in the table besides `all`."""
    domains = [str(d) for d in pd.unique(direct["domain"].astype(str)) if str(d) != OVERALL]
    if domain is not None:
        if domain not in domains:
            raise SurveyInputError(f"{source}: no rows for domain '{domain}'; the table has: "
                                   f"{', '.join(domains) or 'only the overall rows'}.")
        return domain
    if len(domains) == 1:
        return domains[0]
    if not domains:
        raise SurveyInputError(f"{source}: the table has only overall rows; estimate by area first "
                               "(`safer estimate ... --by AREA`).")
    raise SurveyInputError(f"{source}: the table has several area domains ({', '.join(domains)}); "
                           "choose one with --domain.")


def area_keys(values: pd.Series) -> np.ndarray:
    """Area codes as text, so that 25, 25.0 and '25' are the same area."""
    def key(value: object) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()
    return np.array([key(v) for v in values], dtype=object)


def line_up(
    direct: pd.DataFrame,
    covariates: pd.DataFrame,
    indicator: str,
    domain: str,
    area_column: str,
    *,
    direct_source: str,
    covariates_source: str,
) -> AreaData:
    """One indicator's direct estimates lined up with the covariate file's areas (checked as described above)."""
    if area_column not in covariates.columns:
        raise SurveyInputError(
            f"{covariates_source}: no column '{area_column}' to match the areas of {direct_source} (domain "
            f"'{domain}'); name the area column with --area-column."
        )
    areas = area_keys(covariates[area_column])
    duplicated = pd.Series(areas).duplicated(keep=False).to_numpy()
    if duplicated.any():
        shown = ", ".join(sorted(set(areas[duplicated]))[:10])
        raise SurveyInputError(
            f"{covariates_source}: area(s) listed more than once in column '{area_column}': {shown}.")

    rows = direct[(direct["indicator"].astype(str) == indicator) & (direct["domain"].astype(str) == domain)]
    keys = area_keys(rows["domain_value"])
    repeated = pd.Series(keys).duplicated(keep=False).to_numpy()
    if repeated.any():
        shown = ", ".join(sorted(set(keys[repeated]))[:10])
        raise SurveyInputError(f"{direct_source}: indicator {indicator}, domain '{domain}' has more than one row "
                               f"for area(s) {shown}.")
    position = pd.Index(areas).get_indexer(keys)
    unknown = position < 0
    if unknown.any():
        shown = ", ".join(keys[unknown][:10])
        more = f" (and {int(unknown.sum()) - 10} more)" if unknown.sum() > 10 else ""
        raise SurveyInputError(
            f"{direct_source}: {int(unknown.sum())} area(s) of domain '{domain}' are not in the covariate file "
            f"{covariates_source} (column '{area_column}'): {shown}{more}. Every area with a direct estimate needs "
            "covariates."
        )

    m = len(areas)
    out = {name: np.full(m, np.nan) for name in ("direct", "se", "n_effective", "deff")}
    n_unweighted = np.zeros(m)
    for name, column in (("direct", "estimate"), ("se", "se"), ("n_effective", "n_effective"), ("deff", "deff")):
        if column in rows.columns:
            out[name][position] = pd.to_numeric(rows[column], errors="coerce").to_numpy(np.float64)
    n_unweighted[position] = pd.to_numeric(rows["n_unweighted"], errors="coerce").fillna(0).to_numpy(np.float64)
    status = np.full(m, NO_SAMPLE, dtype=object)
    has_row = np.zeros(m, dtype=bool)
    has_row[position] = True
    low_base = np.zeros(m, dtype=bool)
    if "low_base" in rows.columns:
        low_base[position] = rows["low_base"].astype(str).str.lower().isin(("true", "1", "1.0")).to_numpy()
    blank = has_row & ~np.isfinite(out["direct"])
    status[has_row & ~blank] = SAMPLED
    status[blank & low_base] = SUPPRESSED
    status[blank & ~low_base] = NO_BASE

    overall = direct[(direct["indicator"].astype(str) == indicator) & (direct["domain"].astype(str) == OVERALL)]
    national = None
    if len(overall) == 1 and np.isfinite(pd.to_numeric(overall["estimate"], errors="coerce").iloc[0]):
        national = float(pd.to_numeric(overall["estimate"]).iloc[0])
    degrees = None
    if "degrees_of_freedom" in rows.columns:
        degrees = np.full(m, np.nan)
        degrees[position] = pd.to_numeric(rows["degrees_of_freedom"], errors="coerce").to_numpy(np.float64)
    return AreaData(indicator, areas.astype(str), out["direct"], out["se"], n_unweighted, out["n_effective"],
                    out["deff"], status, national, degrees)


def known_proportion(direct: pd.DataFrame, indicator: str) -> bool:
    """Whether the table says the indicator is a proportion: a `--proportion` row, or a questionnaire indicator
    (its rows name the survey, and every questionnaire indicator is a proportion). Other tables say nothing.

    >>> table = pd.DataFrame({"indicator": ["NI17", "mean:score"], "survey": ["place 2008", ""]})
    >>> known_proportion(table, "NI17"), known_proportion(table, "mean:score"), known_proportion(table, "milk")
    (True, False, False)
    """
    if str(indicator).startswith("proportion:"):
        return True
    if "survey" not in direct.columns:
        return False
    surveys = direct.loc[direct["indicator"].astype(str) == str(indicator), "survey"]
    return bool(surveys.notna().any() and (surveys.dropna().astype(str).str.strip() != "").any())


def check_proportions(data: AreaData, source: str, proportion: bool) -> None:
    """A proportion's direct estimates lie in [0, 1]; a table in per cent (or of something else) is refused."""
    if not proportion:
        return
    values = data.direct
    bad = data.sampled & ((values < 0) | (values > 1))
    if bad.any():
        listed = ", ".join(f"{a} ({v:g})" for a, v in zip(data.areas[bad][:10], values[bad][:10], strict=True))
        raise SurveyInputError(
            f"{source}: indicator {data.indicator} is a proportion, but {int(bad.sum())} area(s) have direct "
            f"estimates outside [0, 1]: {listed}. Give the estimates as `safer estimate` writes them (0-1, not per "
            "cent); a model of such values would give EBLUPs outside [0, 1] for a proportion."
        )


def check_direct_variances(data: AreaData, source: str) -> None:
    """Refuse missing or non-positive SEs on areas that have a direct estimate (direct variances used as known)."""
    sampled = data.sampled
    if data.degrees_of_freedom is not None:
        thin = sampled & (data.degrees_of_freedom < 1)
        if thin.any():
            listed = ", ".join(data.areas[thin][:10])
            raise SurveyInputError(
                f"{source}: indicator {data.indicator}: {int(thin.sum())} area(s) have a direct SE on 0 degrees of "
                f"freedom (fewer than 2 PSUs in the area): {listed}. Their direct variances cannot be taken as known "
                "(a near-zero SE would give the direct estimate all the weight): use --variance gvf, which smooths "
                "the variances as a function of the effective base, or leave those areas out."
            )
    bad = sampled & ~(np.isfinite(data.se) & (data.se > 0))
    if bad.any():
        listed = ", ".join(f"{a} (se {s})" for a, s in zip(data.areas[bad][:10], data.se[bad][:10], strict=True))
        raise SurveyInputError(
            f"{source}: indicator {data.indicator}: {int(bad.sum())} area(s) have a direct estimate but a missing, "
            f"zero or negative standard error: {listed}. The model needs a positive sampling variance for every "
            "area it uses: smooth the variances with --variance gvf (a function of the effective base), or "
            "leave those areas out."
        )


def check_bases(data: AreaData, source: str) -> None:
    """The variance function needs a positive unweighted base for every area with a direct estimate."""
    bad = data.sampled & ~(np.isfinite(data.n_unweighted) & (data.n_unweighted > 0))
    if bad.any():
        raise SurveyInputError(f"{source}: indicator {data.indicator}: the variance function needs n_unweighted > 0; "
                               f"area(s) {', '.join(data.areas[bad][:10])} have none.")
