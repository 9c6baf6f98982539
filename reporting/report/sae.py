"""Small-area estimates: the direct estimate and the model-based (EBLUP) estimate per area, side by side.

Where the BCS is too thin for an area, the area-level model borrows strength from others; the chart
shows, per area, the direct estimate with its interval (direct +/- 1.96 SE) beside the EBLUP with its interval
from the MSE, so the narrowing is visible. Areas with no sample get the synthetic (regression) estimate, marked.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import indicator_code, survey_key
from reporting.numbers import rows_of, scale
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, Figure, configure, expected, slug
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

SAE_COLUMNS = ("indicator", "area", "direct", "direct_se", "eblup", "mse", "ci_lower", "ci_upper", "shrinkage",
               "synthetic", "n_unweighted", "n_effective", "method")
Z95 = 1.959963984540054
MAX_CHARTED = 40
"""With more areas, the chart shows the areas with the smallest effective bases (where the model matters most)."""


def sae_data(rows: pd.DataFrame, indicator: str, area_names: dict[str, str]) -> pd.DataFrame:
    """Two rows per area (direct, EBLUP) with estimate and interval in printed units."""
    f = scale(indicator)
    records = []
    for r in rows_of(rows):
        area = area_names.get(str(r.area), str(r.area))
        synthetic = bool(r.synthetic) if pd.notna(r.synthetic) else False
        if pd.notna(r.direct) and pd.notna(r.direct_se):
            records.append({"area": area, "estimator": "direct", "estimate": f * r.direct,
                            "lower": f * (r.direct - Z95 * r.direct_se), "upper": f * (r.direct + Z95 * r.direct_se)})
        if pd.notna(r.eblup):
            records.append({"area": area, "estimator": "synthetic" if synthetic else "EBLUP", "estimate": f * r.eblup,
                            "lower": f * r.ci_lower, "upper": f * r.ci_upper})
    return pd.DataFrame(records, columns=["area", "estimator", "estimate", "lower", "upper"])


def area_names(result: Result, inputs: Inputs) -> dict[str, str]:
    """Area code -> name for the areas of a `sae` result (its `domain` column's names, else any known)."""
    labeller = inputs.labeller
    domain = str(result.metadata.get("domain") or (result.metadata.get("parameters") or {}).get("domain") or "")
    codes = result.table["area"].astype(str).unique()
    if domain:
        return {c: labeller.area(domain, c) for c in codes}
    names: dict[str, str] = {}
    for source in (labeller.names, labeller.given_names):
        for mapping in source.values():
            names.update(mapping)
    return {c: names.get(c, c) for c in codes}


def sae_figure(rows: pd.DataFrame, indicator: str, inputs: Inputs, prefix: str, names: dict[str, str],
               survey: str = "") -> Figure | None:
    """Direct beside EBLUP per area, sorted by EBLUP."""
    import altair as alt
    charted = rows
    if len(rows) > MAX_CHARTED:
        charted = rows.assign(_base=pd.to_numeric(rows["n_effective"], errors="coerce").fillna(0.0))
        charted = charted.nsmallest(MAX_CHARTED, "_base", keep="first")
    data = sae_data(charted, indicator, names).dropna(subset=["estimate", "lower", "upper"])
    if data.empty:
        return None
    model = data[data["estimator"] != "direct"].sort_values("estimate", ascending=False)
    order = list(dict.fromkeys(model["area"].tolist() + data["area"].tolist()))
    kinds = [k for k in ("direct", "EBLUP", "synthetic") if k in set(data["estimator"])]
    palette = {"direct": "#7a7a7a", "EBLUP": OKABE_ITO[0], "synthetic": OKABE_ITO[1]}
    shapes = {"direct": "circle", "EBLUP": "diamond", "synthetic": "square"}
    colour = alt.Color("estimator:N", title="Estimate",
                       scale=alt.Scale(domain=kinds, range=[palette[k] for k in kinds]))
    shape = alt.Shape("estimator:N", title="Estimate", scale=alt.Scale(domain=kinds, range=[shapes[k] for k in kinds]))
    y = alt.Y("area:N", sort=order, title=None)
    offset = alt.YOffset("estimator:N", sort=kinds)
    base = alt.Chart(data)
    unit = "value" if scale(indicator) == 1.0 else "per cent"
    chart = alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title=unit, scale=alt.Scale(zero=False)),
                                             x2="upper:Q", y=y, yOffset=offset, color=colour),
        base.mark_point(filled=True, size=50).encode(x="estimate:Q", y=y, yOffset=offset, color=colour, shape=shape),
    ).properties(height=ROW_HEIGHT * 1.6 * len(order))
    direct = data[data["estimator"] == "direct"]
    width_direct = float((direct["upper"] - direct["lower"]).mean()) if len(direct) else float("nan")
    width_model = float((model["upper"] - model["lower"]).mean()) if len(model) else float("nan")
    which = (f"the {len(order)} of {len(rows)} areas with the smallest effective bases" if len(rows) > MAX_CHARTED
             else f"{len(order)} areas")
    described = (f"{inputs.labeller.title(indicator, survey)} for {which}: direct estimates (grey circles) "
                 f"beside model-based estimates (diamonds; squares for areas with no sample), with 95% intervals. "
                 f"Mean interval width {width_direct:.1f} direct, {width_model:.1f} model-based.")
    title = f"{indicator_code(indicator)}: small-area estimates"
    subtitle = inputs.labeller.wording(indicator, survey)
    return Figure(slug(prefix, "sae", indicator), title, configure(chart, title, described, subtitle), described, data,
                  expected(rule=len(data), point=len(data)))


