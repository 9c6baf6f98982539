"""Checks on the `--by` columns before estimating: domains big enough to publish, and who is in none.

Disclosure: a domain column whose values mostly hold fewer respondents than the publication threshold (an
identifier, a postcode, a date of birth) would turn an estimate table into a list of individual answers, so it
is refused before anything is estimated; small domains of an ordinary column are suppressed in the table
instead. Respondents with no value in a domain column are in no domain of it (they stay in the overall
estimates); how many is reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from survey.errors import SurveyInputError


def refuse_sparse_domains(data: pd.DataFrame, by: Sequence[str], min_base: int, *, source: str = "data") -> None:
    """Refuse a `--by` column most of whose domains have fewer than `min_base` respondents.

    >>> frame = pd.DataFrame({"respondent_id": range(200), "region": ["north", "south"] * 100})
    >>> refuse_sparse_domains(frame, ["region"], 50)
    >>> refuse_sparse_domains(frame, ["respondent_id"], 50)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.SurveyInputError: data: --by respondent_id: 200 of its 200 domains have fewer than 50 ...
    """
    if min_base <= 1:
        return
    for column in by:
        sizes = data[column].value_counts(dropna=True)
        if sizes.empty:
            continue
        small = int((sizes < min_base).sum())
        if small > len(sizes) / 2:
            raise SurveyInputError(
                f"{source}: --by {column}: {small} of its {len(sizes)} domains have fewer than {min_base} respondents "
                f"(the largest has {int(sizes.max())}); estimates by it would disclose individual answers. Choose a "
                "coarser domain column, or lower --min-base if these domains are large enough to publish."
            )


def missing_domain_notes(data: pd.DataFrame, by: Sequence[str]) -> list[str]:
    """One note per `--by` column with blank values: how many respondents are in none of its domains.

    >>> missing_domain_notes(pd.DataFrame({"la": ["E1", None, "E2", None]}), ["la"])
    ['--by la: 2 of 4 respondents have no la value and are in no la domain (they are in the overall estimates).']
    """
    notes = []
    for column in by:
        missing = int(data[column].isna().sum())
        if missing:
            notes.append(
                f"--by {column}: {missing} of {len(data)} respondents have no {column} value and are in no {column} "
                "domain (they are in the overall estimates)."
            )
    return notes
