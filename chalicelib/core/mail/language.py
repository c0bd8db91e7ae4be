"""Which language a customer writes in: 'ru', 'en' or 'zh', by counting scripts."""
from __future__ import annotations

import re

from chalicelib.core.mail.quotes import strip_disclaimers

__all__ = ["detect_language", "LANGUAGES"]

LANGUAGES = ("ru", "en", "zh")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_QUOTED_LINE = re.compile(r"(?m)^[ \t]*>.*$")
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\S{30,}")
_SAMPLE = 20_000
# One Han character carries about a word; Latin is discounted because addresses,
# product codes and brand names appear in every language.
_WEIGHTS = {"zh": 3.0, "ru": 1.0, "en": 0.5}
# What a customer writes comes first; signatures, footers and legal text trail behind.
_LEADING_LINES = 10
_TRAILING_WEIGHT = (1.0, 0.5, 0.25)


def _counts(text: str) -> dict[str, float]:
    text = _QUOTED_LINE.sub("", text[:_SAMPLE])
    if "\n" in text:
        text = strip_disclaimers(text)
    counts = dict.fromkeys(LANGUAGES, 0.0)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    for k, line in enumerate(lines):
        line = _NOISE.sub(" ", line)
        weight = _TRAILING_WEIGHT[min(k // _LEADING_LINES, len(_TRAILING_WEIGHT) - 1)]
        counts["zh"] += weight * len(_HAN.findall(line))
        counts["ru"] += weight * len(_CYRILLIC.findall(line))
        counts["en"] += weight * len(_LATIN.findall(line))
    return counts


def detect_language(*texts: str) -> str:
    """'ru', 'en' or 'zh' for the given texts: subject first, the body last (e.g. subject, new text).

    The last text counts fully and each earlier one half as much as the next, so the body outweighs
    the subject. Within a text the first lines count most (after ten lines half, after twenty a
    quarter), and confidentiality disclaimers and external-sender banners do not count. Quoted '>'
    lines, e-mail addresses, links and long tokens (hex dumps, base64) are ignored. Falls back to
    'en' when nothing is recognisable.
    """
    score = dict.fromkeys(LANGUAGES, 0.0)
    weight = 1.0
    for text in reversed(texts):
        if text:
            for lang, count in _counts(text).items():
                score[lang] += weight * _WEIGHTS[lang] * count
        weight /= 2
    best = max(LANGUAGES, key=lambda lang: score[lang])
    return best if score[best] > 0 else "en"
