"""Inputs of the simulation: the vocabulary, the validated parameter object, cohorts, scenarios and their
interventions, cohort drift, Annex Table 1, and the ranges of every assumption."""
