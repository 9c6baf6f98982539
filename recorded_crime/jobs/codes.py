"""`safer crime codes`: each indicator's crime types and offence codes, and where the definition comes from."""

from __future__ import annotations

from pathlib import Path

from recorded_crime.codes.catalogue import load_catalogue


def codes_command(*, indicator: list[str], indicators: Path | None) -> list[str]:
    """`safer crime codes`, from its options by name."""
    return codes_lines(indicators, tuple(indicator))


def codes_lines(indicators_file: Path | None, chosen: tuple[str, ...]) -> list[str]:
    """Lines describing the chosen indicators (all by default)."""
    catalogue = load_catalogue(indicators_file)
    lines = []
    for indicator_id in chosen or tuple(catalogue.indicators):
        indicator = catalogue.indicator(indicator_id)
        source = indicator.source
        where = f"outside the seeds: {catalogue.source_text(source.document)[:90]}..." if source.outside_seeds \
            else f"seed lines {source.where}"
        lines.append(f"{indicator.id} {indicator.title} ({indicator.kind}; confidence {source.confidence}; {where})")
        for crime_type in catalogue.crime_types(indicator_id):
            cite = next((t.cite for t in indicator.crime_types if t.id == crime_type.id), None)
            lines.append(f"  {crime_type.id}: {', '.join(crime_type.codes)}" + (f"  [{cite}]" if cite else ""))
    return lines
