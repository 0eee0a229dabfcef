"""A suggested grade for a written answer, from the question's key points.

`suggest(question, answer_text, words)` checks each key point against the answer's concepts
(see `quiz.wording`; `words` are the bank's own synonyms): a point is covered when a sentence
asserts most of its weighted concepts with the same sense, and contradicted when the answer
says the opposite: a negated concept or sentence, an antonym, two subjects' properties
swapped ("the shape is the number of axes") or given to both, a definition that names
another thing the question speaks of ("rank is the number of elements in the tensor"), a noun
qualified the other way round ("a linear function"), a condition swapped with what follows
from it ("the weight changes when the loss changes"), or the point's property given to another
thing the question names ("accuracy is differentiable" for "a loss must be differentiable").
A clause that only names one point whole ("stochastic gradient descent") covers no other.
Words that make no sentence (`quiz.word_salad`) cover nothing. An answer that says one of the
bank's listed mistakes (`Question.mistakes`: its words, with the ones that no right answer
uses among them) is suggested a fail and told which. The learner grades; this only
suggests, and is unsure, so that Enter does not take it, wherever the evidence is thin,
contradicted or a bare pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from quiz.bank import Question
from quiz.code_attempt import CodeAttempt, suggest_code_grade
from quiz.word_salad import salad_sentences
from quiz.wording import STOP_WORDS, Term, Vocabulary, clauses, concept, terms, vocabulary

METHOD = "word match"
COVERED_AT = 0.6
PARTLY_AT = 0.3
PROMPT_WEIGHT = 0.3
"""A concept the prompt already uses says little when an answer repeats it."""
SHARED_WEIGHT = 0.6
"""A concept in several of a question's key points tells them apart less well."""
UNSAID = "the key points' words are there, but no sentence says them: what do they mean?"
"""The reason given when an answer's words make no sentence (a shuffle or list of them)."""
PREMISE = "the question asks why we can't {}: does your answer say we can?"
MISTAKEN = "your answer seems to say that {}, a common mistake: compare it with our answer"
MISTAKE_AT = 0.6
"""How much of a bank's listed mistake one sentence must say, with the same sense, to be read
as saying it: of its own words, and of all its words."""
ONE_WORD_MISTAKE_AT = 0.75
"""The share of all its words a mistake with one word of its own needs."""
REFUSED_WORDS = 2
"""A clause that opens with "not" and names a thing in this many words turns the thing down;
one word after "not" ("not differentiable") denies it."""
FAULTS = frozenset(concept(w) for w in ("slow", "wrong", "worse", "problem"))
"""Words that find fault with a thing rather than propose it."""
ANSWERS = frozenset({"yes", "no"})
"""The words that answer a yes-or-no question."""
BARE_PASS = 3
THIN_WORDS = 4
"""Answers with fewer content words than this get a suggestion, never a confident 1 or 5."""
BOTH = concept("both")
"""A subject that stands for every contrasted one: "they are both plain functions" gives one
subject's property to the other as well."""
GENERIC = frozenset({concept("value"), concept("thing")})
"""Concepts that fill out a point without carrying it ("random values")."""
LINKING = frozenset(concept(w) for w in ("because", "otherwise", "since", "therefore", "whose"))
"""Words that join a mistake's parts without saying what is wrong."""
ANTONYMS = (
    ("first", "second"),
    ("large", "small"),
    ("high", "low"),
    ("increase", "decrease"),
    ("minimum", "maximum"),
    ("fast", "slow"),
    ("add", "replace"),
    ("add", "multiply"),
    ("validation", "training"),
    ("negative", "positive"),
    ("same", "different"),
    ("closer", "further"),
    ("closer", "farther"),
    ("update", "fixed"),
    ("update", "frozen"),
    ("random", "zero"),
    ("random", "fixed"),
    ("apart", "together"),
    ("apart", "mixed"),
    ("fewer", "more"),
    ("loss", "accuracy"),
    ("loss", "metric"),
)
"""Pairs of words that contradict each other where a point expects one of them."""
UNPREFIXED_SHORTEST = 4
"""What is left of an un- word must be this long to be its opposite: not "under" or "unit"."""
NEGATING_PREFIXES = ("un", "non")
"""Prefixes that turn a word round where it qualifies a noun: "a linear function" for "a
nonlinear function"."""
PAIRED_WITHIN = 2
"""Words this close to an antonym are paired with it ("training or validation"), not swapped."""
_CANNOT = re.compile(r"\bcan(?:'t|not|\s+not)\s+(?:we\s+|you\s+|i\s+)?([^?]+)", re.I)
_LEAD = r"^\s*(?:(?:so|and|then|thus|hence|where|because)\s+)?(?:(?:the|a|an|each|every)\s+)?"
_SUBJECT = re.compile(r"^\s*(?:the|a|an)?\s*([\w.]+)\s+(?:is|are)\b", re.IGNORECASE)
_OWNER = re.compile(
    _LEAD + r"([\w.]+)\s+(?:is|are|must\s+be|should\s+be|has\s+to\s+be|needs\s+to\s+be)\b"
)
"""A clause's one-word subject and the verb that gives it a property: "a loss must be smooth"."""
_DEFINITION = re.compile(_LEAD + r"([\w.]+)\s+(?:is|are)\s+(?:the|a|an)\s+([\w\s]+?)\s+of\s+(.+)$")
"""A clause that defines its subject as a measure of something: "rank is the number of axes"."""
_POSSESSIVE = re.compile(
    _LEAD + r"([\w.]+)\s+(?:is|are)\s+(?:the|a|an|its|their)\s+(\w+)['’]s?\s+(.+)$"
)
"""The same with the measure after an 's: "each number is the pixel's intensity"."""
_BECOMES = re.compile(
    r"^(?:.*?\s)?(?:turns?|maps?|converts?|sets?)\s+(.+?)\s+(?:into|to)\s+(.+)$"
    r"|^\s*(.+?)\s+(?:becomes?|turns?\s+into|(?:is|are)\s+set\s+to)\s+(.+)$"
)
"""A clause that says what something turns into: "negative numbers become zero"."""
BECOMES = "becomes"
OUTWEIGHING = frozenset({"negated", "reversed", "misattributed"})
"""Contradictions that outweigh the point's words said beside them, in the same sentence or the
next: a word negated outright, a condition swapped, the point's property given to another
thing ("accuracy must be smooth (differentiable)")."""
_COORDINATED = re.compile(r"\b(\w+)\s+(?:and|or)\s+\w+\s+(\w+)")
"""Two words joined before a third: "train and valid folders"."""
_CONDITION = re.compile(r"\b(?:when|whenever|if)\b")
"""What parts a consequence from its condition: "the loss changes when a weight changes"."""
_ONLY = re.compile(r"\bonly\s+((?:\w+\s+){0,2}\w+)", re.I)
"""The words after "only" in a key point, the first content word of which it restricts."""
_EITHER_OR = re.compile(r"\bor\b", re.I)
"""A prompt that offers a choice ("the training set, or the validation set?")."""
_OPTIONS = re.compile(
    r"(?:^|[,;:?.]\s*|\b(?:using|use|on|in|with|from)\s+)([^,;:?.]{1,40}?),?\s+or\s+([^,;:?.]{1,40})",
    re.I,
)
"""The phrases on each side of an either-or prompt's "or"."""
OPTION_WORDS = 2
"""The most words that tell one option from the other: more make a sentence, not an option."""
_EXPLAIN = re.compile(r"\b(?:explain|what is|what are|what does|what.s|special)\b", re.I)


