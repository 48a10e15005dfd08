"""site.yaml's ``language`` and ``labels``: checked against the shipped catalogs (``values.words``).

A label names a text the site adds by its English words (``"Download CSV"``) and gives the site's own; a text
that counts things may give a form per CLDR plural category. Mistakes say what is known:
``labels: unknown text 'Donwload CSV' (did you mean 'Download CSV'?)``,
``labels: 'Showing %(shown)s of %(total)s rows; the CSV has them all.' has no {count}; it knows {shown}, {total}``.
"""

from __future__ import annotations

import re
from typing import Literal

from reportsite.errors import did_you_mean
from reportsite.values.words import CATEGORIES, PLACEHOLDER, SHIPPED, chain, known_messages

Category = Literal["zero", "one", "two", "few", "many", "other"]
LabelText = str | dict[Category, str]
BRACED = re.compile(r"\{(\w+)\}")


def check_language(value: str) -> str:
    """A language with a shipped catalog (de, fr-CH, pt-BR …), as written."""
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", value.strip()):
        raise ValueError(f"'{value}' is not a language; write a language code such as de, fr or de-CH")
    if chain(value)[-1] not in SHIPPED:
        raise ValueError(f"there are no words in '{value}' yet; the site speaks {', '.join(SHIPPED)} (write your own "
                         "words for any text under labels)")
    return value.strip()


def label_problems(labels: dict[str, LabelText]) -> list[str]:
    """What is wrong with site.yaml's labels: unknown texts, placeholders the text does not have."""
    known = known_messages()
    problems = []
    for key, value in labels.items():
        if key not in known:
            problems.append(f"unknown text '{key}'{did_you_mean(key, list(known))}; labels are named by the "
                            "English text they replace")
            continue
        plural, names = known[key]
        if isinstance(value, dict) and not plural:
            problems.append(f"'{key}' does not count anything, so it takes one text, not forms per plural category")
            continue
        texts = list(value.values()) if isinstance(value, dict) else [value]
        for text in texts:
            used = set(BRACED.findall(text)) | set(PLACEHOLDER.findall(text))
            unknown = sorted(used - names)
            if unknown:
                shown = ", ".join("{" + n + "}" for n in sorted(names)) or "no placeholders"
                problems.append(f"'{key}': {', '.join('{' + n + '}' for n in unknown)} is not one of its "
                                f"placeholders ({shown})")
    return problems


__all__ = ["CATEGORIES", "LabelText", "check_language", "label_problems"]
