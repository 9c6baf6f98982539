"""Several survey files as one design: each keeps its own strata, PSUs, fpc and calibration.

Two survey years (or two surveys) are independent samples. Stacked with their strata made distinct per
file, the one-stage variance adds up file by file, so every covariance between a domain of one file and
a domain of the other is zero, as it should be, while domains within a file keep theirs. This is R's
`svydesign` on `rbind`-ed files with `strata = ~interaction(file, stratum)`.

A calibrated file keeps its calibration-aware variance: the files' calibration steps become one step
whose groups are the files' groups (cells and model columns kept apart per file), so the residual method
fits each file's model on that file's rows only. A file without calibration joins as one group whose
model is empty, which leaves its influence values as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.design import CalibrationStep, SurveyDesign
from survey.errors import SurveyInputError


def stack_designs(designs: Sequence[SurveyDesign], labels: Sequence[str], *, source_column: str) -> SurveyDesign:
    """One design over the rows of every file, the file's label in `source_column`.

    Strata are labelled `<file label>:<stratum>`. Files with replicate weights cannot be stacked (their
    replicates would need centring per file); a file calibrated more than once cannot either.

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.design import make_design
    >>> a = make_design(pd.DataFrame({"s": [1, 1, 2, 2], "y": [1, 0, 1, 1]}), strata="s")
    >>> b = make_design(pd.DataFrame({"s": [1, 1, 1], "y": [0, 0, 1]}), strata="s")
    >>> both = stack_designs([a, b], ["2008", "2009"], source_column="year")
    >>> both.stratum_labels, both.data["year"].tolist()
    (('2008:1', '2008:2', '2009:1'), ['2008', '2008', '2008', '2008', '2009', '2009', '2009'])
    """
    if len(designs) != len(labels):
        raise ValueError("one label per design")
    if len(set(labels)) != len(labels):
        raise SurveyInputError(f"two input files have the same label ({', '.join(labels)}); rename one.")
    if len(designs) == 1:
        design = designs[0]
        return _with_source(design, labels[0], source_column)
    for design, label in zip(designs, labels, strict=True):
        if design.replicates is not None:
            raise SurveyInputError(
                f"{label}: the file has replicate weights; several files with replicate weights cannot be "
                "combined (each set would need its own centring). Compare the files with Taylor variances "
                "(drop the replicate columns' metadata) or one file at a time."
            )
        if len(design.calibrations) > 1:
            raise SurveyInputError(f"{label}: the design has been calibrated more than once; variances account "
                                   "for one calibration step only.")
        if source_column in design.data.columns:
            raise SurveyInputError(
                f"{label}: the data already has a column '{source_column}'; choose another --source-col."
            )
    lonely = {d.lonely_psu for d in designs}
    if len(lonely) > 1:
        raise SurveyInputError(
            f"the files record different lonely-PSU rules ({', '.join(sorted(lonely))}); give --lonely-psu."
        )
    data = pd.concat(
        [d.data.assign(**{source_column: label}) for d, label in zip(designs, labels, strict=True)],
        ignore_index=True,
    )
    stratum_offset = np.cumsum([0] + [d.n_strata for d in designs])[:-1]
    psu_offset = np.cumsum([0] + [d.n_psu for d in designs])[:-1]
    stratum_labels = tuple(
        f"{label}:{s}" for d, label in zip(designs, labels, strict=True) for s in (d.stratum_labels or
                                                                                    map(str, range(d.n_strata)))
    )
    def shared(name: str) -> str | None:
        values = {getattr(d, name) for d in designs}
        return values.pop() if len(values) == 1 else None

    return SurveyDesign(
        data=data,
        weights=np.concatenate([d.weights for d in designs]),
        stratum=np.concatenate([d.stratum + o for d, o in zip(designs, stratum_offset, strict=True)]),
        psu=np.concatenate([d.psu + o for d, o in zip(designs, psu_offset, strict=True)]),
        psu_stratum=np.concatenate([d.psu_stratum + o for d, o in zip(designs, stratum_offset, strict=True)]),
        n_psu_in_stratum=np.concatenate([d.n_psu_in_stratum for d in designs]),
        stratum_fpc_factor=np.concatenate([d.stratum_fpc_factor for d in designs]),
        lonely_psu=designs[0].lonely_psu,
        stratum_labels=stratum_labels,
        calibrations=_merged_calibration(designs, labels),
        weight_column=shared("weight_column"),
        strata_column=shared("strata_column"),
        psu_column=shared("psu_column"),
        fpc_column=shared("fpc_column"),
    )


def _with_source(design: SurveyDesign, label: str, source_column: str) -> SurveyDesign:
    from dataclasses import replace

    if source_column in design.data.columns:
        raise SurveyInputError(f"{label}: the data already has a column '{source_column}'; choose another "
                               "--source-col.")
    return replace(design, data=design.data.assign(**{source_column: label}))


def _merged_calibration(designs: Sequence[SurveyDesign], labels: Sequence[str]) -> tuple[CalibrationStep, ...]:
    """The files' calibration steps as one, groups and model columns kept apart per file."""
    steps = [d.calibrations[0] if d.calibrations else None for d in designs]
    calibrated = [s for s in steps if s is not None]
    if not calibrated:
        return ()
    widths = [s.cell_matrix.shape[1] if s is not None else 0 for s in steps]
    p = sum(widths)
    column_offset = np.cumsum([0, *widths])[:-1]
    cells, cell_group, matrices, cell_g, before, after, group_labels = [], [], [], [], [], [], []
    n_cells = n_groups = 0
    for design, step, label, offset, width in zip(designs, steps, labels, column_offset, widths, strict=True):
        if step is None:
            # One group, one cell with an empty model row: the residual is the influence value itself.
            cells.append(np.full(design.n_rows, n_cells, dtype=np.int64))
            cell_group.append(np.array([n_groups], dtype=np.int64))
            matrices.append(np.zeros((1, p)))
            cell_g.append(np.ones(1))
            before.append(design.weights)
            after.append(design.weights)
            group_labels.append(f"{label}:uncalibrated")
            n_cells, n_groups = n_cells + 1, n_groups + 1
            continue
        matrix = np.zeros((step.cell_matrix.shape[0], p))
        matrix[:, offset:offset + width] = step.cell_matrix
        cells.append(step.cell + n_cells)
        cell_group.append(step.cell_group + n_groups)
        matrices.append(matrix)
        cell_g.append(step.cell_g)
        before.append(step.weights_before)
        after.append(step.weights_after)
        names = step.group_labels or tuple(str(g) for g in range(step.n_groups))
        group_labels.extend(f"{label}:{g}" for g in names)
        n_cells, n_groups = n_cells + step.cell_matrix.shape[0], n_groups + step.n_groups
    first = calibrated[0]
    variables = tuple(dict.fromkeys(v for s in calibrated for v in s.variables))
    return (
        CalibrationStep(
            method=first.method,
            variables=variables,
            group_columns=(),
            bounds=None,
            cell=np.concatenate(cells),
            cell_group=np.concatenate(cell_group),
            cell_matrix=np.vstack(matrices),
            cell_g=np.concatenate(cell_g),
            weights_before=np.concatenate(before),
            weights_after=np.concatenate(after),
            group_labels=tuple(group_labels),
            diagnostics={"stacked_from": list(labels), "methods": [s.method if s else None for s in steps]},
        ),
    )
