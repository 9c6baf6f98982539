"""Job files are checked whole before any step runs; every mistake is named by file, step and option."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
import yaml

from cli import app
from reporting.errors import ReportInputError
from reporting.jobs.commands import EXCLUDED, app_commands
from reporting.jobs.runner import plan_job
from reporting.jobs.spec import load_job

COMMANDS = app_commands(app)


def plan(tmp_path: Path, steps: list[dict[str, object]], **top: object) -> list[object]:
    job = tmp_path / "job.yaml"
    job.write_text(yaml.safe_dump({"job": "test", "steps": steps, **top}))
    spec = load_job(job)
    return plan_job(spec, COMMANDS, source=str(job), workdir=tmp_path, variables={"examples": "/ex", "job": "/j"})


def estimate_step(name: str = "est", **options: object) -> dict[str, object]:
    return {"name": name, "command": "estimate",
            "options": {"data": "in.parquet", "questionnaire": "place", "indicator": ["NI17"], "out": "e.csv"}
            | options}


def test_every_command_of_the_app_is_a_step() -> None:
    click_app = typer.main.get_command(app)
    names = set()
    for name, command in click_app.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names |= {f"{name} {sub}" for sub in subcommands} if subcommands else {name}
    assert names - set(EXCLUDED) == set(COMMANDS), "a command added to the app must be a step with no extra work"


def test_a_valid_job_resolves_references_variables_and_paths(tmp_path: Path) -> None:
    steps = [
        {"name": "w", "command": "weight", "options": {"data": "{examples}/place.parquet", "by": "la",
                                                       "out": "w.parquet", "controls": "{examples}/c.csv"}},
        estimate_step(data="@w", by="la"),
        {"name": "r", "command": "report", "options": {"results": ["@est"], "out": "r.html",
                                                       "national-label": "England"}},
    ]
    planned = plan(tmp_path, steps)
    weight, est, report = (p.arguments for p in planned)  # type: ignore[attr-defined]
    assert weight["data"] == Path("/ex/place.parquet") and weight["by"] == ["la"]
    # estimate takes several files (stacked), so its data is a list even for one file.
    assert est["data"] == [tmp_path / "w.parquet"], "@w is the weight step's output, in the working folder"
    assert est["by"] == ["la"] and est["ci"] == "logit", "a single value becomes a list; defaults are filled"
    assert report["results"] == [tmp_path / "e.csv"] and report["national_label"] == "England"


@pytest.mark.parametrize(("steps", "message"), [
    ([{"name": "a", "command": "tea", "options": {}}], r"step 1 \('a', tea\): 'tea' is not a command.*estimate"),
    ([estimate_step(colour="red")], r"step 1 \('est', estimate\): 'colour' is not an option of safer estimate"),
    ([{"name": "s", "command": "simulate run", "options": {"replications": 0, "out": "s.csv"}}],
     r"option replications: Input should be greater than or equal to 1"),
    ([{"name": "s", "command": "simulate run", "options": {"seed": "soon", "out": "s.csv"}}],
     r"option seed: Input should be a valid integer"),
    ([{"name": "e", "command": "estimate", "options": {"data": "x.csv"}}], r"option out: Field required"),
    ([estimate_step(data="@later"), estimate_step("later", out="f.csv")],
     r"'@later' refers to no earlier step"),
    ([estimate_step(), {"name": "r", "command": "report", "options": {"results": ["@est.figures"], "out": "r.html"}}],
     r"'@est.figures': step 'est' has no 'figures' set"),
    ([estimate_step(), estimate_step("again")], r"step 2 \('again', estimate\): writes .*e\.csv, which step 'est'"),
    ([estimate_step(), estimate_step()], r"two steps are named 'est'"),
])
def test_mistakes_are_named_before_anything_runs(tmp_path: Path, steps: list[dict[str, object]],
                                                  message: str) -> None:
    with pytest.raises(ReportInputError, match=message):
        plan(tmp_path, steps)
    assert list(tmp_path.iterdir()) == [tmp_path / "job.yaml"], "checking a job writes nothing"


def test_unknown_top_level_keys_and_empty_jobs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match="author: Extra inputs are not permitted"):
        plan(tmp_path, [estimate_step()], author="me")
    with pytest.raises(ReportInputError, match="steps: List should have at least 1 item"):
        plan(tmp_path, [])


def test_a_job_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("job: [unclosed\n")
    with pytest.raises(ReportInputError, match="not valid YAML"):
        load_job(job)
    with pytest.raises(ReportInputError, match="job file does not exist"):
        load_job(tmp_path / "absent.yaml")


def test_command_line_flag_names_are_accepted(tmp_path: Path) -> None:
    steps = [{"name": "s", "command": "simulate run",
              "options": {"cohort-file": "c.csv", "params": "p.yaml", "out": "s.csv"}}]
    (arguments,) = [p.arguments for p in plan(tmp_path, steps)]  # type: ignore[attr-defined]
    assert arguments["cohort_file"] == tmp_path / "c.csv" and arguments["params_file"] == tmp_path / "p.yaml"
