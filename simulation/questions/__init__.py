"""The questions asked of the model: what a scenario does against the baseline under drawn assumptions, how each
year's cohort is calibrated to the published figures, the A.38 projection, and which assumptions move the
answer most (sweeps)."""
