"""`safer synth crime` and `safer check crime-change`: synthetic recorded crime files, and the change test's check."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.periods import parse_financial_year, year_label
from recorded_crime.synthetic.check import CheckSettings, change_check
from recorded_crime.synthetic.draw import NOTE, CrimeSynthSettings, draw_crime


def synth_settings(areas: int, years: str, seed: int, change_share: float, effect: float, change_from: str,
                   changed_family: str, keep_zero_rows: bool, prefix: str = "E") -> CrimeSynthSettings:
    """The settings of `synth crime` from its options (`years` as FIRST:LAST financial years)."""
    first_text, sep, last_text = years.partition(":")
    if not sep:
        raise CrimeInputError(f"--years {years}: give FIRST:LAST financial years, e.g. 2003-04:2012-13.")
    first, last = parse_financial_year(first_text, "--years"), parse_financial_year(last_text, "--years")
    if last < first:
        raise CrimeInputError(f"--years {years}: the last year is before the first.")
    if areas < 3:
        raise CrimeInputError(f"--areas {areas}: draw at least 3 areas (a most similar group needs 3).")
    if changed_family not in ("violence", "acquisitive", "damage"):
        raise CrimeInputError(f"--changed-family {changed_family}: use violence, acquisitive or damage.")
    return CrimeSynthSettings(areas=areas, first_year=first, last_year=last, seed=seed, change_share=change_share,
                              effect=effect, change_from=parse_financial_year(change_from, "--change-from"),
                              changed_family=changed_family, keep_zero_rows=keep_zero_rows, prefix=prefix)


def synth_crime_command(*, out: Path, population: Path, groups: Path, truth: Path | None, areas: int, years: str,
                        seed: int, change_share: float, effect: float, change_from: str, changed_family: str,
                        keep_zero_rows: bool) -> list[str]:
    """`safer synth crime`, from its options by name."""
    settings = synth_settings(areas, years, seed, change_share, effect, change_from, changed_family, keep_zero_rows)
    return synth_job(settings, out, population, groups, truth)


def check_crime_change_command(*, areas: int, years: str, base: str, current: str, effect: list[float],
                               indicator: str, level: float, seed: int, out: Path | None) -> list[str]:
    """`safer check crime-change`, from its options by name (`years` as FIRST:LAST financial years)."""
    first, _, last = years.partition(":")
    settings = CheckSettings(areas, parse_financial_year(first, "--years"), parse_financial_year(last, "--years"),
                             parse_financial_year(base, "--base"), parse_financial_year(current, "--current"),
                             tuple(effect), indicator, level, seed)
    return check_job(settings, out)[0]


def synth_job(settings: CrimeSynthSettings, out: Path, population: Path, groups: Path, truth: Path | None
              ) -> list[str]:
    """Draw and write the counts, population, groups and truth files (each with provenance and the SYNTHETIC note)."""
    from safer_io.outputs import check_outputs, table_format, write_output
    from safer_io.provenance import provenance

    for path in (out, population, groups, truth):
        if path is not None:
            table_format(path)
    check_outputs([out, population, groups, truth], [])
    drawn = draw_crime(settings)
    parameters = {k: v for k, v in asdict(settings).items()}
    metadata = provenance("synth crime", parameters, []) | {"note": NOTE, "caveats": [NOTE]}
    write_output(drawn.counts, out, metadata | {"content": "counts"})
    write_output(drawn.population, population, metadata | {"content": "population"})
    write_output(drawn.groups, groups, metadata | {"content": "most similar groups"})
    if truth is not None:
        write_output(drawn.truth, truth, metadata | {"content": "truth"})
    changed = int(drawn.areas["changed"].sum())
    return [NOTE,
            f"{settings.areas} areas, {year_label(settings.first_year)} to {year_label(settings.last_year)}: "
            f"{len(drawn.counts)} count rows; {changed} area(s) with a true change of x{settings.effect:g} in "
            f"{settings.changed_family} offences from {year_label(settings.change_from)}.",
            f"wrote {out}, {population}, {groups}" + (f", {truth}" if truth else "")]


def check_job(settings: CheckSettings, out: Path | None) -> tuple[list[str], object]:
    """Run the change test's check; write its table when `out` is given."""
    from safer_io.outputs import check_outputs, table_format, write_output
    from safer_io.provenance import provenance

    if out is not None:
        table_format(out)
        check_outputs([out], [])
    if settings.areas < 20:
        raise CrimeInputError(f"--areas {settings.areas}: a rejection rate from fewer than 20 areas says little; "
                              "draw at least 20 (400 gives an interval of about +/- 2 points at 5%).")
    table = change_check(settings)
    if out is not None:
        write_output(table, out, provenance("check crime-change", asdict(settings), []) | {"note": NOTE,
                                                                                            "caveats": [NOTE]})
    lines = [f"{row['scenario']}, {row['test']}: {row['rejected']} of {row['areas']} areas called changed "
             f"({100 * row['rejection_rate']:.1f}%, 95% interval {100 * row['ci_lower']:.1f} to "
             f"{100 * row['ci_upper']:.1f}; {row['what']})" for row in table.to_dict("records")]
    return lines, table
