"""Weights, with the calibration history kept on the design.

`spec` (what a weighting job asks for) -> `pipeline` (the steps in order) using `steps` (base weight,
household, nonresponse, trimming, scaling), `controls` (control totals matched to the data), `calibration`
and `grake` (R's `calibrate`/`grake` on cell sums, all groups at once) and `replicates`. `weighted_files`
rebuilds the design of a weighted file from its metadata.
"""
