"""Running replications: tasks and groups, in process or on Dask, checkpoints for a resume, whether a run fits
in memory, and how many replications a precision needs."""
