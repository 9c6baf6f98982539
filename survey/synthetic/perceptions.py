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
    deprivation: np.ndarray,
    area_effect: np.ndarray,
) -> np.ndarray:
    """Latent factors per person, float32 (n, 6). `area_effect` is authority + PSU effects per person."""
    # float32 throughout: millions of people, and no need for more precision in a latent score.
    loadings = (np.linalg.cholesky(FACTOR_CORRELATION).T * RESIDUAL_SD).astype(np.float32)
    factors = rng.standard_normal((age_band.size, len(FACTORS)), dtype=np.float32) @ loadings
    factors += deprivation.astype(np.float32)[:, None] * DEPRIVATION_SLOPE.astype(np.float32)
    factors += area_effect.astype(np.float32)
    factors += AGE_EFFECT.astype(np.float32)[age_band - 1]
    factors += female[:, None] * FEMALE_EFFECT.astype(np.float32)
    factors += nonwhite[:, None] * NONWHITE_EFFECT.astype(np.float32)
    return factors


def draw_strand_scores(rng: np.random.Generator, factors: np.ndarray, deprivation: np.ndarray) -> np.ndarray:
    """Latent score of each ASB strand per person, float32 (n, 7), in ASB_STRANDS order."""
    slopes = np.array([STRAND_DEPRIVATION_SLOPE[s] for s in ASB_STRANDS], dtype=np.float32)
    scores = rng.standard_normal((factors.shape[0], len(ASB_STRANDS)), dtype=np.float32)
    scores *= np.float32(STRAND_RESIDUAL)
    scores += np.float32(STRAND_LOADING) * factors[:, [FACTOR_INDEX["A"]]]
    scores += deprivation.astype(np.float32)[:, None] * slopes
    return scores


def item_latent(rng: np.random.Generator, model: ItemModel, factors: np.ndarray, strands: np.ndarray) -> np.ndarray:
    """Latent score of one item per person (float64)."""
    if model.latent.startswith("strand:"):
        return strands[:, ASB_STRANDS.index(model.latent.split(":", 1)[1])].astype(np.float64)
    factor = factors[:, FACTOR_INDEX[model.latent]].astype(np.float64)
    noise = rng.standard_normal(factor.size)
    return model.loading * factor + np.sqrt(1.0 - model.loading**2) * noise


def fit_cutpoints(model: ItemModel, latent: np.ndarray) -> np.ndarray:
    """Ascending thresholds on the latent score giving the model's answer shares (code K lowest)."""
    bottom_up = np.cumsum(model.shares[::-1])[:-1] / sum(model.shares)
    return np.quantile(latent, bottom_up)


def answer_codes(rng: np.random.Generator, model: ItemModel, latent: np.ndarray, cutpoints: np.ndarray) -> np.ndarray:
    """Answer codes (int8): code 1 above the top threshold ... code K below the lowest; then non-substantive
    codes and blanks at their rates, independently of the answer."""
    k = len(model.shares)
    codes = (k - np.searchsorted(cutpoints, latent)).astype(np.int8)
    if model.nonsubstantive or model.blank:
        u = rng.random(latent.size)
        edge = 0.0
        for code, rate in model.nonsubstantive.items():
            codes[(u >= edge) & (u < edge + rate)] = code
            edge += rate
        codes[(u >= edge) & (u < edge + model.blank)] = BLANK
    return codes
