"""The CV check: which of a job description's key terms a CV has and lacks, which action verbs it
uses and could use, and a 0-100 score in which every point is explained.

Pure Python and deterministic: the same two texts always give the same result in the same
order, and nothing here touches the database. The terms come from a curated lexicon
(portfolio/data/cv_terms.yaml). Texts are normalised (Unicode NFKC, casefold, British and American
spellings made one, a plural "s" and a possessive "'s" dropped) and split into words (runs of
letters and digits, an apostrophe inside a word keeping it whole: "j'ai" is one French word, not
"AI"), so text in any language or script is read without error; only English terms are
recognised.

How the job description is read, every rule visible in the result:
- A term counts where the lexicon names it, or in an action the lexicon lists for it (a verb
  followed within three words by its object in the same clause: "identified and mitigated risks"
  is risk management), but not inside one of its false friends ("shipping containers" is not
  Docker).
- Terms joined by "or" or "/" ("PRINCE2 or PSM", "Python/SQL") are one requirement, met by any.
- A person named after "work with", "reporting to" and the like ("you will work with data
  scientists") describes the team, not the candidate: not a requirement.
- Terms in a "nice to have" part, or in a sentence that calls them a plus, weigh less than the
  required ones.
- An advert that does not look like English gets no meaningful score: `score_caveat` says so and
  the page withholds the figure, keeping the reasons.
"""

from __future__ import annotations

import bisect
import collections
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

__all__ = [
    "MAX_CHARS",
    "RESULT_VERSION",
    "CVAnalysis",
    "Lexicon",
    "LexiconError",
    "analyse",
    "fold",
    "lexicon",
    "lexicon_from_data",
]

# Each text is refused above this length (about 7,000 words, three times a long CV) rather than
# silently cut: a learner must know which part of their CV was read.
MAX_CHARS = 50_000
# Stored with each result, so a page can tell an old result's shape from a new one.
RESULT_VERSION = 2
LEXICON_FILE = Path(__file__).resolve().parent / "data" / "cv_terms.yaml"

KINDS = ("skill", "tool", "methodology", "certification")
KIND_HINTS = {
    "skill": gettext_lazy(
        "If you have it, show it in one bullet with what you did and what changed because of "
        "it. If you do not, it is worth learning before the interview."
    ),
    "tool": gettext_lazy(
        "If you have used it, list it with your tools and name one thing you did with it."
    ),
    "methodology": gettext_lazy("Say where you used it: the team, the cadence and the outcome."),
    "certification": gettext_lazy(
        "If you hold it, list it with the year. If you are preparing for it, say so and give "
        "the exam date."
    ),
}

# The score's parts (their maxima add up to 100) and what earns them.
COVERAGE_POINTS = 70
TERM_WEIGHT_CAP = 3  # a term the job mentions three or more times weighs 3
# When an advert marks some terms as nice to have, those weigh 1 and the required ones at least 2.
PREFERRED_WEIGHT, REQUIRED_WEIGHT_FLOOR = 1, 2
# An action's verb and object may be this many words apart ("identified and mitigated risks").
ACTION_GAP = 3
# A line of at most this many words, naming no term, with a section marker is a heading.
HEADING_WORDS = 6
POWER_WORD_POINTS, POWER_WORDS_COUNTED = 3, 5
FIGURE_POINTS, FIGURES_COUNTED = 2, 5
LENGTH_POINTS, LENGTH_PARTIAL_POINTS = 5, 3
LENGTH_GOOD = (300, 1_500)
LENGTH_FAIR = (150, 2_500)
WEAK_PHRASE_PENALTY, WEAK_PHRASES_COUNTED = 1, 5

SUGGESTED_POWER_WORDS = 6
REPEATED_PHRASES = 8
SURFACE_MAX = 60
# Fewer English function words than this share of a text's words: probably not English.
ENGLISH_SHARE = 0.10
ENGLISH_MIN_WORDS = 20
SHORT_JOB_WORDS = 50

# Words, an apostrophe inside one keeping it whole ("j'ai", "don't", "PMI's").
TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*")
# Between two words: the end of a sentence (a full stop, question or exclamation mark or semicolon
# followed by a space, or a new line) and of a clause (a colon or a bullet as well).
SENTENCE_END_RE = re.compile(r"[.!?;](?:\s|$)|\n")
CLAUSE_END_RE = re.compile(r"[.!?;:](?:\s|$)|\n|[•·|]")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Figures that show results: money, percentages, multiples and counts of people or things.
# Years and dates are not results, so a bare number never counts.
COUNTED_THINGS = (
    "people|persons|staff|engineers|developers|analysts|scientists|members|reports|teams|"
    "users|customers|clients|countries|markets|sites|sprints|releases|models|projects|"
    "vendors|suppliers|stakeholders|hours|days|weeks|months"
)
FIGURE_RE = re.compile(
    r"[$€£¥₹]\s?\d[\d,.]*(?:\s?(?:k|m|bn|million|billion|thousand)\b)?"
    r"|\b\d[\d,.]*\s?(?:%|percent\b|per\s?cent\b)"
    r"|\b\d[\d,.]*\s?(?:k|m|bn|million|billion)?\s?(?:usd|eur|gbp|dollars|euros|pounds)\b"
    r"|\b\d+(?:[.,]\d+)?x\b"
    rf"|\b\d{{1,3}}(?:,\d{{3}})*\+?\s(?:{COUNTED_THINGS})\b"
)

