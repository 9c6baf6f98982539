"""Area covariates for the synthetic authorities, with a known relation to the truth (for small-area models).

One row per synthetic local authority (standing in for a Community Safety Partnership), including those a BCS
sample misses:

- `la`, `pfa`, `region`: the authority's code, police force area and region;
- `adults`: its adult population (real scale; the benchmark weights);
- `imd`: a synthetic IMD-like average deprivation score, `20 + 8 x` the authority's deprivation score, which
  moves every perception factor (survey/synthetic/perceptions.py, `DEPRIVATION_SLOPE`);
- `recorded_asb_rate`: synthetic police-recorded ASB incidents per 1,000 adults,
  `25 x exp(2 x asb_level + N(0, 0.15^2))`, where `asb_level` = the ASB factor's deprivation slope x
  deprivation + the authority's own ASB effect. So it carries the part of each authority's perceived-ASB level
  that deprivation does not explain, with noise, as recorded crime does for a real area.

Every constant here is a synthetic assumption. The draws come from the seed's own `covariates` stream, so
adding them changed no other synthetic number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.synthetic.perceptions import DEPRIVATION_SLOPE, FACTOR_INDEX
from survey.synthetic.population import World

IMD_CENTRE = 20.0
IMD_SCALE = 8.0
RECORDED_ASB_PER_1000 = 25.0
RECORDED_ASB_SLOPE = 2.0
RECORDED_ASB_NOISE_SD = 0.15
AREA_COLUMNS: tuple[str, ...] = ("la", "pfa", "region", "adults", "imd", "recorded_asb_rate")


def area_covariates(world: World) -> pd.DataFrame:
    """The covariate file of the synthetic authorities (columns `AREA_COLUMNS`)."""
    las = world.geography.las
    a = FACTOR_INDEX["A"]
    asb_level = DEPRIVATION_SLOPE[a] * las["deprivation"].to_numpy() + world.geography.la_effects[:, a]
    rng = np.random.default_rng(world.streams["covariates"])
    noise = rng.normal(0.0, RECORDED_ASB_NOISE_SD, len(las))
    return pd.DataFrame({
        "la": las["la"].astype(str),
        "pfa": las["pfa"].astype(np.int64),
        "region": las["region"].astype(np.int64),
        "adults": las["adults"].astype(np.int64),
        "imd": np.round(IMD_CENTRE + IMD_SCALE * las["deprivation"].to_numpy(), 2),
        "recorded_asb_rate": np.round(RECORDED_ASB_PER_1000 * np.exp(RECORDED_ASB_SLOPE * asb_level + noise), 2),
    })[list(AREA_COLUMNS)]
