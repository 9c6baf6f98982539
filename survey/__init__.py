"""Design-based estimation of community-safety survey indicators (BCS and Place Survey).

The pipeline, one subpackage per stage: `questionnaire` (items and indicator rules as data) -> `reading`
(read and validate files) -> `design` (the design object, carrying strata, clusters, weights and the
calibration history) -> `weighting` (weights, calibration kept on the design) -> `estimation` (indicator
variables, estimates with SE and CI) -> `judging` (changes between periods, peers, targets). `jobs` holds
the whole jobs behind the commands; `synthetic` draws data with known truth.

Public entry points, imported lazily so that `import survey.errors` stays light:

    from survey import load_questionnaire, read_survey_file, validate_against_questionnaire
    from survey import make_design, calibrate_to_margins, read_control_totals, run_weighting
    from survey import indicator_values, estimate, proportion_target, mean_target, Target
    from survey import small_area_estimates, SmallAreaOptions
    from survey import stack_designs, estimate_periods, rolling, change, peer_comparison, target_status

Every estimator takes the design, so variances after calibration (or with replicate weights) are right
without the caller doing anything.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey.design import CalibrationStep, ReplicateWeights, SurveyDesign, load_design_spec, make_design
    from survey.errors import SurveyInputError
    from survey.estimation.estimates import OUTPUT_COLUMNS, estimate
    from survey.estimation.indicators import indicator_ids, indicator_values
    from survey.estimation.strata import DomainMeans
    from survey.estimation.targets import Target, mean_target, proportion_target
    from survey.estimation.variance import contrast_means, domain_means, domain_means_many
    from survey.jobs.estimate import estimate_file
    from survey.judging.change import change, change_from_tables
    from survey.judging.minimum_movement import minimum_movement
    from survey.judging.peers import peer_comparison, read_peer_groups
    from survey.judging.periods import Period, estimate_periods, rolling
    from survey.judging.targets import load_targets, target_status
    from survey.questionnaire.loading import list_questionnaires, load_questionnaire
    from survey.questionnaire.schema import Questionnaire
    from survey.reading.files import SurveyFile, read_survey_file
    from survey.reading.validate import Problem, validate_against_questionnaire
    from survey.small_area.model import SmallAreaOptions, SmallAreaResult, small_area_estimates
    from survey.stacking import stack_designs
    from survey.weighting.calibration import calibrate_to_margins
    from survey.weighting.controls import ControlTotals, control_totals_from_frame, read_control_totals
    from survey.weighting.pipeline import run_weighting
    from survey.weighting.replicates import replicate_design
    from survey.weighting.spec import load_weighting_spec
    from survey.weighting.weighted_files import design_from_weighted_file

_MODULE_EXPORTS: dict[str, tuple[str, ...]] = {
    "survey.design": ("CalibrationStep", "ReplicateWeights", "SurveyDesign", "load_design_spec", "make_design"),
    "survey.errors": ("SurveyInputError",),
    "survey.estimation.estimates": ("OUTPUT_COLUMNS", "estimate"),
    "survey.estimation.indicators": ("indicator_ids", "indicator_values"),
    "survey.estimation.strata": ("DomainMeans",),
    "survey.estimation.targets": ("Target", "mean_target", "proportion_target"),
    "survey.estimation.variance": ("contrast_means", "domain_means", "domain_means_many"),
    "survey.judging.change": ("change", "change_from_tables"),
    "survey.judging.minimum_movement": ("minimum_movement",),
    "survey.judging.peers": ("peer_comparison", "read_peer_groups"),
    "survey.judging.periods": ("Period", "estimate_periods", "rolling"),
    "survey.judging.targets": ("load_targets", "target_status"),
    "survey.jobs.estimate": ("estimate_file",),
    "survey.questionnaire.loading": ("list_questionnaires", "load_questionnaire"),
    "survey.questionnaire.schema": ("Questionnaire",),
    "survey.reading.files": ("SurveyFile", "read_survey_file"),
    "survey.reading.validate": ("Problem", "validate_against_questionnaire"),
    "survey.small_area.model": ("SmallAreaOptions", "SmallAreaResult", "small_area_estimates"),
    "survey.stacking": ("stack_designs",),
    "survey.weighting.calibration": ("calibrate_to_margins",),
    "survey.weighting.controls": ("ControlTotals", "control_totals_from_frame", "read_control_totals"),
    "survey.weighting.pipeline": ("run_weighting",),
    "survey.weighting.replicates": ("replicate_design",),
    "survey.weighting.spec": ("load_weighting_spec",),
    "survey.weighting.weighted_files": ("design_from_weighted_file",),
}
_EXPORTS = {name: module for module, names in _MODULE_EXPORTS.items() for name in names}
__all__ = [
    "CalibrationStep",
    "ControlTotals",
    "DomainMeans",
    "OUTPUT_COLUMNS",
    "Period",
    "Problem",
    "Questionnaire",
    "ReplicateWeights",
    "SmallAreaOptions",
    "SmallAreaResult",
    "SurveyDesign",
    "SurveyFile",
    "SurveyInputError",
    "Target",
    "calibrate_to_margins",
    "change",
    "change_from_tables",
    "contrast_means",
    "control_totals_from_frame",
    "design_from_weighted_file",
    "domain_means",
    "domain_means_many",
    "estimate",
    "estimate_file",
    "estimate_periods",
    "indicator_ids",
    "indicator_values",
    "list_questionnaires",
    "load_design_spec",
    "load_questionnaire",
    "load_targets",
    "load_weighting_spec",
    "make_design",
    "mean_target",
    "minimum_movement",
    "peer_comparison",
    "proportion_target",
    "read_control_totals",
    "read_peer_groups",
    "read_survey_file",
    "replicate_design",
    "rolling",
    "run_weighting",
    "small_area_estimates",
    "stack_designs",
    "target_status",
    "validate_against_questionnaire",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
