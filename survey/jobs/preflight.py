"""The options of a survey command that can be checked without its data, checked first.

A confidence level of 5, a CI method that does not exist or an indicator the questionnaire does not have is
refused before any file is read, so that `safer run --check` finds them (`safer_io.checking`) and a command
never reads half a million rows only to refuse an option.
"""

from __future__ import annotations

from collections.abc import Sequence

from survey.errors import SurveyInputError
from survey.options import CI_METHODS, choose


def check_level(level: float, option: str = "--level") -> None:
    """A confidence level strictly between 0 and 1.

    >>> check_level(5)
    Traceback (most recent call last):
    ...
    survey.errors.SurveyInputError: --level 5: a confidence level is between 0 and 1, e.g. 0.95.
    """
    if not 0 < level < 1:
        raise SurveyInputError(f"{option} {level:g}: a confidence level is between 0 and 1, e.g. 0.95.")


def check_table_options(questionnaire: str | None, indicator: Sequence[str], level: float,
                        ci: str | None = None) -> None:
    """The level, the CI method and every indicator id (against the questionnaire, which is loaded to check
    them) of `estimate`, `change`, `peers` and `targets`."""
    check_level(level)
    if ci is not None:
        choose(ci, CI_METHODS, "--ci")
    if indicator and questionnaire is not None:
        from survey.questionnaire.loading import load_questionnaire

        loaded = load_questionnaire(questionnaire)
        for wanted in indicator:
            loaded.indicator(wanted)
