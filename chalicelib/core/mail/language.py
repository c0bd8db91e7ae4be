"""Which language a customer writes in (ISO 639-1): scripts first, then a language identifier.

Han, kana and Hangul decide by themselves: kana means Japanese (a katakana brand name alone does not),
Hangul Korean, Han without kana Chinese.
Latin and Cyrillic text goes to CLD2 (pycld2: a C library with its model compiled in, so nothing to load).
CLD2's answer is taken as it is when CLD2 calls it reliable on a text of some length, whatever the
language; otherwise it is restricted to the languages the desk knows and the Nordic, Finnish, Czech and
Turkish ones, and for short Latin text, where CLD2 leans to English, the most frequent words of each of
them decide. Between Russian and Ukrainian the letters only one of them has (і ї є ґ against ы э ъ ё)
decide first.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from chalicelib.core.mail.quotes import strip_disclaimers

__all__ = ["detect_language", "LANGUAGES"]

LANGUAGES = ("en", "ru", "zh", "ja", "ko", "de", "fr", "es", "it", "pt", "nl", "pl", "uk")
"""What every desk recognises; a desk's config adds the languages it names."""

WORD_LANGUAGES = ("sv", "da", "no", "fi", "cs", "tr")
"""Languages also told apart in short text, by their most frequent words; any other one CLD2 must call
reliably on a text of some length."""

CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg", "tt", "ba", "cv",
                                "ce", "os", "kv", "av", "ab"})
OTHER_SCRIPT_LANGUAGES = frozenset({"el", "ar", "fa", "ur", "ps", "he", "yi", "hi", "mr", "ne", "bn", "pa", "gu",
                                    "or", "ta", "te", "kn", "ml", "si", "th", "lo", "km", "my", "ka", "hy", "am",
                                    "ti", "dv", "bo", "dz", "ug", "sd", "ks", "iu", "ii", "sa", "zh", "ja", "ko"})
"""Languages written in neither Latin nor Cyrillic letters."""

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u31f0-\u31ff\uff66-\uff9d]")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3131-\u318e]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_OTHER = re.compile(r"[\u0370-\u03ff\u0530-\u10ff\u1200-\u1cff\u1f00-\u1fff]")
_UKRAINIAN_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_LETTERS = re.compile(r"[ыэъёЫЭЪЁ]")
_QUOTED_LINE = re.compile(r"(?m)^[ \t]*>.*$")
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\S{30,}")
_SAMPLE = 20_000
# One Han character or kana carries about a word, a Hangul block a syllable; Latin is discounted because
# addresses, product codes and brand names appear in every language.
_WEIGHTS = {"cjk": 3.0, "ko": 1.5, "cyrillic": 1.0, "other": 1.0, "latin": 0.5}


def _hits(char_class: re.Pattern[str], line: str) -> int:
    """How many characters of `line` a one-character class matches (deleting them is cheaper than
    listing every match)."""
    return len(line) - len(char_class.sub("", line))


_SCRIPTS = {"cjk": _HAN, "ko": _HANGUL, "cyrillic": _CYRILLIC, "other": _OTHER, "latin": _LATIN}
# What a customer writes comes first; signatures, footers and legal text trail behind.
_LEADING_LINES = 10
_TRAILING_WEIGHT = (1.0, 0.5, 0.25)
_HIRAGANA_SHARE = 0.1
_KATAKANA_SHARE = 0.3
"""Japanese writes its particles and endings in hiragana, in nearly every phrase, and Chinese never does;
a few katakana among Han may be a Japanese brand name in Chinese text."""
_IDENTIFIER_CHARS = 2000
_CODES = re.compile(r"\S*\d\S*")
"""Order numbers, sizes and product codes ("PO-88213", "48x66", "500mm") say nothing about the language."""


def _paragraphs(text: str) -> list[list[str]]:
    """The text's lines that can tell its language, by paragraph: no quotes, disclaimers, addresses, links
    or dumps."""
    text = _QUOTED_LINE.sub("", text[:_SAMPLE])
    if "\n" in text:
        text = strip_disclaimers(text)
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        clean = _NOISE.sub(" ", line).strip()
        if clean:
            paragraphs[-1].append(clean)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


