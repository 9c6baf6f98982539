"""Counts per indicator and crime type (`series`), exact Poisson intervals (`poisson`), rates per 1,000 by
financial year, quarter, month or rolling 12 months (`rates`)."""
