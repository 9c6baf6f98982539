"""Small-area estimation: local figures where a survey's sample is too thin for direct estimates.

The Fay-Herriot area-level model (Fay & Herriot 1979) borrows strength from related areas through area
covariates: each area's EBLUP is a weighted mean of its direct estimate and a regression-synthetic estimate,
weighted by how reliable the direct estimate is. `small_area_estimates` (in `model.py`) is the whole job on tables; the
stages, one idea per module:

- `direct.py`: the direct estimates by area lined up with the covariate file, with every input check;
- `formula.py`: the covariate formula and its design matrix (collinearity named);
- `transform.py`: arcsine square-root of proportions, and the bias-corrected way back;
- `gvf.py`: sampling variances smoothed as a function of the effective base;
- `fay_herriot.py`: the REML / ML fit (Fisher scoring, batched for the bootstrap);
- `eblup.py`: EBLUPs and the Prasad-Rao / Datta-Lahiri MSE;
- `bootstrap.py`: the parametric bootstrap MSE;
- `benchmark.py`: agreement with the national direct estimate, and the MSE it adds;
- `diagnostics.py`: the diagnostics table.

samplics' `EblupAreaModel` is the test peer (through `survey.samplics_adapter`), with R's `sae` and `metafor`.
"""

from __future__ import annotations

from survey.small_area.model import (
    OUTPUT_COLUMNS,
    SmallAreaOptions,
    SmallAreaResult,
    checked_options,
    small_area_estimates,
)

__all__ = ["OUTPUT_COLUMNS", "SmallAreaOptions", "SmallAreaResult", "checked_options", "small_area_estimates"]