def sae_table(rows: pd.DataFrame, indicator: str, names: dict[str, str]) -> Table:
    """Per area: direct and EBLUP with intervals, shrinkage, base."""
    f = scale(indicator)

    def n(v: object) -> str:
        return "" if v is None or pd.isna(v) else f"{float(v):.1f}"  # type: ignore[call-overload,arg-type]

    shown = pd.DataFrame({
        "Area": [names.get(a, a) for a in rows["area"].astype(str)],
        "Direct (+/-)": [("" if pd.isna(d) else f"{n(f * d)} +/- {n(f * Z95 * s)}")
                         for d, s in zip(rows["direct"], rows["direct_se"], strict=True)],
        "Model-based (interval)": [f"{n(f * e)} ({n(f * lo)} to {n(f * hi)})"
                                   for e, lo, hi in zip(rows["eblup"], rows["ci_lower"], rows["ci_upper"],
                                                        strict=True)],
        "Shrinkage": rows["shrinkage"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}").to_numpy(),
        "Base": rows["n_unweighted"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}").to_numpy(),
        "Note": ["synthetic (no sample)" if (pd.notna(s) and bool(s)) else "" for s in rows["synthetic"]],
    })
    return Table(shown, f"{indicator_code(indicator)}: small-area estimates by area",
                 numeric=("Direct (+/-)", "Model-based (interval)", "Shrinkage",
                                                          "Base"), flag_column="Note", collapsed=len(shown) > 25)


def sae_sections(inputs: Inputs) -> list[Section]:
    """The small-area part: every `sae` result in the order given."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.sae):
        sections += one_sae_result(result, inputs, index)
    return sections


def one_sae_result(result: Result, inputs: Inputs, index: int) -> list[Section]:
    """The small-area section of one `sae` output (and its diagnostics, when given)."""
    require_columns(result.table, SAE_COLUMNS, str(result.path))
    prefix = f"a{index}"
    survey = survey_key(result.table, result.metadata)
    names = area_names(result, inputs)
    domain = str(result.metadata.get("domain") or "")
    where = f" by {inputs.labeller.domain(domain)}" if domain else ""
    section = Section(slug(prefix, "sae"), f"Small-area estimates{where}")
    methods = ", ".join(sorted(set(result.table["method"].astype(str))))
    section.blocks.append(Paragraph(
        f"Area-level model ({methods}): where an area's own sample is small, its estimate borrows strength from "
        "areas like it; shrinkage near 1 means the model-based estimate leans on the model."))
    sections = [section]
    for indicator in dict.fromkeys(result.table["indicator"].astype(str)):
        rows = result.table[result.table["indicator"].astype(str) == indicator]
        sub = Section(slug(prefix, "sae", indicator), inputs.labeller.title(indicator, survey), level=3)
        sub.blocks.append(sae_table(rows, indicator, names))
        figure = sae_figure(rows, indicator, inputs, prefix, names, survey)
        if figure is not None:
            sub.blocks.append(figure)
        for diagnostics in inputs.sae_diagnostics:
            if "indicator" not in diagnostics.table.columns or indicator in set(diagnostics.table["indicator"]
                                                                                 .astype(str)):
                sub.blocks.append(diagnostics_table(diagnostics, indicator))
        sections.append(sub)
    return sections


def diagnostics_table(diagnostics: Result, indicator: str) -> Table:
    """The model diagnostics of one indicator, as a table."""
    shown = diagnostics.table
    if "indicator" in shown.columns:
        shown = shown[shown["indicator"].astype(str) == indicator].drop(columns=["indicator"])
    shown = shown.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
    shown = shown.fillna("").astype(str)
    shown.columns = [str(c).replace("_", " ").capitalize() for c in shown.columns]
    return Table(shown, f"{indicator_code(indicator)}: model diagnostics",
                 numeric=tuple(c for c in ("Value", "Se", "P value") if c in shown.columns))
