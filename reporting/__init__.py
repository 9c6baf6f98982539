"""What `safer` hands to people: output files with provenance, written so that nothing is lost.

Neither half of the tool is imported here, and this package imports neither: it works on tables and their
metadata. `files` holds the plumbing every command writes through.
"""
