"""Offender-cohort simulation of proven re-offending (PSA 23 indicators 5 and 6)."""
