"""The jobs behind `safer simulate`: one module per command, holding what the command does.

Each job takes the command's options by the same names, checks them before any work, runs the question
(`simulation.questions`), writes its outputs through `safer_io.outputs` with their provenance, and returns what
the command line prints (`reporting.console` prints it). The command line and `safer run` job steps both call
them; a `safer_io.progress.Tracker` shows progress where someone is watching, and nothing elsewhere.
"""
