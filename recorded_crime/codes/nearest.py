"""The known codes nearest an unknown one, for the message that refuses it.

A code is most likely mistyped within its class (`8X` for one of `8F ... 8S`), so candidates of the same class
digits come first, ranked by edit distance; only when the class has no code are other codes considered, and only
close ones (so `37.1` is never offered `3B`). A three- or four-digit code that reads as class x 100 + sub-code is
the detailed (PNC) offence coding of the seed's Table 1 (`401` = 4/1, 000:746), not a notifiable offence code; the
suggestion says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from recorded_crime.codes.notation import code_class


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two short strings.

    >>> edit_distance("8X", "8F"), edit_distance("37.1", "37.2"), edit_distance("28", "028")
    (1, 1, 1)
    """
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def nearest_codes(unknown: str, known: Iterable[str], limit: int = 3, present: Iterable[str] = ()) -> list[str]:
    """Up to `limit` known codes nearest `unknown`: same class first, then close codes of any class; among codes
    equally near, those `present` in the file first (a typo is most likely of a code in use).

    >>> nearest_codes("8X", ["8F", "8G", "8H", "80", "5A"])
    ['8F', '8G', '8H']
    >>> nearest_codes("37.3", ["37.1", "37.2", "3B", "36"])
    ['37.1', '37.2']
    >>> nearest_codes("401", ["4.1", "40", "41"])
    ['4.1', '40', '41']
    >>> nearest_codes("8X", ["8A", "8F", "8G"], present=["8F"])
    ['8F', '8A', '8G']
    """
    known = sorted(set(known))
    in_file = set(present)
    detailed = _detailed_code(unknown, known)
    cls = code_class(unknown)
    same_class = [k for k in known if cls and code_class(k) == cls and k != unknown]
    if same_class:
        ranked = sorted(same_class, key=lambda k: (edit_distance(unknown, k), k not in in_file, k))
    else:
        close = [k for k in known if edit_distance(unknown, k) <= max(1, len(unknown) // 3)]
        ranked = sorted(close, key=lambda k: (edit_distance(unknown, k), k not in in_file, k))
    ordered = ([detailed] if detailed else []) + [k for k in ranked if k != detailed]
    return ordered[:limit]


def _detailed_code(unknown: str, known: list[str]) -> str | None:
    """The notifiable code a detailed code class x 100 + sub-code stands for (`401` -> `4.1`), when known."""
    if not (unknown.isascii() and unknown.isdigit()) or len(unknown) not in (3, 4):
        return None
    cls, sub = int(unknown[:-2]), int(unknown[-2:])
    candidate = f"{cls}.{sub}"
    return candidate if candidate in known else None


def describe_unknown(unknown: str, known: Iterable[str], present: Iterable[str] = ()) -> str:
    """'nearest known: 8F, 8G, 8H' (with a word on detailed codes), or 'no known code is near it'.

    >>> describe_unknown("401", ["4.1", "40"])
    'nearest known: 4.1, 40 (401 looks like a detailed offence code, class x 100 + sub-code: 4.1)'
    """
    known = list(known)
    nearest = nearest_codes(unknown, known, present=present)
    if not nearest:
        return "no known code is near it"
    text = f"nearest known: {', '.join(nearest)}"
    detailed = _detailed_code(unknown, sorted(set(known)))
    if detailed:
        text += f" ({unknown} looks like a detailed offence code, class x 100 + sub-code: {detailed})"
    return text
