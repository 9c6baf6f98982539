"""What a report is made of: sections of paragraphs, tables and figures, built from results, drawn as HTML."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reporting.report.figures import Figure


@dataclass
class Paragraph:
    """A paragraph of plain text (escaped when drawn); `kind` "caveat" draws it as a warning box."""

    text: str
    """The words."""
    kind: str = "text"
    """"text", "caveat" or "note"."""


@dataclass
class Table:
    """A table drawn as HTML; numbers are formatted by the section, so every cell is text here."""

    frame: pd.DataFrame
    """Rows and columns as they should read."""
    caption: str
    """What the table shows."""
    numeric: tuple[str, ...] = ()
    """Columns right-aligned as numbers."""
    flag_column: str | None = None
    """Rows where this column is non-empty are marked (e.g. low bases)."""
    collapsed: bool = False
    """Drawn folded (a long table), opened by the reader and always shown in print."""


@dataclass
class Collapsible:
    """Long text (e.g. full metadata as JSON) folded under a summary; not printed."""

    summary: str
    """What the reader opens."""
    text: str
    """Shown as preformatted text."""


Block = Paragraph | Table | Figure | Collapsible


@dataclass
class Section:
    """A titled part of the report."""

    id: str
    """Anchor for the table of contents."""
    title: str
    """Heading."""
    blocks: list[Block] = field(default_factory=list)
    """Content, in order."""
    level: int = 2
    """Heading level (2 for sections, 3 for subsections)."""

    def figures(self) -> list[Figure]:
        """The figures of this section."""
        return [b for b in self.blocks if isinstance(b, Figure)]


@dataclass
class Report:
    """A whole report: title, main points, the caveats folded into one box, sections."""

    title: str
    """Page title and main heading."""
    sections: list[Section]
    """In reading order."""
    caveats: list[str] = field(default_factory=list)
    """Sentences every reader must see (synthetic data, uncalibrated rates), in full under Methods."""
    subtitle: str = ""
    """A line under the title (what the report covers)."""
    main_points: list[str] = field(default_factory=list)
    """3-8 sentences at the top, each an estimate with its interval and a judgement."""
    caveat_summary: list[str] = field(default_factory=list)
    """The caveats folded into a few short lines, shown in one box under the main points."""

    def figures(self) -> list[Figure]:
        """Every figure, in order."""
        return [f for s in self.sections for f in s.figures()]
