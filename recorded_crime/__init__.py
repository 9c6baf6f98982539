"""Police recorded crime for PSA 23 indicators 1 and 2 and the recorded-crime national indicators.

The pipeline, stage by stage (each a subpackage):

- `codes`: the indicators as data (`indicators.yaml`: offence codes verbatim from the Measurement Annex with
  their seed lines, the NI definitions marked as outside the seeds, code changes over time), code notation and
  the nearest known code.
- `reading`: offence counts by area, period and code (a long CSV or Parquet file, or the Home Office open-data
  layout through a mapping), population by area and year, most similar groups; every check of `validate`.
- `rates`: counts per indicator, crime type, area and month; rates per 1,000 by financial year, quarter or
  rolling 12 months, with exact Poisson intervals.
- `judging`: change against the area's own historical fluctuation (a quasi-Poisson model, as A.2 asks) with the
  exact Poisson test beside it, control limits over time, each crime type (A.3, A.24) with a multiplicity rule,
  most-similar-group benchmarks and the A.20 status, the national view and the A.17 displacement pairs.
- `synthetic`: recorded crime with known truth, and the check of the change test's false alarms and power.
- `jobs`: each `safer crime ...` command as a function that reads, judges and writes (the command line only
  declares).

It imports `safer_io` and nothing else of `safer`: not `survey`, `simulation`, `reporting` or `cli`.
See `docs/recorded-crime.md`.
"""
