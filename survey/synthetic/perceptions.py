"""The latent model behind every synthetic answer: six correlated factors with area and personal effects.

Factors (each roughly standard normal over the population):
  A  perceived anti-social behaviour      C  confidence in the police and council
  S  satisfaction with the area, cohesion E  civic engagement (also raises Place Survey response)
  H  health                               T  trust in and fair treatment by local services

factor = deprivation slope x area deprivation + authority effect + neighbourhood (PSU) effect
         + age-band effect + sex effect + ethnicity effect + individual residual,
with the authority, neighbourhood and individual parts each correlated across factors. An item's latent
score is loading x factor + noise; the seven ASB strands share a person-level strand score (one view of
the area, whichever survey asks). Answer codes come from cutting the latent score at the quantiles that
give the target answer shares (survey/synthetic/targets.py) in a national reference population.

All effect sizes are synthetic assumptions chosen for plausible patterns: more ASB and less satisfaction
in deprived areas, younger people seeing more ASB, older people more satisfied, less healthy and more
engaged.
"""

from __future__ import annotations

import numpy as np

from survey.synthetic.targets import ASB_STRANDS, STRAND_DEPRIVATION_SLOPE, STRAND_LOADING, ItemModel

FACTORS: tuple[str, ...] = ("A", "C", "S", "E", "H", "T")
FACTOR_INDEX: dict[str, int] = {name: i for i, name in enumerate(FACTORS)}

# Correlation of the factors, used for the individual residuals and for the area effects.
FACTOR_CORRELATION = np.array(
    [
        [1.00, -0.35, -0.45, 0.05, -0.10, -0.25],
        [-0.35, 1.00, 0.30, 0.05, 0.05, 0.50],
        [-0.45, 0.30, 1.00, 0.15, 0.20, 0.35],
        [0.05, 0.05, 0.15, 1.00, 0.10, 0.15],
        [-0.10, 0.05, 0.20, 0.10, 1.00, 0.10],
        [-0.25, 0.50, 0.35, 0.15, 0.10, 1.00],
    ]
)
DEPRIVATION_SLOPE = np.array([0.22, -0.15, -0.35, -0.25, -0.30, -0.10])
LA_SD = np.array([0.15, 0.20, 0.15, 0.10, 0.10, 0.15])
PSU_SD = np.array([0.22, 0.12, 0.20, 0.08, 0.10, 0.10])
RESIDUAL_SD = np.array([0.85, 0.90, 0.85, 0.90, 0.75, 0.90])
# Rows: age bands 16-24, 25-34, 35-44, 45-54, 55-64, 65+ (the 16-24 band covers 18-24 for the Place Survey).
AGE_EFFECT = np.array(
    [
        [0.25, 0.20, -0.30, -0.35, 0.80, 0.05],
        [0.15, 0.00, -0.20, -0.20, 0.60, -0.10],
        [0.10, -0.10, -0.05, 0.05, 0.35, -0.10],
        [0.00, -0.15, 0.05, 0.15, 0.00, -0.05],
        [-0.15, -0.05, 0.20, 0.20, -0.45, 0.05],
        [-0.40, 0.15, 0.35, 0.10, -0.90, 0.25],
    ]
)
FEMALE_EFFECT = np.array([0.05, 0.00, 0.00, 0.05, -0.05, 0.00])
NONWHITE_EFFECT = np.array([0.05, 0.05, -0.05, -0.05, 0.00, -0.05])

STRAND_RESIDUAL = float(np.sqrt(1.0 - STRAND_LOADING**2))
BLANK = np.int8(-128)  # internal marker of a blank (unanswered) cell in item code arrays