class _Evidence:
    """Script counts over the texts, weighted by text and line position, and their leading paragraphs,
    weighted by text and paragraph position (the customer's own words come before a signature)."""

    def __init__(self) -> None:
        self.scripts = dict.fromkeys(_SCRIPTS, 0.0)
        self.hiragana = self.katakana = 0.0
        self.leading: list[tuple[float, str]] = []

    def add(self, text: str, weight: float) -> None:
        k = 0
        for index, paragraph in enumerate(_paragraphs(text)):
            leading = []
            for line in paragraph:
                band = weight * _TRAILING_WEIGHT[min(k // _LEADING_LINES, len(_TRAILING_WEIGHT) - 1)]
                if line.isascii():
                    self.scripts["latin"] += band * _hits(_LATIN, line)
                else:
                    self._count(line, band)
                if k < _LEADING_LINES:
                    leading.append(line)
                k += 1
            if leading:
                self.leading.append((weight / (index + 1), "\n".join(leading)))

    def _count(self, line: str, band: float) -> None:
        for script, pattern in _SCRIPTS.items():
            self.scripts[script] += band * _hits(pattern, line)
        hiragana, katakana = band * _hits(_HIRAGANA, line), band * _hits(_KATAKANA, line)
        self.hiragana += hiragana
        self.katakana += katakana
        self.scripts["cjk"] += hiragana + katakana

    def script(self) -> str | None:
        best = max(self.scripts, key=lambda s: _WEIGHTS[s] * self.scripts[s])
        return best if self.scripts[best] > 0 else None

    def sample(self, script: str) -> list[tuple[float, str]]:
        """The leading paragraphs written in `script`, with their weights; codes and numbers taken out."""
        pattern = _SCRIPTS[script]
        return [(weight, _CODES.sub(" ", text)[:_IDENTIFIER_CHARS]) for weight, text in self.leading
                if pattern.search(text)]


_FUNCTION_WORDS = {
    "en": "the and you your our are please thanks thank would could have has with this that need send does what "
          "when will hello regards from which can for not we is of to do no as per",
    "de": "der die das und ist nicht sie wir ich bitte danke mit für auf ein eine einen uns ihr ihnen haben sind "
          "noch auch bei vom zum zur schon hallo grüße können wie es",
    "fr": "le la les des est et pour vous nous une pas avec sur dans merci bonjour votre vos nos notre sont avez "
          "pouvez ce cette du au aux je ne qui que en de non",
    "es": "el los las del una por para con y es está usted ustedes gracias hola nuestro nuestra muy pero sus lo al "
          "también favor saludos tienen la de que no",
    "it": "il di che della del per non sono con una gli alla delle grazie buongiorno ci vi abbiamo potete avete "
          "nostro nostra anche questo questa è al nel ed salve la da qui ne",
    "pt": "não obrigado obrigada vocês você os um uma do da dos das em no na com ao são está estão olá nosso nossa "
          "podem têm também muito prezados por favor para que de",
    "nl": "het een niet wij zijn voor op ik dat dit graag bedankt heeft hebben kunt wilt ons onze zou ook nog naar "
          "geen uw groet vriendelijke de en van met je we is per wie na hallo",
    "pl": "nie się jest dla jak proszę dziękuję dziękujemy czy mamy są oraz pozdrawiam państwo państwa dzień dobry "
          "bardzo już że na to do w z i",
    "sv": "och att det som är inte jag vi har till ett av om kan ni hej tack vänliga vänlig hälsningar hälsning "
          "mvh vår vårt när kommer skulle också från eller här hur vad finns behöver mig dig oss er på i för",
    "da": "og det som er ikke jeg vi har til et af om kan hej tak venlig venlige hilsen hilsner mvh vores "
          "hvornår kommer skulle også fra eller her hvordan hvad mig dig os jer gerne bliver nu på i for",
    "no": "og det som er ikke jeg vi har til et av om kan dere hei takk vennlig vennlige hilsen mvh vår vårt "
          "når kommer skulle også fra eller her hvordan hva meg deg oss gjerne blir nå på i for",
    "fi": "ja on ei se että kiitos hei terveisin ystävällisin voisitteko voitteko meille teille olemme onko kun "
          "mutta myös tai jos vain nyt sekä hyvä päivää meidän teidän tarvitsemme",
    "cs": "a je se že jsme prosím děkuji dobrý den pozdravem mohli byste nám vám jsou také ale ze od pro při "
          "který která bych už není potřebujeme můžete",
    "tr": "ve bir bu için ile mi mı mu ne çok var yok teşekkürler teşekkür ederim merhaba lütfen sayın iyi "
          "günler rica bize size olarak gibi ama daha selamlar saygılarımla",
}
"""The most frequent words of each language: a short mail has few words, but nearly all of them are these."""


def _languages_of_words() -> dict[str, tuple[str, ...]]:
    languages: dict[str, tuple[str, ...]] = {}
    for lang, words in _FUNCTION_WORDS.items():
        for word in words.split():
            languages[word] = (*languages.get(word, ()), lang)
    return languages


_WORD_LANGUAGES = _languages_of_words()
_LETTERS = {"ñ": ("es",), "¿": ("es",), "¡": ("es",), "ã": ("pt",), "õ": ("pt",), "ç": ("fr", "pt", "tr"),
            "œ": ("fr",), "ß": ("de",), "ä": ("de", "sv", "fi"), "ö": ("de", "sv", "fi", "tr"), "ü": ("de", "tr"),
            "ł": ("pl",), "ą": ("pl",), "ę": ("pl",), "ś": ("pl",), "ź": ("pl",), "ż": ("pl",), "ń": ("pl",),
            "ć": ("pl",), "å": ("sv", "da", "no"), "æ": ("da", "no"), "ø": ("da", "no"), "ğ": ("tr",),
            "ı": ("tr",), "ş": ("tr",), "ě": ("cs",), "ř": ("cs",), "ů": ("cs",), "č": ("cs",), "ž": ("cs",)}
"""Letters only a few of these languages write."""
_WORD = re.compile(r"[^\W\d_]+")
_LONG_SAMPLE = 12
"""Words from which the identifier is trusted over the function words."""


def _function_words(sample: str, candidates: frozenset[str]) -> str | None:
    """The candidate whose frequent words and own letters the sample uses most; a word several languages
    share counts a share to each. None on a tie or when no such word occurs."""
    votes: dict[str, float] = {}
    sample = sample.lower()
    tokens = [*_WORD.findall(sample), *(ch for ch in sample if ch in _LETTERS)]
    for token in tokens:
        languages = _WORD_LANGUAGES.get(token) or _LETTERS.get(token, ())
        for lang in languages:
            votes[lang] = votes.get(lang, 0.0) + 1 / len(languages)
    ranked = sorted(((v, lang) for lang, v in votes.items() if lang in candidates), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


def _cld2(sample: str, candidates: frozenset[str]) -> tuple[str | None, str | None, bool]:
    """CLD2's most likely candidate for `sample`, its most likely language of all, and whether CLD2 calls
    its answer reliable."""
    import pycld2

    try:
        reliable, _, details = pycld2.detect(_CONTROL.sub(" ", sample).encode("utf-8", "ignore"), bestEffort=True)
    except pycld2.error:
        return None, None, False
    codes = [_CLD2_CODES.get(code, code) for _, code, percent, _ in details if percent]
    top = codes[0] if codes and len(codes[0]) == 2 and codes[0] != "un" else None
    return next((code for code in codes if code in candidates), None), top, reliable


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
"""Control characters, which CLD2 refuses as invalid UTF-8."""
_CLD2_CODES = {"zh-Hant": "zh", "iw": "he", "jw": "jv", "sr-ME": "sr", "nn": "no", "nb": "no"}


def _identify(sample: str, candidates: frozenset[str], written: Callable[[str], bool] | None = None) -> str | None:
    """The language of `sample`: for text of some length CLD2's, when CLD2 is sure of it and it is
    `written` in the sample's letters, else its most likely of `candidates`; the function words for
    short text (where CLD2 leans to English); None when neither can tell."""
    if len(candidates) <= 1 and written is None:
        return next(iter(candidates), None)
    guess, top, reliable = _cld2(sample, candidates)
    if reliable and len(_WORD.findall(sample)) >= _LONG_SAMPLE:
        return top if top and written and written(top) else guess
    return _function_words(sample, candidates) or guess


def _vote(sample: list[tuple[float, str]], candidates: frozenset[str], written: Callable[[str], bool],
          identify=_identify) -> str | None:
    """Each paragraph's language, weighted by its position and length; the heaviest wins."""
    votes: dict[str, float] = {}
    for weight, text in sample:
        lang = identify(text, candidates, written)
        if lang:
            votes[lang] = votes.get(lang, 0.0) + weight * len(_WORD.findall(text))
    return max(votes, key=votes.__getitem__, default=None)


def _cyrillic(text: str, candidates: frozenset[str], written: Callable[[str], bool]) -> str | None:
    """Russian or Ukrainian by the letters only one of them writes, when there are any; else the identifier."""
    guess = _identify(text, candidates, written)
    if {"ru", "uk"} <= candidates and guess in {"ru", "uk", None}:
        ukrainian, russian = len(_UKRAINIAN_LETTERS.findall(text)), len(_RUSSIAN_LETTERS.findall(text))
        if ukrainian != russian:
            return "uk" if ukrainian > russian else "ru"
    return guess


_NON_LATIN = CYRILLIC_LANGUAGES | OTHER_SCRIPT_LANGUAGES
_WORD_LANGUAGE_SET = frozenset(WORD_LANGUAGES)


def _latin(code: str) -> bool:
    return code not in _NON_LATIN


def _by_script(evidence: _Evidence, script: str, known: frozenset[str]) -> str | None:
    if script == "cjk":
        cjk = evidence.scripts["cjk"]
        japanese = evidence.hiragana >= _HIRAGANA_SHARE * cjk or evidence.katakana >= _KATAKANA_SHARE * cjk
        return "ja" if japanese and "ja" in known else "zh"
    if script == "ko":
        return "ko"
    sample = evidence.sample(script)
    if script == "cyrillic":
        return _vote(sample, known & CYRILLIC_LANGUAGES, CYRILLIC_LANGUAGES.__contains__, _cyrillic)
    if script == "latin":
        return _vote(sample, (known | _WORD_LANGUAGE_SET) - _NON_LATIN, _latin)
    others = OTHER_SCRIPT_LANGUAGES - {"zh", "ja", "ko"}
    return _vote(sample, known & others, others.__contains__)


_FALLBACK = {"cyrillic": "ru"}


def detect_language(*texts: str, also: Iterable[str] = ()) -> str:
    """The ISO 639-1 code of the language of `texts`, subject first, the body last (e.g. subject, new text).

    The last text counts fully and each earlier one half as much as the next, so the body outweighs
    the subject. Within a text the first lines count most (after ten lines half, after twenty a
    quarter), and confidentiality disclaimers and external-sender banners do not count. Quoted '>'
    lines, e-mail addresses, links and long tokens (hex dumps, base64) are ignored. Short text gets one
    of LANGUAGES, WORD_LANGUAGES or `also` (the languages a desk's config names); longer text any language
    CLD2 is sure of; 'en' when nothing is recognisable.
    """
    known = frozenset((*LANGUAGES, *also))
    evidence = _Evidence()
    weight = 1.0
    for text in reversed(texts):
        if text:
            evidence.add(text, weight)
        weight /= 2
    script = evidence.script()
    if script is None:
        return "en"
    found = _by_script(evidence, script, known)
    if found:
        return found
    fallback = _FALLBACK.get(script, "en")
    return fallback if fallback in known else "en"
