"""One spelling for every offence code: the Home Office open-data form (1, 4.1, 4.10, 8F, 37.1, 105A).

The seeds print sub-codes with an underscore (`4_1`, `8_1`, `37_1`, 000:441-445) or a slash (`37/2`, 000:540), the
Counting Rules with a slash (`4/1`), and the open data with a dot (`4.1`, `37.2`). All three mean the same code.
A code is text: read as a number, `4.10` (corporate manslaughter) would become `4.1` (manslaughter), so no reader
here ever parses a code as a number. The Annex's tables also use ranges and brackets (`19A-H`, `17A, 17B (&17)`,
000:499-502), which `expand_printed` turns into the codes they stand for.
"""

from __future__ import annotations

import re

_SUB_CODE = re.compile(r"^(\d+)[_/.](\d+)$")
_RANGE = re.compile(r"^(\d+)([A-Z])-([A-Z])$")
_BRACKETED = re.compile(r"^\(&\s*([0-9A-Z_./]+)\)$")


def canonical_code(raw: str) -> str:
    """The code in open-data notation: spaces trimmed, letters upper case, `_` or `/` before a sub-code as `.`.

    A combined code of several parts (`1/4.1/4.10/4.2`, the open data's homicide row) is kept as it is.

    >>> [canonical_code(c) for c in ["4_1", "37/2", " 8f ", "4.10", "1/4.1/4.10/4.2", "105a"]]
    ['4.1', '37.2', '8F', '4.10', '1/4.1/4.10/4.2', '105A']
    """
    text = re.sub(r"\s+", "", str(raw)).upper()
    match = _SUB_CODE.match(text)
    if match:
        return f"{match.group(1)}.{match.group(2)}"
    return text


def expand_printed(printed: str) -> list[str]:
    """The codes a cell of the Annex's tables stands for, in canonical notation and printed order.

    >>> expand_printed("1, 4_1, 4_2, 4_3")
    ['1', '4.1', '4.2', '4.3']
    >>> expand_printed("19A-H")
    ['19A', '19B', '19C', '19D', '19E', '19F', '19G', '19H']
    >>> expand_printed("17A, 17B (&17)")
    ['17A', '17B', '17']
    """
    codes: list[str] = []
    for part in re.split(r",\s*|\s+(?=\(&)", printed.strip()):
        part = part.strip()
        if not part:
            continue
        bracketed = _BRACKETED.match(part)
        if bracketed:
            part = bracketed.group(1)
        ranged = _RANGE.match(part)
        if ranged:
            first, last = ord(ranged.group(2)), ord(ranged.group(3))
            codes += [f"{ranged.group(1)}{chr(letter)}" for letter in range(first, last + 1)]
            continue
        codes.append(canonical_code(part))
    return codes


def code_class(code: str) -> str:
    """The leading class digits of a code ('' when it has none).

    >>> code_class("8F"), code_class("105A"), code_class("37.1"), code_class("NI28")
    ('8', '105', '37', '')
    """
    match = re.match(r"^(\d+)", code)
    return match.group(1) if match else ""
