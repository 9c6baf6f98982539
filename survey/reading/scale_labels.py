"""Response labels read by meaning: which pole of which scale, and how strongly.

A file may label the confidence item 1 "Agree strongly" ... 5 "Disagree strongly" where the questionnaire says
1 "Strongly agree" ... 5 "Strongly disagree": the same codes in other words. Or 1 "Disagree strongly" ... 5
"Agree strongly": the scale the other way round, which would count NI 21 from the wrong end. Text alone cannot
tell these apart from a relabelled scale; meaning can. A label is read as (scale, pole, strength):

- agree / disagree (`+1` agree, `-1` disagree; strongly, definitely, completely = 2; tend to, slightly = 1);
- satisfied / dissatisfied (very, extremely, completely = 2; fairly, quite, slightly = 1);
- problem / no problem (`+1` a problem: very big, major, serious = 2, fairly big = 1; `-1` not a problem:
  not at all, no problem = 2, not a very big, minor = 1);
- "neither ... nor ..." is the middle (pole 0) of whichever scale it names.

Don't know, refused, no opinion, not applicable, not asked and no answer are non-answers (`MISSING`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from survey.questionnaire.schema import Item

MISSING = "missing"
"""The scale of non-answers."""
MIDDLE = "middle"
"""A bare "Neither" or "Neutral": the middle of whatever scale the item has."""
_NON_ANSWERS = ("dont know", "do not know", "don t know", "dk", "refused", "no opinion", "not applicable",
                "n a", "na", "not asked", "no answer", "not answered", "cant say", "can t say", "cannot say",
                "prefer not to say", "missing")


class Meaning(NamedTuple):
    """Where a label sits: its scale, its pole (-1, 0, +1) and its strength (None when the label says none)."""

    scale: str
    pole: int
    strength: int | None


def normalise_label(text: str) -> str:
    """Label text compared without case, accents, punctuation or extra spaces.

    >>> normalise_label("Don’t  know")
    'dont know'
    """
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"['`]", "", text.casefold())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _words(text: str) -> str:
    return f" {normalise_label(text)} "


def _strength(text: str, strong: tuple[str, ...], mild: tuple[str, ...]) -> int | None:
    if any(f" {w} " in text for w in strong):
        return 2
    if any(f" {w} " in text for w in mild):
        return 1
    return None


def meaning(label: str) -> Meaning | None:
    """The label's place on a recognised scale, or None.

    >>> meaning("Disagree strongly"), meaning("Strongly agree")
    (Meaning(scale='agree', pole=-1, strength=2), Meaning(scale='agree', pole=1, strength=2))
    >>> meaning("Not a very big problem"), meaning("A very big problem"), meaning("Don't know")
    (Meaning(scale='problem', pole=-1, strength=1), Meaning(scale='problem', pole=1, strength=2), \
Meaning(scale='missing', pole=0, strength=None))
    """
    text = _words(label)
    stripped = text.strip()
    if stripped in _NON_ANSWERS or any(f" {phrase} " in text for phrase in _NON_ANSWERS if " " in phrase):
        return Meaning(MISSING, 0, None)
    if stripped in ("neither", "neutral", "neither nor", "in between", "middle"):
        return Meaning(MIDDLE, 0, None)
    if " agree " in text or " disagree " in text or re.search(r" (dis)?agree", text):
        if " neither " in text:
            return Meaning("agree", 0, None)
        pole = -1 if "disagree" in text else 1
        return Meaning("agree", pole, _strength(text, ("strongly", "definitely", "completely", "totally"),
                                                ("tend to", "tend", "slightly", "somewhat", "mostly")))
    if "satisfied" in text:
        if " neither " in text:
            return Meaning("satisfied", 0, None)
        pole = -1 if "dissatisfied" in text or "unsatisfied" in text or " not satisfied " in text else 1
        return Meaning("satisfied", pole, _strength(text, ("very", "extremely", "completely", "totally"),
                                                    ("fairly", "quite", "slightly", "somewhat")))
    if " problem" in text:
        if " neither " in text:
            return Meaning("problem", 0, None)
        if " not " in text or " no problem " in text:
            if " very big " in text or " big " in text or " minor " in text or " small " in text:
                return Meaning("problem", -1, 1)
            if " at all " in text or " no problem " in text:
                return Meaning("problem", -1, 2)
            return Meaning("problem", -1, None)
        if " very big " in text or " major " in text or " serious " in text or " very " in text:
            return Meaning("problem", 1, 2)
        if " fairly " in text or " big " in text:
            return Meaning("problem", 1, 1)
        return Meaning("problem", 1, None)
    return None


def meant_by_meaning(label: str, item: Item) -> list[int] | None:
    """The item's codes whose labels mean what `label` means (same scale and pole, and strength where both say
    one), or None when the label is on no recognised scale or the item's labels are not on its scale.

    A non-answer label means the item's missing codes (possibly none: see `is_non_answer`).
    """
    mine = meaning(label)
    if mine is None:
        return None
    if mine.scale == MISSING:
        return list(item.missing_codes)
    theirs = {code: meaning(item.label_of(code)) for code in item.valid_codes}
    if mine.scale == MIDDLE:
        return [code for code, m in theirs.items() if m is not None and m.pole == 0] or None
    if not any(m is not None and m.scale == mine.scale for m in theirs.values()):
        return None
    return [code for code, m in theirs.items() if m is not None and m.scale == mine.scale and m.pole == mine.pole
            and (mine.strength is None or m.strength is None or m.strength == mine.strength)] or None


def is_non_answer(label: str) -> bool:
    """Don't know, refused, no opinion and the like.

    >>> is_non_answer("Can't say"), is_non_answer("Tend to agree")
    (True, False)
    """
    found = meaning(label)
    return found is not None and found.scale == MISSING
