"""SYNTHETIC BCS and Place Survey data drawn from a synthetic population with known truth.

population.py / geography.py / perceptions.py build the population from a seed (calibrated to the
synthetic calibration targets in targets.py); bcs.py and place.py draw the samples; truth.py gives the
true values; coverage.py checks interval coverage; compare.py sets estimates beside the truth; jobs.py and
files.py serve `safer synth`. See docs/synthetic-data.md.
"""
