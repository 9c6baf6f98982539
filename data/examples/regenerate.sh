#!/usr/bin/env bash
# Regenerate the bundled SYNTHETIC example surveys (see docs/synthetic-data.md). Deterministic: the same
# seed and the same version of safer give byte-identical CSV and Parquet files.
set -euo pipefail
cd "$(dirname "$0")"
safer synth bcs --seed 2008 --n 46000 --out bcs.parquet --truth bcs_truth.csv --controls bcs_controls.csv \
  --areas bcs_areas.csv
safer synth place --seed 2008 --las 20 --returns 1100 --out place.parquet --controls place_controls.csv \
  --truth place_truth.csv
# SYNTHETIC recorded crime for 30 partnerships, 2003-04 to 2012-13 (docs/recorded-crime.md); targets.csv (two
# agreed targets, written by hand) is not regenerated.
(cd recorded_crime && safer synth crime --seed 2008 --areas 30 --out counts.csv --population population.csv \
  --groups groups.csv --truth truth.csv)
# Names of the synthetic areas for `safer report --labels` (from the geography and bcs_areas.csv).
python area_labels.py