# British spellings become American so that either matches the other (the mapping only has to
# be the same for both texts; the words shown to the learner come from the texts or the lexicon).
SPELLINGS = {
    "programme": "program",
    "programmes": "programs",
    "centre": "center",
    "centres": "centers",
    "licence": "license",
    "catalogue": "catalog",
    "behaviour": "behavior",
    "behaviours": "behaviors",
    "colour": "color",
    "favour": "favor",
    "labour": "labor",
    "defence": "defense",
    "judgement": "judgment",
    "analyse": "analyze",
    "analysed": "analyzed",
    "analyses": "analyzes",
    "analysing": "analyzing",
}
SUFFIXES = (
    ("isational", "izational"),
    ("isations", "izations"),
    ("isation", "ization"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ise", "ize"),
    ("elling", "eling"),
    ("elled", "eled"),
)


@functools.lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """The form of one word used for matching: casefolded, one spelling, singular."""
    word = word.casefold().replace("’", "'")
    if word.endswith("'s"):  # "PMI's" is "PMI"
        word = word[:-2]
    word = SPELLINGS.get(word, word)
    for british, american in SUFFIXES:
        # Short words ("rise", "wise", "fell") are left alone; they are never a British spelling.
        if word.endswith(british) and len(word) >= len(british) + 3:
            word = word[: -len(british)] + american
            break
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    # "kpis" and "apis" lose their "s"; "analysis", "status" and "process" keep theirs.
    keeps_s = word.endswith(("ss", "us")) or (word.endswith("is") and len(word) > 4)
    if len(word) > 3 and word.endswith("s") and not keeps_s:
        return word[:-1]
    return word


def _keys(phrase: str) -> tuple[str, ...]:
    return tuple(fold(m.group()) for m in TOKEN_RE.finditer(unicodedata.normalize("NFKC", phrase)))


# --- The lexicon ------------------------------------------------------------------------------


class LexiconError(ValueError):
    """The lexicon file is invalid; `errors` lists every problem."""

    def __init__(self, errors: Iterable[str]):
        self.errors = list(errors)
        super().__init__("Invalid CV lexicon:\n" + "\n".join(f"  - {e}" for e in self.errors))


Keys = tuple[str, ...]


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    kind: str
    hint: str
    variants: tuple[Keys, ...]
    # variants that name a person ("data scientist"): after "work with" they describe the team
    roles: frozenset[Keys] = frozenset()
    # phrases a variant may sit in without meaning the term ("shipping container")
    not_in: tuple[Keys, ...] = ()
    # a verb followed by an object within ACTION_GAP words ("mitigated ... risk")
    action_verbs: tuple[Keys, ...] = ()
    action_objects: tuple[Keys, ...] = ()


@dataclass(frozen=True)
class PowerWord:
    word: str
    example: str
    forms: tuple[Keys, ...]
    base: tuple[Keys, ...]
    not_in: tuple[Keys, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    terms: dict[str, Term]
    power_words: tuple[PowerWord, ...]
    weak_phrases: tuple[Keys, ...]
    stopwords: frozenset[str]
    # word sequence -> term slug, for every variant of every term
    term_index: dict[Keys, str]
    # the job description's structure: who the team is, what is a plus, what is required
    team_phrases: tuple[Keys, ...] = ()
    preferred_markers: tuple[Keys, ...] = ()
    required_markers: tuple[Keys, ...] = ()
    heading_markers: tuple[Keys, ...] = ()


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _phrases(spec: dict, key: str, where: str, errors: list[str]) -> tuple[Keys, ...]:
    """An optional list of phrases, as word sequences."""
    value = spec.get(key)
    if value is None:
        return ()
    if not _str_list(value):
        errors.append(f"{where}: {key} must be a non-empty list of phrases")
        return ()
    return tuple(dict.fromkeys(k for k in (_keys(v) for v in value) if k))


def _term_extras(spec: dict, where: str, variants: tuple[Keys, ...], errors: list[str]) -> dict:
    roles = _phrases(spec, "roles", where, errors)
    errors += [
        f"{where}: role {' '.join(r)!r} is not one of the variants"
        for r in roles
        if r not in variants
    ]
    actions = spec.get("actions")
    verbs: tuple[Keys, ...] = ()
    objects: tuple[Keys, ...] = ()
    if actions is not None:
        if not (isinstance(actions, dict) and set(actions) == {"verbs", "objects"}):
            errors.append(f"{where}: actions must be a mapping of verbs and objects")
        else:
            verbs = _phrases(actions, "verbs", f"{where}.actions", errors)
            objects = _phrases(actions, "objects", f"{where}.actions", errors)
    return {
        "roles": frozenset(roles),
        "not_in": _phrases(spec, "not_in", where, errors),
        "action_verbs": verbs,
        "action_objects": objects,
    }


TERM_KEYS = {"slug", "name", "kind", "variants", "hint", "roles", "not_in", "actions"}
READING_KEYS = ("team_phrases", "preferred_markers", "required_markers", "heading_markers")


def lexicon_from_data(data: Any) -> Lexicon:
    """Check the lexicon file's data (every problem listed) and build the lookup tables."""
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise LexiconError(["file: expected a mapping with a list of terms"])
    terms: dict[str, Term] = {}
    index: dict[Keys, str] = {}
    for i, spec in enumerate(data["terms"]):
        where = f"terms[{i}]"
        if not isinstance(spec, dict):
            errors.append(f"{where}: expected a mapping")
            continue
        slug, name, kind = spec.get("slug"), spec.get("name"), spec.get("kind")
        unknown = set(spec) - TERM_KEYS
        errors += [f"{where}: unknown key {k!r}" for k in sorted(unknown)]
        if not (isinstance(slug, str) and SLUG_RE.match(slug)):
            errors.append(f"{where}: invalid slug {slug!r}")
            continue
        if slug in terms:
            errors.append(f"{where}: duplicate slug {slug!r}")
        if not (isinstance(name, str) and name.strip()):
            errors.append(f"{where}: missing name")
        if kind not in KINDS:
            errors.append(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if not _str_list(spec.get("variants")):
            errors.append(f"{where}: variants must be a non-empty list of words")
            continue
        hint = spec.get("hint") or ""
        if not isinstance(hint, str):
            errors.append(f"{where}: hint must be text")
        variants = tuple(dict.fromkeys(_keys(v) for v in spec["variants"]))
        for variant in variants:
            if not variant:
                errors.append(f"{where}: a variant has no words")
            elif index.get(variant, slug) != slug:
                errors.append(
                    f"{where}: variant {' '.join(variant)!r} also belongs to {index[variant]!r}"
                )
            else:
                index[variant] = slug
        extras = _term_extras(spec, where, variants, errors)
        terms[slug] = Term(
            slug, str(name).strip(), str(kind), str(hint).strip(), variants, **extras
        )
    power_words: list[PowerWord] = []
    for i, spec in enumerate(data.get("power_words") or []):
        where = f"power_words[{i}]"
        if not (
            isinstance(spec, dict)
            and isinstance(spec.get("word"), str)
            and _str_list(spec.get("forms"))
            and _str_list(spec.get("base"))
        ):
            errors.append(f"{where}: needs a word, a list of forms and a list of base forms")
            continue
        power_words.append(
            PowerWord(
                word=spec["word"],
                example=str(spec.get("example") or ""),
                forms=tuple(_keys(f) for f in spec["forms"]),
                base=tuple(_keys(f) for f in spec["base"]),
                not_in=_phrases(spec, "not_in", where, errors),
            )
        )
    weak = data.get("weak_phrases") or []
    if not (isinstance(weak, list) and all(isinstance(w, str) for w in weak)):
        errors.append("weak_phrases: must be a list of phrases")
        weak = []
    reading = data.get("reading") or {}
    if not isinstance(reading, dict) or set(reading) - set(READING_KEYS):
        errors.append(f"reading: must be a mapping of {', '.join(READING_KEYS)}")
        reading = {}
    markers = {key: _phrases(reading, key, "reading", errors) for key in READING_KEYS}
    stopwords_text = data.get("stopwords") or ""
    if not isinstance(stopwords_text, str):
        errors.append("stopwords: must be a block of words separated by spaces")
        stopwords_text = ""
    stopwords = [
        word
        for line in stopwords_text.splitlines()
        if not line.lstrip().startswith("#")
        for word in line.split()
    ]
    if errors:
        raise LexiconError(errors)
    return Lexicon(
        terms=terms,
        power_words=tuple(power_words),
        weak_phrases=tuple(dict.fromkeys(_keys(w) for w in weak)),
        stopwords=frozenset(fold(w) for w in stopwords),
        term_index=index,
        **markers,
    )


@functools.cache
def lexicon() -> Lexicon:
    """The lexicon file, read and checked once per process."""
    return lexicon_from_data(yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8")))


# --- Reading a text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    """A text split into words: each word's matching form and its place in the NFKC text."""

    normal: str
    keys: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    # each word's line, sentence and clause, numbered from 0 in text order
    lines: tuple[int, ...] = ()
    sentences: tuple[int, ...] = ()
    clauses: tuple[int, ...] = ()

    @classmethod
    def read(cls, text: str) -> _Text:
        normal = unicodedata.normalize("NFKC", text or "")
        matches = list(TOKEN_RE.finditer(normal))
        lines, sentences, clauses = [], [], []
        line = sentence = clause = 0
        previous_end = None
        for match in matches:
            if previous_end is not None:
                gap = normal[previous_end : match.start()]
                line += gap.count("\n")
                sentence += bool(SENTENCE_END_RE.search(gap))
                clause += bool(CLAUSE_END_RE.search(gap))
            lines.append(line)
            sentences.append(sentence)
            clauses.append(clause)
            previous_end = match.end()
        return cls(
            normal,
            tuple(fold(m.group()) for m in matches),
            tuple(m.span() for m in matches),
            tuple(lines),
            tuple(sentences),
            tuple(clauses),
        )

    def gap(self, end: int, start: int) -> str:
        """The text between word end - 1 and word start (punctuation and spaces)."""
        return self.normal[self.spans[end - 1][1] : self.spans[start][0]]

    def surface(self, start: int, end: int) -> str:
        """The words start..end as written (after NFKC), e.g. "ML" or "data-pipelines"."""
        text = self.normal[self.spans[start][0] : self.spans[end - 1][1]]
        return " ".join(text.split())[:SURFACE_MAX]

    def find(self, sequences: dict[tuple[str, ...], str]) -> dict[str, list[tuple[int, int]]]:
        """Where each named word sequence occurs: {name: [(start, end), ...]} in text order.
        Overlapping matches of one name count once ("scrum master" is one mention of Scrum)."""
        longest = max((len(s) for s in sequences), default=0)
        found: dict[str, list[tuple[int, int]]] = {}
        keys = self.keys
        for start in range(len(keys)):
            for length in range(1, min(longest, len(keys) - start) + 1):
                name = sequences.get(keys[start : start + length])
                if name is None:
                    continue
                hits = found.setdefault(name, [])
                if hits and start < hits[-1][1]:
                    hits[-1] = (hits[-1][0], max(hits[-1][1], start + length))
                else:
                    hits.append((start, start + length))
        return found

    def ngrams(self, length: int) -> set[tuple[str, ...]]:
        return {self.keys[i : i + length] for i in range(len(self.keys) - length + 1)}


# --- The result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermResult:
    slug: str
    name: str
    kind: str
    hint: str
    job_mentions: int
    weight: int
    in_job_as: str
    cv_mentions: int
    in_cv_as: str  # empty when the CV lacks the term
    preferred: bool = False  # the job names it only as nice to have
    alternatives: tuple[str, ...] = ()  # "PRINCE2 or PSM": the names, any of which meets it


@dataclass(frozen=True)
class PowerWordResult:
    word: str
    example: str
    cv_mentions: int
    in_cv_as: str
    in_job: bool  # the job description uses the verb (any form)


@dataclass(frozen=True)
class Phrase:
    text: str
    job_mentions: int
    in_cv: bool


@dataclass(frozen=True)
class ScoreReason:
    key: str  # coverage, power_words, figures, length, weak_phrases
    points: int
    max_points: int  # 0 for a penalty
    text: str


@dataclass(frozen=True)
class CVAnalysis:
    version: int
    score: int
    missing: tuple[TermResult, ...]
    present: tuple[TermResult, ...]
    power_words_used: tuple[PowerWordResult, ...]
    power_words_suggested: tuple[PowerWordResult, ...]
    weak_phrases: tuple[str, ...]
    figures: tuple[str, ...]
    repeated_phrases: tuple[Phrase, ...]
    reasons: tuple[ScoreReason, ...]
    notices: tuple[str, ...]
    cv_words: int
    job_words: int
    # Not empty when the score is not meaningful (a text not in English): the page says this
    # instead of showing the figure.
    score_caveat: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (lists, not tuples), as CVCheck.result stores it."""
        return _lists(asdict(self))


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def _join(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(f"“{i}”" for i in items[:limit])
    return shown + (" …" if len(items) > limit else "")


def _round(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in whole numbers (no float surprises)."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- The analysis -------------------------------------------------------------------------------


def analyse(*, cv_text: str, job_text: str) -> CVAnalysis:
    """Compare a CV with a job description. Any text is accepted (empty, any language); callers
    refuse texts over MAX_CHARS before calling, so the learner knows what was read."""
    lex = lexicon()
    cv, job = _Text.read(cv_text), _Text.read(job_text)

    in_job = _term_hits(lex, job)
    in_cv = _term_hits(lex, cv)
    requirements, team_mentions = _requirements(lex, job, in_job)
    has_preferred = any(preferred for r in requirements for _, preferred in r.mentions)
    terms: list[tuple[tuple[int, int], TermResult]] = []
    for requirement in requirements:
        result = _term_result(lex, requirement, has_preferred, job, cv, in_cv)
        # The heaviest first; among equals, the one the job names first.
        terms.append(((-result.weight, requirement.mentions[0][0][0]), result))
    terms.sort(key=lambda pair: pair[0])
    missing = tuple(t for _, t in terms if not t.cv_mentions)
    present = tuple(t for _, t in terms if t.cv_mentions)

    used, suggested = _power_words(lex, cv, job)
    weak = _weak_phrases(lex, cv)
    figures = _figures(cv.normal)
    reasons = (
        _coverage_reason(lex, present, missing, has_preferred=has_preferred),
        _power_word_reason(used),
        _figure_reason(figures),
        _length_reason(len(cv.keys)),
        _weak_phrase_reason(weak),
    )
    score = max(0, min(100, sum(r.points for r in reasons)))
    notices = _notices(lex, cv, job)
    if team_mentions:
        notices += (
            _(
                "Not counted as requirements, because they describe the team you would work "
                "with: %(roles)s."
            )
            % {"roles": _join(dict.fromkeys(team_mentions))},
        )
    return CVAnalysis(
        version=RESULT_VERSION,
        score=score,
        missing=missing,
        present=present,
        power_words_used=used,
        power_words_suggested=suggested,
        weak_phrases=weak,
        figures=figures[:10],
        repeated_phrases=_repeated_phrases(lex, cv, job, in_job),
        reasons=reasons,
        notices=notices,
        cv_words=len(cv.keys),
        job_words=len(job.keys),
        score_caveat=_score_caveat(lex, cv, job),
    )


Span = tuple[int, int]


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Spans in text order, overlapping ones made one."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _drop_false_friends(
    text: _Text, found: dict[str, list[Span]], friends: dict[str, tuple[Keys, ...]]
) -> dict[str, list[Span]]:
    """`found` less every hit that lies inside one of its name's false friends."""
    index = {phrase: phrase for phrases in friends.values() for phrase in phrases}
    if not index:
        return found
    friend_hits = text.find(index)
    kept: dict[str, list[Span]] = {}
    for name, hits in found.items():
        around = [span for phrase in friends.get(name, ()) for span in friend_hits.get(phrase, [])]
        hits = [(s, e) for s, e in hits if not any(a <= s and e <= b for a, b in around)]
        if hits:
            kept[name] = hits
    return kept


def _term_hits(lex: Lexicon, text: _Text) -> dict[str, list[Span]]:
    """Where each term occurs: its variants and its actions ("monitored models"), in text
    order, less its false friends ("spark innovation")."""
    found = text.find(lex.term_index)
    with_actions = [t for t in lex.terms.values() if t.action_verbs]
    verb_hits = text.find({v: v for t in with_actions for v in t.action_verbs})
    object_hits = text.find({o: o for t in with_actions for o in t.action_objects})
    for term in with_actions:
        objects = sorted(span for o in term.action_objects for span in object_hits.get(o, []))
        starts = [start for start, _ in objects]
        actions = []
        for verb in term.action_verbs:
            for start, end in verb_hits.get(verb, []):
                i = bisect.bisect_left(starts, end)
                if (
                    i < len(objects)
                    and objects[i][0] - end <= ACTION_GAP
                    and text.clauses[objects[i][0]] == text.clauses[start]
                ):
                    actions.append((start, objects[i][1]))
        if actions:
            found[term.slug] = _merge(found.get(term.slug, []) + actions)
    return _drop_false_friends(
        text, found, {slug: lex.terms[slug].not_in for slug in found if lex.terms[slug].not_in}
    )


@dataclass(frozen=True)
class _Requirement:
    """One thing the job asks for: a term, or terms joined by "or" (any one meets it)."""

    slugs: tuple[str, ...]
    mentions: tuple[tuple[Span, bool], ...]  # (where, whether in a "nice to have" part)


def _requirements(
    lex: Lexicon, job: _Text, in_job: dict[str, list[Span]]
) -> tuple[list[_Requirement], list[str]]:
    """What the job asks of the candidate, in the order it first says so, and the people it
    names only as the team ("data scientists" after "you will work with")."""
    team = [span for spans in job.find({p: p for p in lex.team_phrases}).values()
            for span in spans]  # fmt: skip
    hits: list[tuple[int, int, str]] = []
    team_mentions: list[str] = []
    for start, end, slug in sorted(
        (s, e, slug) for slug, spans in in_job.items() for s, e in spans
    ):
        is_role = job.keys[start:end] in lex.terms[slug].roles
        if is_role and any(b <= start and job.clauses[a] == job.clauses[start] for a, b in team):
            team_mentions.append(job.surface(start, end).lower())
        else:
            hits.append((start, end, slug))

    # Chains of terms joined by ",", "/" or "or"; a chain with an "or" or "/" is one requirement.
    groups: list[list[tuple[int, int, str]]] = []
    chain: list[tuple[int, int, str]] = []
    links: list[str] = []
    for hit in [*hits, None]:
        link = _link(job, chain[-1], hit) if chain and hit else None
        if link:
            chain.append(hit)
            links.append(link)
            continue
        if {"or", "/"} & set(links):
            groups.append(chain)
        else:
            groups.extend([h] for h in chain)
        chain, links = ([hit] if hit else []), []

    preferred = _preferred_words(lex, job, {start for start, _, _ in hits})
    mentions: dict[tuple[str, ...], list[tuple[Span, bool]]] = {}
    for group in groups:
        slugs = tuple(dict.fromkeys(slug for _, _, slug in group))
        span = (group[0][0], group[-1][1])
        mentions.setdefault(slugs, []).append((span, preferred[span[0]]))
    return [_Requirement(slugs, tuple(m)) for slugs, m in mentions.items()], team_mentions


def _link(job: _Text, before: tuple[int, int, str], after: tuple[int, int, str]) -> str | None:
    """How two neighbouring terms are joined: "or", "/", "," or not at all (None)."""
    end, start = before[1], after[0]
    if start < end or job.clauses[end - 1] != job.clauses[start]:
        return None
    between = job.keys[end:start]
    if between in (("or",), ("and", "or")):
        return "or"
    gap = job.gap(end, start).strip()
    if not between and gap in ("/", ","):
        return gap
    return None


def _preferred_words(lex: Lexicon, job: _Text, term_starts: set[int]) -> list[bool]:
    """For each word of the job description, whether it is in a "nice to have" part: under a
    heading such as "Nice to have" (until the next heading), or in a sentence that says "is a
    plus", "preferred", "desirable"... A sentence that says "required" or "must" is required
    wherever it is."""

    def starts(markers: tuple[Keys, ...]) -> list[int]:
        found = job.find({m: m for m in markers})
        return [start for spans in found.values() for start, _ in spans]

    preferred, required = starts(lex.preferred_markers), starts(lex.required_markers)
    headings = starts(lex.heading_markers)
    words_per_line = collections.Counter(job.lines)
    lines_with_terms = {job.lines[i] for i in term_starts}
    preferred_lines = {job.lines[i] for i in preferred}
    heading_lines = {
        job.lines[i]
        for i in (*preferred, *required, *headings)
        if words_per_line[job.lines[i]] <= HEADING_WORDS and job.lines[i] not in lines_with_terms
    }
    preferred_sentences = {job.sentences[i] for i in preferred}
    required_sentences = {job.sentences[i] for i in required}
    in_preferred_part = False
    marks: list[bool] = []
    for line, sentence in zip(job.lines, job.sentences, strict=True):
        if line in heading_lines:
            in_preferred_part = line in preferred_lines
        if sentence in preferred_sentences:
            marks.append(True)
        elif sentence in required_sentences:
            marks.append(False)
        else:
            marks.append(in_preferred_part)
    return marks


def _term_result(
    lex: Lexicon,
    requirement: _Requirement,
    has_preferred: bool,
    job: _Text,
    cv: _Text,
    in_cv: dict[str, list[Span]],
) -> TermResult:
    members = [lex.terms[slug] for slug in requirement.slugs]
    first = members[0]
    required = sum(1 for _, preferred in requirement.mentions if not preferred)
    if required:
        weight = min(required, TERM_WEIGHT_CAP)
        if has_preferred:
            weight = max(weight, REQUIRED_WEIGHT_FLOOR)
    else:
        weight = PREFERRED_WEIGHT
    cv_hits = sorted(span for slug in requirement.slugs for span in in_cv.get(slug, []))
    hint = first.hint or str(KIND_HINTS[first.kind])
    names = tuple(m.name for m in members)
    if len(members) > 1:
        hint = _("Any one of them meets this requirement.") + " " + hint
    return TermResult(
        slug="-or-".join(requirement.slugs),
        name=f" {_('or')} ".join(names),
        kind=first.kind,
        hint=hint,
        job_mentions=len(requirement.mentions),
        weight=weight,
        in_job_as=job.surface(*requirement.mentions[0][0]),
        cv_mentions=len(cv_hits),
        in_cv_as=cv.surface(*cv_hits[0]) if cv_hits else "",
        preferred=not required,
        alternatives=names if len(members) > 1 else (),
    )


def _power_words(
    lex: Lexicon, cv: _Text, job: _Text
) -> tuple[tuple[PowerWordResult, ...], tuple[PowerWordResult, ...]]:
    forms = {f: pw.word for pw in lex.power_words for f in pw.forms}
    base = {f: pw.word for pw in lex.power_words for f in pw.base}
    friends = {pw.word: pw.not_in for pw in lex.power_words if pw.not_in}
    in_cv = _drop_false_friends(cv, cv.find(forms), friends)
    in_job = set(_drop_false_friends(job, job.find(forms), friends))
    in_job |= set(_drop_false_friends(job, job.find(base), friends))
    used, unused_in_job, unused = [], [], []
    for position, pw in enumerate(lex.power_words):
        hits = in_cv.get(pw.word, [])
        result = PowerWordResult(
            word=pw.word,
            example=pw.example,
            cv_mentions=len(hits),
            in_cv_as=cv.surface(*hits[0]) if hits else "",
            in_job=pw.word in in_job,
        )
        if hits:
            used.append((-len(hits), position, result))
        else:
            (unused_in_job if result.in_job else unused).append(result)
    used.sort(key=lambda row: row[:2])
    # The job's own verbs first: mirroring the advert's language is the easiest change to make.
    suggested = (unused_in_job + unused)[:SUGGESTED_POWER_WORDS]
    return tuple(row[2] for row in used), tuple(suggested)


def _weak_phrases(lex: Lexicon, cv: _Text) -> tuple[str, ...]:
    found = cv.find({p: " ".join(p) for p in lex.weak_phrases})
    spans = {span for hits in found.values() for span in hits}

    def inside_a_longer_one(span: tuple[int, int]) -> bool:  # "helped" within "helped with"
        return any(s <= span[0] and span[1] <= e and (s, e) != span for s, e in spans)

    firsts = sorted(
        (span[0], cv.surface(*span).lower())
        for hits in found.values()
        for span in hits
        if not inside_a_longer_one(span)
    )
    # Text order, so the learner finds them in their CV top to bottom.
    return tuple(dict.fromkeys(surface for _, surface in firsts))


def _figures(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(m.group().split()) for m in FIGURE_RE.finditer(text)))


def _repeated_phrases(
    lex: Lexicon, cv: _Text, job: _Text, in_job: dict[str, list[tuple[int, int]]]
) -> tuple[Phrase, ...]:
    """Two- and three-word phrases the job description uses at least twice that the lexicon
    does not know, e.g. "clinical trials" or "supply chain": the advert's own vocabulary."""
    covered = {i for hits in in_job.values() for start, end in hits for i in range(start, end)}
    keys = job.keys

    def usable(i: int) -> bool:
        word = keys[i]
        return (
            i not in covered and word not in lex.stopwords and len(word) > 1 and not word.isdigit()
        )

    counts: dict[tuple[str, ...], list[int]] = {}
    for length in (2, 3):
        for start in range(len(keys) - length + 1):
            if all(usable(i) for i in range(start, start + length)):
                counts.setdefault(keys[start : start + length], []).append(start)
    candidates = sorted(
        ((-len(starts), -len(gram), starts[0], gram) for gram, starts in counts.items()
         if len(starts) >= 2),
    )  # fmt: skip
    chosen: list[tuple[tuple[str, ...], int]] = []
    for _count, _length, first, gram in candidates:
        if any(_overlaps(gram, other) for other, _ in chosen):
            continue
        chosen.append((gram, first))
        if len(chosen) == REPEATED_PHRASES:
            break
    cv_grams = cv.ngrams(2) | cv.ngrams(3)
    return tuple(
        Phrase(
            text=job.surface(first, first + len(gram)).lower(),
            job_mentions=len(counts[gram]),
            in_cv=gram in cv_grams,
        )
        for gram, first in chosen
    )


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether one phrase contains the other ("data platform" and "data platform team")."""
    short, long = sorted((a, b), key=len)
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _english_share(lex: Lexicon, text: _Text) -> float:
    return sum(1 for k in text.keys if k in lex.stopwords) / len(text.keys)


def _looks_english(lex: Lexicon, text: _Text) -> bool:
    return len(text.keys) < ENGLISH_MIN_WORDS or _english_share(lex, text) >= ENGLISH_SHARE


def _notices(lex: Lexicon, cv: _Text, job: _Text) -> tuple[str, ...]:
    notices = []
    for text, message in (
        (cv, _("Your CV does not look like English text.")),
        (job, _("The job description does not look like English text.")),
    ):
        if not _looks_english(lex, text):
            notices.append(
                message
                + " "
                + _("The check knows English terms only, so it may miss what the text says.")
            )
    if len(job.keys) < SHORT_JOB_WORDS:
        notices.append(
            ngettext(
                "The job description is only %(n)s word long: paste the whole advert, with its "
                "requirements, for a fair result.",
                "The job description is only %(n)s words long: paste the whole advert, with its "
                "requirements, for a fair result.",
                len(job.keys),
            )
            % {"n": len(job.keys)}
        )
    return tuple(notices)


def _score_caveat(lex: Lexicon, cv: _Text, job: _Text) -> str:
    """Why the score is not meaningful, or "" when it is: the terms, verbs and duty phrases are
    English, so a text in another language scores low whatever it says."""
    if not _looks_english(lex, job):
        return _(
            "No score: the job description does not look like English, and the check knows "
            "English terms only, so a score would say nothing about your fit. What it found is "
            "below; check the advert's requirements yourself."
        )
    if not _looks_english(lex, cv):
        return _(
            "No score: your CV does not look like English, and the check knows English terms "
            "only, so a score would say nothing about your fit. What it found is below."
        )
    return ""


def _coverage_reason(
    lex: Lexicon,
    present: tuple[TermResult, ...],
    missing: tuple[TermResult, ...],
    *,
    has_preferred: bool = False,
) -> ScoreReason:
    total = sum(t.weight for t in present + missing)
    if not total:
        return ScoreReason(
            key="coverage",
            points=0,
            max_points=COVERAGE_POINTS,
            text=_(
                "Key terms: none of the %(known)s terms we know for AI project management roles "
                "is in the job description, so this part cannot earn points (+0 of %(max)s). "
                "Paste the whole advert, in English."
            )
            % {"known": len(lex.terms), "max": COVERAGE_POINTS},
        )
    have = sum(t.weight for t in present)
    points = _round(COVERAGE_POINTS * have, total)
    text = _(
        "Key terms: your CV has %(present)s of the %(total)s terms in the job description, "
        "weighing %(have)s of %(weight)s (a term the job names twice weighs 2, three times or "
        "more 3): +%(points)s of %(max)s."
    ) % {
        "present": len(present),
        "total": len(present) + len(missing),
        "have": have,
        "weight": total,
        "points": points,
        "max": COVERAGE_POINTS,
    }
    if has_preferred:
        text += " " + _(
            "The advert calls some terms nice to have: those weigh %(preferred)s, the required "
            "ones at least %(floor)s."
        ) % {"preferred": PREFERRED_WEIGHT, "floor": REQUIRED_WEIGHT_FLOOR}
    if any(t.alternatives for t in present + missing):
        text += " " + _("Terms joined by “or” are one requirement, met by any of them.")
    if missing:
        heaviest = ", ".join(f"{t.name} ({t.weight})" for t in missing[:3])
        text += " " + _("The missing terms that weigh most: %(terms)s.") % {"terms": heaviest}
    return ScoreReason("coverage", points, COVERAGE_POINTS, text)


def _power_word_reason(used: tuple[PowerWordResult, ...]) -> ScoreReason:
    maximum = POWER_WORD_POINTS * POWER_WORDS_COUNTED
    points = POWER_WORD_POINTS * min(len(used), POWER_WORDS_COUNTED)
    if not used:
        text = _(
            "Action verbs: your CV uses none of the verbs we look for (+0 of %(max)s). Each "
            "one earns %(each)s points, up to %(count)s of them; see the suggestions."
        )
    else:
        text = ngettext(
            "Action verbs: your CV uses %(n)s (%(words)s). Each earns %(each)s points, up to "
            "%(count)s of them: +%(points)s of %(max)s.",
            "Action verbs: your CV uses %(n)s (%(words)s). Each earns %(each)s points, up to "
            "%(count)s of them: +%(points)s of %(max)s.",
            len(used),
        )
    return ScoreReason(
        "power_words",
        points,
        maximum,
        text
        % {
            "n": len(used),
            "words": _join(u.word for u in used),
            "each": POWER_WORD_POINTS,
            "count": POWER_WORDS_COUNTED,
            "points": points,
            "max": maximum,
        },
    )


def _figure_reason(figures: tuple[str, ...]) -> ScoreReason:
    maximum = FIGURE_POINTS * FIGURES_COUNTED
    points = FIGURE_POINTS * min(len(figures), FIGURES_COUNTED)
    params = {
        "n": len(figures),
        "figures": _join(figures),
        "each": FIGURE_POINTS,
        "count": FIGURES_COUNTED,
        "points": points,
        "max": maximum,
    }
    if not figures:
        text = _(
            "Measurable results: no figures such as 30%%, £2m, 3x or 12 people (+0 of "
            "%(max)s). Each one earns %(each)s points, up to %(count)s; years are not counted."
        )
    else:
        text = ngettext(
            "Measurable results: %(n)s figure (%(figures)s). Each earns %(each)s points, up to "
            "%(count)s of them: +%(points)s of %(max)s.",
            "Measurable results: %(n)s figures (%(figures)s). Each earns %(each)s points, up to "
            "%(count)s of them: +%(points)s of %(max)s.",
            len(figures),
        )
    return ScoreReason("figures", points, maximum, text % params)


def _length_reason(words: int) -> ScoreReason:
    if LENGTH_GOOD[0] <= words <= LENGTH_GOOD[1]:
        points = LENGTH_POINTS
    elif LENGTH_FAIR[0] <= words <= LENGTH_FAIR[1]:
        points = LENGTH_PARTIAL_POINTS
    else:
        points = 0
    text = _(
        "Length: %(words)s words. %(good_from)s to %(good_to)s words earn %(full)s points; "
        "otherwise %(fair_from)s to %(fair_to)s earn %(partial)s, shorter or longer none: "
        "+%(points)s of %(full)s."
    ) % {
        "words": f"{words:,}",
        "good_from": f"{LENGTH_GOOD[0]:,}",
        "good_to": f"{LENGTH_GOOD[1]:,}",
        "fair_from": f"{LENGTH_FAIR[0]:,}",
        "fair_to": f"{LENGTH_FAIR[1]:,}",
        "full": LENGTH_POINTS,
        "partial": LENGTH_PARTIAL_POINTS,
        "points": points,
    }
    return ScoreReason("length", points, LENGTH_POINTS, text)


def _weak_phrase_reason(weak: tuple[str, ...]) -> ScoreReason:
    penalty = WEAK_PHRASE_PENALTY * min(len(weak), WEAK_PHRASES_COUNTED)
    if not weak:
        text = _("Duty phrases: none such as “responsible for” or “helped with” (−0).")
    else:
        text = _(
            "Duty phrases: %(phrases)s describe duties, not results. Each costs %(each)s point, "
            "up to %(count)s: −%(penalty)s."
        ) % {
            "phrases": _join(weak),
            "each": WEAK_PHRASE_PENALTY,
            "count": WEAK_PHRASES_COUNTED,
            "penalty": penalty,
        }
    return ScoreReason("weak_phrases", -penalty, 0, text)
