"""Whole jobs behind the commands: read files, run the pipeline, and say what was done.

Each job returns results and a JSON-ready record of what it did; the command line writes the files.
"""
