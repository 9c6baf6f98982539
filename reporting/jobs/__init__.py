"""`safer run`: a whole pipeline as one job file, every command a step, run in one process.

`spec.py` reads and checks the job file (pydantic), `commands.py` turns the Typer app's commands into steps with
option models made from their signatures, and `runner.py` resolves references between steps and runs them under
a `safer_io.memory.JobMemory`. The command line only hands over its app and the bundled examples folder.
"""