@dataclass(frozen=True)
class PointFinding:
    """How one key point fared: `status` is covered, partly, missing or contradicted."""

    point: str
    status: str
    coverage: float
    matched: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        return self.status == "covered"


@dataclass(frozen=True)
class Suggestion:
    """A suggested grade with its evidence; `check` asks what to look for when unsure."""

    grade: int
    points: tuple[PointFinding, ...]
    sure: bool = True
    check: str = ""
    method: str = METHOD
    mistakes: tuple[str, ...] = ()
    """The bank's listed mistakes that the answer seems to say."""

    @property
    def covered(self) -> list[bool]:
        return [finding.covered for finding in self.points]


@dataclass(frozen=True)
class _Definition:
    """A clause such as "rank is the number of axes" as concepts: subject, measure, of what;
    a change ("negative numbers become zero") has `BECOMES` for its measure."""

    subject: frozenset[str]
    measure: frozenset[str]
    of: frozenset[str]

    def misnames(self, other: _Definition | None, known: frozenset[str]) -> bool:
        """Whether `other` gives the same subject the same measure of something else the
        question speaks of (`known`), as "rank is the number of elements in the tensor" does
        to "rank is the number of axes", or turns it into something else; or another measure
        of the same thing, as "the pixel's colour" does to "each number is the pixel's
        intensity"."""
        if not other or not self.subject & other.subject:
            return False
        # Only a thing the question speaks of counts as the wrong one: an unknown word
        # may be a synonym the vocabulary lacks ("the exponential" for "exp").
        if self.measure & other.measure:
            return bool(not self.of & other.of and other.of & known)
        return bool(self.of & other.of and other.measure & known)


def _definition(clause: str, words: Vocabulary) -> _Definition | None:
    """The clause as a definition ("rank is the number of axes") or a change ("negative
    numbers become zero", read as: what they become is zero), else None."""
    if match := _DEFINITION.match(clause):
        groups = match.groups()
    elif match := _POSSESSIVE.match(clause):
        groups = match.group(1, 3, 2)
    elif match := _BECOMES.match(clause):
        source, result = match.group(1, 2) if match.group(1) else match.group(3, 4)
        groups = (source, BECOMES, result)
    else:
        return None
    parts = [frozenset(t.concept for t in terms(group, words)) for group in groups]
    return _Definition(*parts) if all(parts) else None


@dataclass(frozen=True)
class _Point:
    text: str
    required: dict[str, float]
    negated: frozenset[str]
    alternatives: frozenset[str]
    subject: str | None
    offered: frozenset[str] = frozenset()
    """Concepts an either-or prompt names ("the training set, or the validation set?")."""
    choice: tuple[frozenset[str], frozenset[str]] | None = None
    """Where the point is one of the options an either-or prompt offers ("the validation
    set" to "the training set, or the validation set?"): its own words, and the other's."""
    definition: _Definition | None = None
    prompt: frozenset[str] = frozenset()
    """Every concept the prompt names."""
    qualified: frozenset[tuple[str, str]] = frozenset()
    """The point's words that qualify the next one ("nonlinear function", "first derivative")."""
    said_rightly: frozenset[tuple[str, str]] = frozenset()
    """Every such pair in the question's key points: an answer that repeats one says it rightly."""
    condition: tuple[frozenset[str], frozenset[str]] | None = None
    """What the point says happens, and when, each as concepts the other lacks."""
    owner: str | None = None
    """What the point gives its property to ("a loss must be smooth"), where one word says it."""
    phrases: frozenset[tuple[str, str]] = frozenset()
    """The point's words that stand next to each other, as concepts ("gradient", "descent")."""
    restricted: frozenset[str] = frozenset()
    """What the point says happens only in some case ("accuracy only changes when ..."): said
    not to happen in another case, it is not turned round."""


