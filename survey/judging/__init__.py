"""Judging performance from survey indicators: is a change real, how an area stands against its peers,
whether it is on track for its target.

Modules: `periods` (date windows, levels of a column and rolling years, each a domain of the full design;
estimates by period), `change` (difference between two periods with its full-design SE, significance,
direction and the Annex's minimum movement), `minimum_movement` (the Annex arithmetic), `peers` (an area
against the mean of its most similar group, and keeping pace), `targets` (straight-line trajectories and
on-track status). Every function takes a design object; the variance of every difference comes from
`survey.estimation.variance.contrast_means`, so replicate designs get replicate variances.
"""
