"""The recorded-crime indicators as data: offence codes, crime types, code changes, displacement pairs.

`indicators.yaml` is the bundled catalogue; `schema.py` checks it; `catalogue.py` loads it (or a copy given with
`--indicators`) and answers which codes make up each indicator and crime type, and when each code was in use;
`notation.py` writes every spelling of a code (4_1, 4/1, 4.1) one way; `nearest.py` names the nearest known code.
"""