Opposites = dict[str, frozenset[str]]
"""Each concept's antonyms."""


@lru_cache(maxsize=16)
def _opposites(words: Vocabulary) -> Opposites:
    """The antonyms as concepts of `words`, where a bank's synonyms may have regrouped them."""
    pairs: dict[str, set[str]] = {}
    for a, b in ANTONYMS:
        pairs.setdefault(words.concept(a), set()).add(words.concept(b))
        pairs.setdefault(words.concept(b), set()).add(words.concept(a))
    return {name: frozenset(others) for name, others in pairs.items()}


def _qualified(found: Sequence[Term]) -> frozenset[tuple[str, str]]:
    """Each asserted word with the word right after it in the same clause, as concepts: the
    word that qualifies a noun ("validation set", "linear layers")."""
    return frozenset(
        (first.concept, then.concept)
        for first, then in zip(found, found[1:], strict=False)
        if then.at == first.at + 1
        and first.clause == then.clause
        and not first.negated
        and not then.negated
        and first.concept != then.concept
    )


def _condition(clause: str, words: Vocabulary) -> tuple[frozenset[str], frozenset[str]] | None:
    """A clause's consequence and condition as concepts, split at its first "when" or "if";
    None when it has no condition."""
    parts = _CONDITION.split(clause, maxsplit=1)
    if len(parts) < 2:
        return None
    then, when = ({t.concept for t in terms(part, words)} for part in parts)
    return frozenset(then - when), frozenset(when - then)


def _reverses_condition(point: _Point, said: tuple[frozenset[str], frozenset[str]] | None) -> bool:
    """Whether a clause makes the point's condition its consequence and the other way round:
    "each weight changes when the loss changes" for "the loss changes when each weight
    changes"."""
    if not point.condition or not said:
        return False
    then, when = point.condition
    said_then, said_when = said
    swapped = bool(said_then & when and said_when & then)
    return swapped and not (said_then & then or said_when & when)


def _next_words(found: Sequence[Term]) -> list[tuple[Term, Term]]:
    """Content words that follow each other in one clause, little words aside."""
    return [
        (first, then)
        for first, then in zip(found, found[1:], strict=False)
        if first.clause == then.clause and first.concept != then.concept
    ]


def _named_whole(point: _Point, answer: list[Term]) -> frozenset[int]:
    """Where a clause says the whole point as a phrase and nothing else ("stochastic gradient
    descent: ..."): its words' places, else none."""
    places: set[int] = set()
    for clause in {t.clause for t in answer}:
        here = [t for t in answer if t.clause == clause]
        pairs = [
            (first, then)
            for first, then in _next_words(here)
            if (first.concept, then.concept) in point.phrases and not first.negated
        ]
        said = {t.concept for t in here}
        if pairs and said == set(point.required) and len(said) > 1:
            places |= {t.at for t in here}
    return frozenset(places)


def _spent(points: Sequence[_Point], answer: list[Term]) -> list[frozenset[int]]:
    """For each point, the answer's words that name another point whole, and no more: "stochastic
    gradient descent" says nothing yet of what it descends or uses."""
    taken = [_named_whole(point, answer) for point in points]
    return [
        frozenset().union(*(taken[other] for other in range(len(points)) if other != index))
        - taken[index]
        for index in range(len(points))
    ]


def _owner(clause: str, words: Vocabulary) -> str | None:
    """The concept a clause gives a property to, where one word before "is" or "must be" says
    it ("accuracy is differentiable"); None otherwise."""
    match = _OWNER.match(clause)
    found = terms(match.group(1), words) if match else []
    return found[0].concept if found and not found[0].negated else None


def _misattributes(
    point: _Point, owner: str | None, here: list[Term], known: frozenset[str]
) -> bool:
    """Whether a clause gives the point's property to another thing the question speaks of:
    "accuracy is differentiable" where the point says "a loss must be smooth (differentiable)"."""
    if not point.owner or not owner or owner == point.owner or owner in point.required:
        return False
    distinctive = {c for c, w in point.required.items() if w == 1.0} - {point.owner}
    said = {t.concept for t in here if t.negated == (t.concept in point.negated)}
    return owner in known and bool(distinctive) and distinctive <= said


def _coordinated(text: str, words: Vocabulary) -> frozenset[tuple[str, str]]:
    """Words joined by "and" or "or" before one noun, each with that noun: "train and valid
    folders" qualifies folders both ways."""
    return frozenset(
        (words.concept(first), words.concept(noun))
        for first, noun in _COORDINATED.findall(text.lower())
        if first not in STOP_WORDS and noun not in STOP_WORDS
    )


def _turned_round(name: str, opposites: dict[str, frozenset[str]]) -> frozenset[str]:
    """A qualifier's opposites: its antonyms, and the word with a negating prefix added or
    taken away ("linear" and "nonlinear")."""
    prefixed = {prefix + name for prefix in NEGATING_PREFIXES}
    for prefix in NEGATING_PREFIXES:
        if name.startswith(prefix) and len(name) >= UNPREFIXED_SHORTEST + len(prefix):
            prefixed.add(name[len(prefix) :])
    return opposites.get(name, frozenset()) | prefixed