def draw_factors(
    rng: np.random.Generator,
    age_band: np.ndarray,
    female: np.ndarray,
    nonwhite: np.ndarray,
    psu_deprivation: np.ndarray,
    psu_effect: np.ndarray,
    psu: np.ndarray,
) -> np.ndarray:
    """Latent factors per person, float32 (n, 6) with each factor's column contiguous. `psu_deprivation` and
    `psu_effect` (authority + PSU effects) are per PSU; `psu` is each person's PSU (an index into them)."""
    # float32 throughout: millions of people, and no need for more precision in a latent score. The
    # correlated residuals are combined factor by factor rather than by a matrix product, whose BLAS threads
    # stall when other work holds the cores.
    n = np.asarray(age_band).size
    weights = (np.linalg.cholesky(FACTOR_CORRELATION) * RESIDUAL_SD[:, None]).astype(np.float32)
    residual = rng.standard_normal((len(FACTORS), n), dtype=np.float32)
    area = (np.asarray(psu_deprivation)[:, None] * DEPRIVATION_SLOPE + psu_effect).astype(np.float32).T.copy()
    demographic = (AGE_EFFECT[:, None, None, :] + FEMALE_EFFECT * np.arange(2)[None, :, None, None]
                   + NONWHITE_EFFECT * np.arange(2)[None, None, :, None]).reshape(-1, len(FACTORS)).T.astype(np.float32)
    cell = (np.asarray(age_band, dtype=np.intp) - 1) * 4
    cell += np.asarray(female, dtype=np.intp) * 2
    cell += np.asarray(nonwhite, dtype=np.intp)
    factors = np.empty((len(FACTORS), n), dtype=np.float32)
    scratch = np.empty(n, dtype=np.float32)
    for k in range(len(FACTORS)):
        row = factors[k]
        np.take(area[k], psu, out=row)
        row += np.take(demographic[k], cell, out=scratch)
        for j in range(k + 1):  # the Cholesky factor is lower triangular
            row += np.multiply(residual[j], weights[k, j], out=scratch)
    return factors.T


def draw_strand_scores(rng: np.random.Generator, factors: np.ndarray, deprivation: np.ndarray) -> np.ndarray:
    """Latent score of each ASB strand per person, float32 (n, 7) with each strand's column contiguous, in
    ASB_STRANDS order."""
    slopes = np.array([STRAND_DEPRIVATION_SLOPE[s] for s in ASB_STRANDS], dtype=np.float32)
    scores = rng.standard_normal((len(ASB_STRANDS), factors.shape[0]), dtype=np.float32)
    common = np.float32(STRAND_LOADING) * factors[:, FACTOR_INDEX["A"]]
    deprivation = np.asarray(deprivation, dtype=np.float32)
    for j, row in enumerate(scores):
        row *= np.float32(STRAND_RESIDUAL)
        row += common
        row += slopes[j] * deprivation
    return scores.T


def item_latent(rng: np.random.Generator, model: ItemModel, factors: np.ndarray, strands: np.ndarray) -> np.ndarray:
    """Latent score of one item per person (float32)."""
    if model.latent.startswith("strand:"):
        return np.ascontiguousarray(strands[:, ASB_STRANDS.index(model.latent.split(":", 1)[1])],
                                    dtype=np.float32)
    factor = factors[:, FACTOR_INDEX[model.latent]]
    latent = rng.standard_normal(factor.size, dtype=np.float32)
    latent *= np.float32(np.sqrt(1.0 - model.loading**2))
    latent += np.float32(model.loading) * factor
    return latent


def fit_cutpoints(model: ItemModel, latent: np.ndarray) -> np.ndarray:
    """Ascending thresholds on the latent score giving the model's answer shares (code K lowest), float32 like
    the latent scores they cut."""
    bottom_up = np.cumsum(model.shares[::-1])[:-1] / sum(model.shares)
    return np.quantile(np.asarray(latent, dtype=np.float64), bottom_up).astype(np.float32)


def answer_codes(rng: np.random.Generator, model: ItemModel, latent: np.ndarray, cutpoints: np.ndarray) -> np.ndarray:
    """Answer codes (int8): code 1 above the top threshold ... code K below the lowest; then non-substantive
    codes and blanks at their rates, independently of the answer."""
    k = len(model.shares)
    codes = np.full(latent.size, k, dtype=np.int8)
    for cut in np.asarray(cutpoints, dtype=latent.dtype):  # a few thresholds: one comparison pass each
        codes -= latent > cut
    if model.nonsubstantive or model.blank:
        u = rng.random(latent.size, dtype=np.float32)
        edge = 0.0
        for code, rate in model.nonsubstantive.items():
            codes[(u >= edge) & (u < edge + rate)] = code
            edge += rate
        codes[(u >= edge) & (u < edge + model.blank)] = BLANK
    return codes
