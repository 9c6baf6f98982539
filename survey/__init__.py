"""Design-based estimation of community-safety survey indicators (BCS and Place Survey).

The pipeline, one step per module: questionnaire spec -> read and validate -> design -> weights
(calibration history kept on the design) -> indicator variables -> estimates (SE and CI) -> tables.

Public entry points, imported lazily so that ``import survey.errors`` stays light::

    from survey import load_questionnaire, read_survey_file, validate_against_questionnaire
    from survey import make_design, calibrate_to_margins, read_control_totals, run_weighting
    from survey import indicator_values, estimate, proportion_target, mean_target, Target

Every estimator takes the design, so variances after calibration (or with replicate weights) are right
without the caller doing anything.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey.calibration import calibrate_to_margins
    from survey.controls import ControlTotals, control_totals_from_frame, read_control_totals
    from survey.design import CalibrationStep, ReplicateWeights, SurveyDesign, load_design_spec, make_design
    from survey.errors import SurveyInputError
    from survey.estimation import OUTPUT_COLUMNS, Target, estimate, mean_target, proportion_target
    from survey.indicators import indicator_ids, indicator_values
    from survey.jobs import estimate_file
    from survey.questionnaire import Questionnaire, list_questionnaires, load_questionnaire
    from survey.readers import SurveyFile, read_survey_file
    from survey.replicates import replicate_design
    from survey.validate import Problem, validate_against_questionnaire
    from survey.variance import DomainMeans, domain_means, domain_means_many
    from survey.weighting import design_from_weighted_file, load_weighting_spec, run_weighting

_EXPORTS = {
    "calibrate_to_margins": "survey.calibration",
    "ControlTotals": "survey.controls",
    "control_totals_from_frame": "survey.controls",
    "read_control_totals": "survey.controls",
    "CalibrationStep": "survey.design",
    "ReplicateWeights": "survey.design",
    "SurveyDesign": "survey.design",
    "load_design_spec": "survey.design",
    "make_design": "survey.design",
    "SurveyInputError": "survey.errors",
    "OUTPUT_COLUMNS": "survey.estimation",
    "estimate": "survey.estimation",
    "Target": "survey.estimation",
    "mean_target": "survey.estimation",
    "proportion_target": "survey.estimation",
    "indicator_ids": "survey.indicators",
    "indicator_values": "survey.indicators",
    "estimate_file": "survey.jobs",
    "Questionnaire": "survey.questionnaire",
    "list_questionnaires": "survey.questionnaire",
    "load_questionnaire": "survey.questionnaire",
    "SurveyFile": "survey.readers",
    "read_survey_file": "survey.readers",
    "replicate_design": "survey.replicates",
    "Problem": "survey.validate",
    "validate_against_questionnaire": "survey.validate",
    "DomainMeans": "survey.variance",
    "domain_means": "survey.variance",
    "domain_means_many": "survey.variance",
    "design_from_weighted_file": "survey.weighting",
    "load_weighting_spec": "survey.weighting",
    "run_weighting": "survey.weighting",
}
__all__ = [
    "CalibrationStep",
    "ControlTotals",
    "DomainMeans",
    "OUTPUT_COLUMNS",
    "Problem",
    "Questionnaire",
    "ReplicateWeights",
    "SurveyDesign",
    "SurveyFile",
    "SurveyInputError",
    "Target",
    "calibrate_to_margins",
    "control_totals_from_frame",
    "design_from_weighted_file",
    "domain_means",
    "domain_means_many",
    "estimate",
    "estimate_file",
    "indicator_ids",
    "indicator_values",
    "list_questionnaires",
    "load_design_spec",
    "load_questionnaire",
    "load_weighting_spec",
    "make_design",
    "mean_target",
    "proportion_target",
    "read_control_totals",
    "read_survey_file",
    "replicate_design",
    "run_weighting",
    "validate_against_questionnaire",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