def _misqualifies(point: _Point, here: list[Term], opposites: Opposites) -> bool:
    """Whether a clause qualifies one of the point's nouns the other way round: "a linear
    function" where the point says "a nonlinear function", "the second derivative" for "the
    first derivative". A pair the key points use themselves is no mistake."""
    return any(
        (word, noun) not in point.said_rightly
        and any(
            noun == expected_noun and word in _turned_round(expected, opposites)
            for expected, expected_noun in point.qualified
        )
        for word, noun in _qualified(here)
    )


def _opposites_of(name: str, opposites: dict[str, frozenset[str]]) -> frozenset[str]:
    """A concept's antonyms, with its un- form or the word an un- form turns round
    ("freeze" and "unfreeze", "unseen" and "seen")."""
    prefixed = {f"un{name}"}
    if name.startswith("un") and len(name) >= UNPREFIXED_SHORTEST + 2:
        prefixed.add(name[2:])
    return opposites.get(name, frozenset()) | prefixed


def _options(prompt: str, words: Vocabulary) -> tuple[frozenset[str], frozenset[str]] | None:
    """The two things an either-or prompt offers, as the concepts that tell them apart: "the
    training set, or the validation set?" offers training and validation."""
    match = _OPTIONS.search(prompt)
    if not match:
        return None
    left, right = ({t.concept for t in terms(side, words)} for side in match.groups())
    first, second = left - right, right - left
    if not (0 < len(first) <= OPTION_WORDS and 0 < len(second) <= OPTION_WORDS):
        return None
    return frozenset(first), frozenset(second)


def _choice(
    required: set[str], options: tuple[frozenset[str], frozenset[str]] | None
) -> tuple[frozenset[str], frozenset[str]] | None:
    """The point's option and the other one, where the point names one option and no more."""
    for mine, other in (options, options[::-1]) if options else ():
        if mine & required and not other & required and len(required - mine) <= 1:
            return mine, other
    return None


def _first_pick(point: _Point, answer: Sequence[Term]) -> bool | None:
    """Whether the answer's first sentence picks the point's option first (True) or the other
    (False): "On the training set; the validation set is for the learning rate" answers the
    prompt with the training set. None where it names neither."""
    if not point.choice:
        return None
    mine, other = point.choice
    for term in (t for t in answer if t.sentence == answer[0].sentence and not t.negated):
        if term.concept in mine:
            return True
        if term.concept in other:
            return False
    return None


def _explaining(points: Sequence[_Point], answer: Sequence[Term]) -> frozenset[int]:
    """Where the answer has picked the right option of an either-or question, the sentences
    that speak of the other one: they say why not ("on the training set you couldn't detect
    overfitting, because the model has already seen those images")."""
    choosing = next((p for p in points if p.choice), None)
    if not choosing or not choosing.choice or not answer or not _first_pick(choosing, answer):
        return frozenset()
    other = choosing.choice[1]
    return frozenset(t.sentence for t in answer if t.concept in other and not t.negated)


def asks_for_explanation(question: Question) -> bool:
    """Whether a coding question's prompt also asks to explain, define or say what is special."""
    return question.is_code and bool(_EXPLAIN.search(question.prompt))


