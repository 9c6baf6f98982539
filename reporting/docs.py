"""The documentation pages, found the same way from a clone (`docs/`) and from an installed package.

The wheel carries `docs/` as `reporting/_bundled/docs`, so `safer docs PAGE` shows a page wherever `safer` runs,
and messages can point at a page by name instead of at a path that exists only in a clone.
"""

from __future__ import annotations

from pathlib import Path

from safer_io.inputs import InputFileError


def docs_dir() -> Path:
    """The folder of the documentation pages: inside the installed package, or `docs/` in a checkout."""
    bundled = Path(__file__).resolve().parent / "_bundled" / "docs"
    return bundled if bundled.is_dir() else Path(__file__).resolve().parents[1] / "docs"


def doc_pages() -> dict[str, str]:
    """Page name (file stem) -> its title (first heading), sorted by name."""
    pages: dict[str, str] = {}
    for path in sorted(docs_dir().glob("*.md")):
        first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")), "")
        pages[path.stem] = first.lstrip("# ").strip()
    return pages


def doc_page(name: str) -> str:
    """The Markdown text of one page; an unknown name raises `KeyError` listing the pages."""
    path = docs_dir() / f"{name.removesuffix('.md')}.md"
    if not path.is_file():
        raise KeyError(f"no documentation page '{name}'; pages are: {', '.join(doc_pages())}")
    return path.read_text(encoding="utf-8")


def find_page(name: str) -> str:
    """`doc_page`, with an unknown name as bad input (`InputFileError`, exit code 2)."""
    try:
        return doc_page(name)
    except KeyError as exc:
        raise InputFileError(str(exc.args[0])) from None