@lru_cache(maxsize=256)
def _points(question: Question, words: Vocabulary) -> tuple[_Point, ...]:
    prompt = {t.concept for t in terms(question.prompt, words)}
    parsed = []
    qualified: dict[str, frozenset[tuple[str, str]]] = {}
    conditions: dict[str, tuple[frozenset[str], frozenset[str]] | None] = {}
    owners: dict[str, str | None] = {}
    phrases: dict[str, frozenset[tuple[str, str]]] = {}
    for text in question.key_points:
        outside = re.sub(r"\([^)]*\)", " ", text)
        inside = " ".join(re.findall(r"\(([^)]*)\)", text))
        found = terms(outside, words) or terms(text, words)
        match = _SUBJECT.match(outside)
        subject_terms = terms(match.group(1), words) if match else []
        defined = (_definition(clause, words) for clause in clauses(outside, words))
        qualified[text] = _qualified(terms(outside, words)) | _coordinated(outside, words)
        owners[text] = _owner(outside, words)
        phrases[text] = frozenset(
            (first.concept, then.concept) for first, then in _next_words(terms(outside, words))
        )
        conditions[text] = next(
            filter(None, (_condition(c, words) for c in clauses(outside, words))), None
        )
        parsed.append(
            (
                text,
                found,
                {t.concept for t in terms(inside, words)},
                subject_terms,
                next(filter(None, defined), None),
            )
        )
    counts: dict[str, int] = {}
    for _, found, *_ in parsed:
        for name in {t.concept for t in found}:
            counts[name] = counts.get(name, 0) + 1
    subjects = {s[0].concept for *_, s, _ in parsed if s}
    options = _options(question.prompt, words)
    said_rightly = frozenset().union(*qualified.values())
    result = []
    for text, found, said_inside, subject_terms, definition in parsed:
        required = {}
        for term in found:
            weight = PROMPT_WEIGHT if term.concept in prompt or term.concept in GENERIC else 1.0
            required[term.concept] = weight * (SHARED_WEIGHT if counts[term.concept] > 1 else 1)
        subject = subject_terms[0].concept if subject_terms and len(subjects) > 1 else None
        result.append(
            _Point(
                text=text,
                required=required,
                negated=frozenset(t.concept for t in found if t.negated),
                # An alternative the prompt already names ("zero_grad" to "why zero the
                # gradients?") is no evidence that the point was understood.
                alternatives=frozenset(said_inside - set(required) - prompt),
                subject=subject,
                offered=frozenset(prompt if _EITHER_OR.search(question.prompt) else ()),
                choice=_choice(set(required), options),
                restricted=frozenset(
                    t.concept
                    for match in _ONLY.finditer(text)
                    for t in terms(match.group(1), words)[:1]
                ),
                prompt=frozenset(prompt),
                definition=definition,
                qualified=qualified[text],
                said_rightly=said_rightly,
                condition=conditions[text],
                owner=owners[text],
                phrases=phrases[text],
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class _Mistake:
    """A bank's listed mistake as concepts: `own` are those that neither the prompt, the key
    points nor our answer assert, and so say what is wrong."""

    text: str
    words: frozenset[str]
    negated: frozenset[str]
    own: frozenset[str]

    def said_in(self, answer: Sequence[Term]) -> bool:
        """Whether one sentence of the answer says most of the mistake's own words and most
        of all its words, each with its sense, and turns none of them round."""
        # One word of its own is thin evidence: the rest of the mistake must stand by it.
        share = MISTAKE_AT if len(self.own) > 1 else ONE_WORD_MISTAKE_AT
        for sentence in {t.sentence for t in answer}:
            here = [t for t in answer if t.sentence == sentence]
            same = {t.concept for t in here if t.negated == (t.concept in self.negated)}
            turned = {t.concept for t in here if t.negated != (t.concept in self.negated)}
            if (turned - same) & self.words:
                continue  # the sentence turns part of the mistake round: "no test folder"
            # or a clause that says its own words does: "rank is not the number of elements,
            # it is the number of axes"
            owning = {t.clause for t in here if t.concept in self.own}
            if any(
                t.clause in owning
                and t.concept in self.words
                and t.negated != (t.concept in self.negated)
                for t in here
            ):
                continue
            own = len(self.own & same) >= math.ceil(MISTAKE_AT * len(self.own))
            if own and len(self.words & same) >= share * len(self.words):
                return True
        return False


_NUMBERS = frozenset({"0", "1", "2", "3"})
"""Numbers that our answer's examples use and a mistake may get wrong."""


@lru_cache(maxsize=256)
def _mistakes(question: Question, words: Vocabulary) -> tuple[_Mistake, ...]:
    """The question's listed mistakes; one with no word of its own can't be told from a right
    answer, and is never read as said (`quiz validate` names it)."""
    told = {
        t.concept for text in (question.prompt, *question.key_points) for t in terms(text, words)
    }
    # Our answer may name a mistake to reject it ("no separate labels file"): only what it
    # asserts is a right answer's word.
    # Its numbers are examples ("std 1.0"), while a mistake's are what is wrong ("set to zero").
    told |= {t.concept for t in terms(question.answer, words) if not t.negated} - _NUMBERS
    result = []
    for text in question.mistakes:
        found = terms(text, words)
        said = frozenset(t.concept for t in found)
        own = said - told - GENERIC - LINKING
        negated = frozenset(t.concept for t in found if t.negated)
        if own:
            result.append(_Mistake(text, said, negated, own))
    return tuple(result)


def unheard_mistakes(question: Question, words: Mapping[str, Sequence[str]] | None) -> list[str]:
    """The question's listed mistakes that use only words a right answer may use too."""
    kept = {m.text for m in _mistakes(question, vocabulary(words))}
    return [text for text in question.mistakes if text not in kept]


def _denies_premise(question: Question, answer_text: str, words: Vocabulary) -> str:
    """The premise an answer turns round, if it does: to "why can't we use accuracy as a
    loss?" it says "we can use accuracy as a loss"; "" when it does not."""
    match = _CANNOT.search(question.prompt)
    if not match:
        return ""
    premise = match.group(1).strip()
    needed = {t.concept for t in terms(premise, words)}
    first = re.escape(premise.split()[0].lower())
    for sentence in re.split(r"[.!?;:\n]+", answer_text.lower()):
        if re.search(rf"\bcan\s+(?:always\s+|still\s+)?{first}\b", sentence):
            said = {t.concept for t in terms(sentence, words) if not t.negated}
            if len(needed & said) >= 2 * len(needed) / 3:
                return premise
    return ""


def _clause_subjects(
    answer: list[Term], subjects: set[str], told: set[str]
) -> dict[int, str | None]:
    """Which contrasted subject each clause talks about: the one it names before anything
    the key points tell of it, else the last clause's ("rank is the number of axes, so 3 for
    a stack" and "so it is the length of the shape" stay about rank)."""
    owner: dict[int, str | None] = {}
    current: str | None = None
    for clause in sorted({t.clause for t in answer}):
        for term in (t for t in answer if t.clause == clause):
            if term.concept in subjects:
                current = term.concept
                break
            if term.concept in told:
                break  # a subject named after this is the clause's object
        owner[clause] = current
    return owner


def _finding(
    point: _Point,
    answer: list[Term],
    owner: dict[int, str | None],
    opposites: Opposites,
    definitions: dict[int, _Definition],
    conditions: dict[int, tuple[frozenset[str], frozenset[str]]],
    owners: dict[int, str],
    known: frozenset[str],
    spent: frozenset[int] = frozenset(),
    explaining: frozenset[int] = frozenset(),
) -> PointFinding:
    """Cover a point within two adjacent sentences, leaving out clauses that say its opposite
    and words that say another point whole (`spent`). Sentences that explain an either-or
    choice by the option turned down (`explaining`) contradict nothing."""
    usable = [
        t
        for t in answer
        if (point.subject is None or owner.get(t.clause) in (None, point.subject))
        and t.at not in spent
    ]
    if answer and set(point.required) in ({"yes"}, {"no"}) and answer[0].concept in ANSWERS:
        # A yes-or-no question is answered by the answer's first word.
        said = answer[0].concept in point.required
        return PointFinding(point.text, "covered" if said else "contradicted", float(said))
    if answer and point.choice:
        picked = _first_pick(point, answer)
        if picked is not None:
            # An either-or question is answered by the first option the answer picks; what
            # it then says of the other ("on the training set the number is too optimistic")
            # explains the choice.
            status = "covered" if picked else "contradicted"
            return PointFinding(point.text, status, float(picked), tuple(sorted(point.choice[0])))
    reasons = {
        c: _contradicts(point, answer, c, owner, opposites, owners.get(c))
        or (
            "misnamed"
            if point.definition and point.definition.misnames(definitions.get(c), known)
            else ""
        )
        or ("reversed" if _reverses_condition(point, conditions.get(c)) else "")
        or (
            "misattributed"
            if _misattributes(point, owners.get(c), [t for t in answer if t.clause == c], known)
            else ""
        )
        for c in {t.clause for t in answer if t.sentence not in explaining}
    }
    against = {c for c, reason in reasons.items() if reason}
    # A word of the point negated outright, or its condition and consequence swapped,
    # outweighs the same words said in a sentence beside it ("stochastic gradient descent:
    # ... without using any gradient").
    negated_in = {t.sentence for t in answer if reasons.get(t.clause) in OUTWEIGHING}
    total = math.fsum(point.required.values())
    best, best_found, best_window = 0.0, set(), set()
    whole = False
    for sentence in sorted({t.sentence for t in usable}):
        for window in ({sentence, sentence + 1}, {sentence}):
            same_sense = {
                t.concept
                for t in usable
                if t.sentence in window
                and t.clause not in against
                and (t.concept == "no" or t.negated == (t.concept in point.negated))
            }
            found = {c for c in point.required if c in same_sense}
            # fsum: the same total whatever order the set gives its words
            got = math.fsum(point.required[c] for c in found)
            bonus = min(float(len(point.alternatives & same_sense)), total - got)
            coverage = min(1.0, (got + bonus) / total) if total else 0.0
            if coverage > best:
                best, best_found, best_window = coverage, found, window
            # One sentence that says all of the point stands, whatever the next one denies
            # ("how much the loss changes ... It doesn't change the weights by itself").
            whole |= len(window) == 1 and coverage == 1.0 and not window & negated_in
    matched = tuple(sorted({t.word for t in usable if t.concept in best_found}))
    if best >= COVERED_AT and (whole or not best_window & negated_in):
        return PointFinding(point.text, "covered", best, matched)
    if against:
        return PointFinding(point.text, "contradicted", best, matched)
    status = "partly" if best >= PARTLY_AT else "missing"
    return PointFinding(point.text, status, best, matched)


def _contradicts(
    point: _Point,
    answer: list[Term],
    clause: int,
    owner: dict[int, str | None],
    opposites: Opposites,
    named: str | None = None,
) -> str:
    """Whether a clause (about `named`, where one word before "is" names it) says the point's
    idea the other way round: with a word negated ("backward does not add"), an antonym ("the
    second derivative"), or about the other subject ("the shape is the number of axes"). The
    rest of the point may stand anywhere in the clause's sentence ("from the predictions
    alone, without the labels")."""
    here = [t for t in answer if t.clause == clause]
    if _turned_twice(point, here, opposites):
        return ""
    if _misqualifies(point, here, opposites):
        return "misqualified"
    sentence = [t for t in answer if t.sentence == here[0].sentence] if here else []
    present = {t.concept for t in sentence if t.negated == (t.concept in point.negated)}
    said_here = {t.concept for t in here if t.negated == (t.concept in point.negated)}
    mentioned = {t.concept for t in sentence}
    # the point's words said rightly here or in a sentence beside: "first it freezes the
    # body; then it unfreezes and trains everything"
    beside = present | {
        t.concept
        for t in answer
        if here
        and abs(t.sentence - here[0].sentence) == 1
        and t.negated == (t.concept in point.negated)
    }
    asserted = {t.concept for t in answer if not t.negated}
    total = math.fsum(point.required.values())
    other_subject = point.subject is not None and owner.get(clause) not in (None, point.subject)
    # "Python loops are slow": what the point rejects, found fault with, is not proposed
    faulted = bool({t.concept for t in here if not t.negated} & FAULTS)
    for term in here if not other_subject else ():
        flipped = term.concept in point.required and term.negated != (term.concept in point.negated)
        if flipped and _turned_for_another_reason(point, term, here, sentence, present):
            flipped = False
        keys = {term.concept} if flipped else set()
        if not term.negated and term.concept not in point.required:
            # "training and validation folders" pairs the words; it swaps neither.
            paired = {t.concept for t in sentence if abs(t.at - term.at) <= PAIRED_WITHIN}
            keys |= {
                c
                for c in _opposites_of(term.concept, opposites)
                if c in point.required and c not in point.negated and c not in said_here | paired
            }
        # The word itself first, then its antonyms by name: the reason is the same every run.
        candidates = keys - (present - {term.concept} if flipped else said_here)
        for key in sorted(candidates, key=lambda k: (k != term.concept, k)):
            weight, others = point.required[key], total - point.required[key]
            # Turned round, the rest of the point may be denied with it ("it is not true that").
            # An antonym beside the right word said in another clause ("exp is positive, so
            # no log of a negative number") swaps the point only with the rest of it at hand.
            near = mentioned if flipped else said_here if key in beside else present
            rest = math.fsum(w for c, w in point.required.items() if c in near and c != key)
            # A point that rejects a word outright ("instead of a Python loop"), or a prompt
            # that offers both ("training or validation set?"), is contradicted by choosing it.
            chosen = key in point.negated or (not flipped and term.concept in point.offered)
            denied = {
                t.concept
                for t in sentence
                if t.negated != (t.concept in point.negated)
                and not _under_negation(point, t, [u for u in sentence if u.clause == t.clause])
            }
            if flipped and set(point.required) <= denied:
                return "denied"  # the whole point turned round: "it is not true that ..."
            if flipped and key in point.negated and point.negated <= denied and not faulted:
                return "proposed"  # all the point rejects: "run the Python loop on the GPU"
            if flipped and key in point.negated:
                continue  # a part of it: "the loop runs in compiled C"
            if weight < SHARED_WEIGHT and not chosen:
                continue
            alone = (
                not flipped
                and key not in asserted
                and weight == 1.0
                # "GPUs are fast" gives its property to a thing of its own, not the point's
                and (named is None or named in point.required)
            )
            if rest >= min(0.4 * others, 1.0) or alone or chosen and rest >= 0.3 * others:
                return "negated" if flipped and not chosen else "swapped"
    if other_subject:
        distinctive = {c for c, w in point.required.items() if w == 1.0} - {point.subject}
        return "subject" if distinctive and distinctive <= {t.concept for t in here} else ""
    return ""


def _turned_for_another_reason(
    point: _Point, term: Term, here: list[Term], sentence: list[Term], present: set[str]
) -> bool:
    """Whether a word of the point, negated in its clause, still leaves the point standing,
    because the negation is about something else."""
    restricted_after = {t.concept for t in sentence if not t.negated and t.at > term.at}
    return (
        _negates_another_phrase(point, term, here)
        or _under_negation(point, term, here)
        or _alternative_turned_down(point, term, here)
        # "valid images sit in valid/, apart from train/, so the model never trains on them":
        # the word said rightly beside, a clause with no more of the point is about another
        # thing.
        or term.concept in present
        and not {t.concept for t in here} & set(point.required) - {term.concept}
        # "not one item and not the whole dataset": a thing turned down, and no more of the
        # point that says what is wrong with it
        or term.refused
        and len({t.concept for t in here}) >= REFUSED_WORDS
        and bool(set(point.required) - {t.concept for t in here})
        # what the point restricts, unless the whole point is denied
        or term.concept in point.restricted
        and not set(point.required) <= {t.concept for t in sentence if t.negated}
        # "doesn't show the code, only the signature" for "shows only the signature"
        or bool(point.restricted)
        and term.concept not in point.restricted
        and point.restricted <= restricted_after
    )


def _turned_twice(point: _Point, here: list[Term], opposites: Opposites) -> bool:
    """Whether a clause turns the point round twice, with a negation and an antonym, and so
    says it: "images of different sizes can't be batched" for "images must be the same size
    to be batched"; "no power of e is negative" for "exp is always positive"."""
    negation = any(t.concept == "no" or t.negated and not t.denied for t in here)
    antonym = any(
        not t.negated
        and t.concept not in point.required
        and _opposites_of(t.concept, opposites) & set(point.required) - point.negated
        for t in here
    )
    return negation and antonym


def _alternative_turned_down(point: _Point, term: Term, here: list[Term]) -> bool:
    """Whether the word is the alternative a clause turns down for another that the point also
    names: "101 layers instead of 50" says the point "resnet101 has 101 layers and resnet50
    has 50"; "the validation set instead of the training set" turns down the training set."""
    if not term.contrast:
        return False
    before = {t.concept for t in here if t.at < term.at and not t.negated}
    after = {t.concept for t in here if t.at >= term.at and t.contrast}
    return bool((before - after) & {c for c, w in point.required.items() if w == 1.0})


def _under_negation(point: _Point, term: Term, here: list[Term]) -> bool:
    """Whether a word the point rejects is said after a negation earlier in its clause, which
    turns the whole phrase down: "you don't have to handle paths as strings"."""
    return term.concept in point.negated and any(t.negated and t.at < term.at for t in here)


def _negates_another_phrase(point: _Point, term: Term, here: list[Term]) -> bool:
    """Whether a word negated on its own comes before another that the point does not use, which
    the negation is about: "three axes, not three elements" denies three elements, not three
    axes; "not a loop with append" denies the append."""
    if term.concept in point.negated or term.denied:
        return False
    following = next((t for t in here if t.at > term.at), None)
    # or after one negated with it: "instead of 32-bit floats" denies 32-bit, not floats
    before = next((t for t in reversed(here) if t.at < term.at), None)
    return any(
        other is not None
        and other.concept not in point.required
        and other.concept not in point.alternatives
        and other.concept != "no"
        for other in (following, before if before and before.negated else None)
    )


def suggest(
    question: Question, answer_text: str, words: Mapping[str, Sequence[str]] | None = None
) -> Suggestion:
    """Suggest a 0-5 grade for a written answer to `question`, with a finding per key point.

    `words` are the bank's own synonyms (word -> words meaning the same), layered over the
    general ones."""
    vocab = vocabulary(words)
    points = _points(question, vocab)
    if not answer_text.strip():
        findings = tuple(PointFinding(p.text, "missing", 0.0) for p in points)
        return Suggestion(0, findings, sure=True, check="")
    salad = salad_sentences(answer_text, question.key_points, vocab)
    answer = [t for t in terms(answer_text, vocab) if t.sentence not in salad]
    subjects = {p.subject for p in points if p.subject}
    told = {c for p in points for c in p.required} - subjects
    owner = _clause_subjects(answer, subjects | {BOTH}, told) if subjects else {}
    opposites = _opposites(vocab)
    said = (_definition(clause, vocab) for clause in clauses(answer_text, vocab))
    definitions = {index: d for index, d in enumerate(said) if d}
    told_when = (_condition(clause, vocab) for clause in clauses(answer_text, vocab))
    conditions = {index: c for index, c in enumerate(told_when) if c}
    owned = (_owner(clause, vocab) for clause in clauses(answer_text, vocab))
    owners = {index: o for index, o in enumerate(owned) if o}
    known = frozenset(c for p in points for c in set(p.required) | p.prompt)
    spent = _spent(points, answer)
    explaining = _explaining(points, answer)
    findings = tuple(
        _finding(
            p, answer, owner, opposites, definitions, conditions, owners, known, taken, explaining
        )
        for p, taken in zip(points, spent, strict=True)
    )
    if salad and not any(f.covered for f in findings):
        return Suggestion(1, findings, sure=False, check=UNSAID)
    grade = graded([f.status for f in findings])
    thin = len({t.concept for t in answer}) < THIN_WORDS or any(
        f.covered and len(f.matched) == 1 and len(p.required) > 2
        for f, p in zip(findings, points, strict=True)
    )
    contradicted = [f for f in findings if f.status == "contradicted"]
    premise = _denies_premise(question, answer_text, vocab)
    if premise:
        return Suggestion(min(grade, 2), findings, sure=False, check=PREMISE.format(premise))
    mistaken = tuple(m.text for m in _mistakes(question, vocab) if m.said_in(answer))
    if mistaken:
        check = MISTAKEN.format(mistaken[0].rstrip("."))
        return Suggestion(min(grade, 2), findings, sure=False, check=check, mistakes=mistaken)
    # A bare pass (3) rests on half the points: the learner, not Enter, should settle it.
    sure = not thin and not contradicted and grade != BARE_PASS
    check = _what_to_check(findings) if not sure or 2 <= grade <= 4 else ""
    if thin:
        grade = min(4, max(2, grade))
    return Suggestion(grade, findings, sure=sure, check=check)


CREDIT = {"covered": 1.0, "partly": 0.5, "missing": 0.0, "contradicted": -0.5}
"""What each point's status adds to the share of the answer that is right."""


def graded(statuses: Sequence[str]) -> int:
    """The grade for the key points' statuses: their mean credit, at most 2 when none is
    covered, and at most 2 with one contradicted, or 3 where that one is the only doubt among
    four or more (the matcher may have misread a negation: a pass, but the learner grades)."""
    grade = _grade_for(sum(CREDIT[status] for status in statuses) / len(statuses))
    if "covered" not in statuses:
        grade = min(grade, 2)
    contradicted = statuses.count("contradicted")
    if contradicted:
        rest = [status for status in statuses if status != "contradicted"]
        lenient = contradicted == 1 and len(rest) >= 3 and all(s == "covered" for s in rest)
        grade = min(grade, 3 if lenient else 2)
    return grade


def _grade_for(share: float) -> int:
    if share >= 0.9:
        return 5
    if share >= 0.65:
        return 4
    if share >= 0.45:
        return 3
    return 2 if share >= 0.2 else 1


def _what_to_check(findings: tuple[PointFinding, ...]) -> str:
    order = {"contradicted": 0, "partly": 1, "missing": 2, "covered": 3}
    doubtful = min(findings, key=lambda f: (order[f.status], -f.coverage))
    if doubtful.status == "contradicted":
        return f"does your answer say {doubtful.point}, or the opposite?"
    if doubtful.status == "covered":
        thin = min(findings, key=lambda f: len(f.matched))
        return f"does your answer really say {thin.point}?"
    return f"does your answer say {doubtful.point}?"


def suggest_for_code(
    question: Question,
    attempt: CodeAttempt,
    explanation: str,
    words: Mapping[str, Sequence[str]] | None = None,
) -> Suggestion:
    """A coding question's suggestion: the checks' grade, averaged with the written
    explanation's where the prompt asks for one."""
    code_grade = suggest_code_grade(attempt)
    if not asks_for_explanation(question):
        return Suggestion(code_grade, ())
    written = suggest(question, explanation, words)
    grade = math.floor((code_grade + written.grade) / 2 + 0.5)
    return Suggestion(grade, written.points, written.sure, written.check)
