"""Turn an answer or a key point into concepts: what the recall matcher compares.

Spelling variants (-ise/-ize, -our/-or, -yse/-yze) become one form, words are stemmed,
general English synonyms and a bank's own (its `words:`, see `vocabulary`) share one concept,
and code words in a pseudocode answer (`loss.backward()`, `opt.step()`, `model(xb)`) count as
the words they stand for. Each concept remembers whether it was negated, and which clause and
sentence it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

STOP_WORDS = frozenset(
    """a an the of to in on at by for from with and or but is are was were be been being
    it its this that these those as into than then so such each e g eg ie i you we they he
    she them their our your can do does did if all any which what how why when where who
    has have had per like would will could should may might must just also very really
    basically actually think believe guess well way thing things get gets got make makes
    made use uses used using some most much one ones there here about out up around
    other another only need needs needed via let lets call called again too every instead""".split()
)
NEGATION_REACH = {"not": 1, "never": 1, "nor": 1, "without": 1, "insteadof": 2, "no": 0, "none": 0}
"""How many content words a negator turns round: "does not update", "has never seen",
"instead of a Python loop" (a bare "instead" says what is done, and negates nothing); "no"
none, as it is an answer."""
WITHOUT_STOPS = frozenset(
    {"it", "them", "this", "that", "which", "he", "she", "they", "we", "you", "one"}
)
"""Words that end what "without" turns round: "without it the output is zero" negates nothing,
while "without using any gradient" negates the gradient."""
_REFUSED = re.compile(r"^\s*(?:(?:and|but|or)\s+)?(?:not|never)\b")
_WHICH = re.compile(r"^\s*(?:which|whose|as\s+(?:it|they|that)|since\s+(?:it|they|that))\b")
"""A clause that turns a thing down ("not the whole dataset"), and one that goes on to say what
is wrong with it ("which would be too slow")."""
DENIAL = "itisnottruethat"
"""What a denial of a whole sentence is rewritten to ("it is not true that", "it is false that")."""

# Code and phrases rewritten to the words they stand for, before words are split.
_REWRITES: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    (  # a comprehension's syntax, written out or abbreviated: [expr for x in xs if cond]
        r"\[[^\[\]]*?\bfor\s+[^\[\]]*?(?:\bif\b[^\[\]]*)?\]",
        lambda m: (
            " expression loop item iterable"
            + (" condition filter " if re.search(r"\bif\b", m.group()) else " ")
        ),
    ),
    # numbered steps: "1. ..." on a line, "1) ... 2) ..." or "step 1: ..." in one; "sum to 1.
    # Use ..." is no step
    (r"(?m)^\s*\d+[.)]\s+|(?<=\s)\d+\)\s+(?=[a-z])|\bstep\s+\d+\s*[:.)]\s*", "\n"),
    # IPython's help marks are words, not the ends of sentences: "?? after the name", "?func"
    (r"\?\?", " twoquestionmarks "),
    (r"(?:(?<=[\s`(])|^)\?", " onequestionmark "),
    (r"\bcan't\b", "can not"),
    (r"\bwon't\b", "will not"),
    (r"n't\b", " not"),
    (
        r"\b(?:(?:it|this)(?:\s+is|\s+was|'s|’s)\s+)?(?:not\s+(?:true|correct|right|the\s+case)|false|"
        r"untrue|wrong|incorrect|a\s+myth)\s+that\b",
        f" {DENIAL} ",
    ),
    (  # "it is wrong to say that", "I don't think", "I doubt", "nobody believes"
        r"\b(?:(?:it|this)(?:\s+is|\s+was|'s)\s+(?:false|untrue|wrong|incorrect|a\s+mistake)\s+to\s+"
        r"(?:say|think|claim|believe)|(?:i|we)\s+(?:do\s+not\s+(?:think|believe)|doubt)|"
        r"(?:nobody|no\s+one)\s+(?:thinks|believes|says|claims)|(?:i|we)\s+would\s+not\s+say)"
        r"(?:\s+that)?\b",
        f" {DENIAL} ",
    ),
    (  # "Not shape is the size of each axis": a sentence opened with "not" before a clause
        r"(?m)(?:^|(?<=[.!?;]\s))(?:not|never)\s+(?=(?:(?:the|a|an)\s+)?[\w.]+\s+(?:is|are|has|have|"
        r"must|can|gives?|shows?|uses?|needs?|makes?|chooses?|trains?|unfreezes?)\b)",
        f"{DENIAL} ",
    ),
    (  # "that the loss goes up is false", "the idea that ... is wrong": the whole sentence
        r"(?m)(?:^|(?<=[.!?;]\s))(?:the\s+(?:idea|claim|notion|belief|statement)\s+)?that\s+"
        r"(?!(?:is|was|'s|means|makes|why)\b)"
        r"((?:(?![.!?;](?:\s|$)).)+?)\s+(?:is|was)\s+(?:false|wrong|untrue|incorrect|a\s+myth|not\s+true)\b",
        f" {DENIAL} \\1",
    ),
    (r"\bno\s+longer\b|\bno\s+need\s+to\b", "not"),
    (r"\bnot\s+(?:just|only|merely|simply)\b", " also "),  # "the whole model, not just the head"
    (r"\b(?:not|never)\s+(?:an?\s+)?linear\b", "nonlinear"),  # "isn't linear", "not a linear one"
    (r"\bnot\s+(\w+)\s+unless\b", r"only \1 when"),  # "doesn't change unless it flips"
    # "fix them up", "the loop fixes them": repairs, not "fixed" (held constant)
    (
        r"\bfix(?:es|ed|ing)?\s+(?:(?:them|it|those|these)\s+)?up\b|\bfix(?:es|ing)?\s+(?=them\b|it\b)",
        "improve ",
    ),
    (r"\binstead\s+of\b|\brather\s+than\b", "insteadof"),
    (r"\b(?:e\.g|i\.e|etc)\.?", " "),
    (r"\bcannot\b", "can not"),
    (r"\b(?:nope|nah|nay)\b", "no"),
    (r"\b(?:yep|yeah|yup)\b", "yes"),
    (r"\brgb\b", "red green blue"),
    (r"\breshap\w*", "change shape"),
    (r"\bhow\s+many\b", "number"),
    (r"\b(?:not|never)\s+(?:end\s+up\s+)?converg\w*", "diverge"),
    (r"\bback\s+and\s+forth\b", "bounce"),
    (  # a change of size told with a verb: "the loss gets larger", "goes down"
        r"\b(?:gets?|getting|grows?|growing|becomes?|goes|going|go)\s+(?:larger|bigger|higher|"
        r"greater|up)\b",
        " increase ",
    ),
    (r"\b(?:gets?|getting|becomes?|goes|going|go)\s+(?:smaller|lower|down)\b", " decrease "),
    (r"\bground\s+truth\b", "label"),
    (r"\bheld[\s-]+out\b", "holdout"),
    (r"\bnon[\s-]+linear", "nonlinear"),
    (r"\by[\s-]*intercept", "intercept"),
    (r"(?:\w+\.)*(?:zero_grad\b(?:\(\))?|grad\.zero_\(\)|grad\s*=\s*none)", " zero gradient "),
    (r"(?:\w+\.)*backward\(\)", " backward gradient "),
    (r"(?:\w+\.)*step\(\)", " step "),
    (r"\bmodel\s*\(", " predict model("),
    (r"\bloss_(?:func|fn)\b|\bcriterion\b", " loss "),
    (r"\bfor\s+\w+(?:\s*,\s*\w+)?\s+in\s+\w*(?:dl|loader|batch)\w*", " loop batch "),
    (r"\bfor\s+\w+\s+in\s+range\(\s*\w*epoch\w*", " loop epoch "),
    (r"-=", " subtract update "),
    (r"\s-\s", " minus "),
    (r"\s[x*×]\s", " times "),
    (r"\+=", " add "),
    (r"\*\*\s*2\b", " square "),
    (r"@", " matmul "),
    (r"\bc\+\+|\bc\b", " compiled "),
    (r"\blr\b", " learning rate "),
    (r"\bparams\b", " parameters "),
)
_REWRITE_PATTERNS = tuple((re.compile(p), r) for p, r in _REWRITES)

# General English words for one idea; a bank layers its own (`words:`) over these.
# The first word of a group names its concept.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("number", "count", "amount", "quantity"),
    ("wrong", "bad", "error", "differ", "difference", "distance", "deviation", "far"),
    ("slow", "long", "timeconsuming", "timeintensive", "expensive", "costly", "inefficient"),
    ("fast", "quick", "speed", "quicker", "faster"),
    ("noisy", "unstable", "imprecise", "inaccurate", "erratic", "jumpy", "variance", "noise"),
    ("many", "lots", "multiple", "several", "numerous"),
    ("memorize", "memorise", "remember"),
    ("unseen", "new", "novel", "fresh", "unknown"),
    ("folder", "subfolder", "directory", "subdirectory", "dir", "path"),
    ("3", "three"),
    ("2", "two"),
    ("7", "seven"),
    ("1", "one"),
    ("0", "zero", "zeros", "reset", "clear", "zeroed"),
    ("squash", "squeeze", "map", "compress", "constrain", "bound", "limit", "range", "clamp"),
    (
        "increase",
        "increasing",
        "rising",
        "rise",
        "monotonic",
        "monotone",
        "grow",
        "climb",
        "ascend",
    ),
    ("maximum", "max", "maximize", "maximise", "peak"),
    ("large", "big", "huge", "enormous", "bigger", "larger", "massive", "wide"),
    ("small", "tiny", "smaller", "little", "slight", "slightly"),
    ("penalize", "punish", "penalty", "emphasize", "magnify", "heavily"),
    ("overshoot", "overstep", "jump", "skip", "past", "beyond", "miss"),
    ("bounce", "oscillate", "zigzag", "ping", "swing"),
    ("diverge", "explode", "blow"),
    ("add", "accumulate", "sum", "plus", "pile", "accrue"),
    ("old", "previous", "before", "earlier", "existing", "prior", "last", "past"),
    ("automatic", "automatically", "auto", "itself", "handle", "handles"),
    ("loop", "iterate", "iteration", "iterable", "iterator", "iter", "traverse"),
    ("people", "human", "humans", "person", "understandable", "interpretable"),
    ("care", "interested", "matter", "performance", "perform", "task"),
    ("update", "change", "adjust", "improve", "tweak", "modify", "move", "nudge", "step"),
    ("reduce", "lower", "decrease", "minimize", "minimise", "shrink", "descend", "descent"),
    ("measure", "evaluate", "calculate", "compute", "assess", "quantify", "score"),
    ("copy", "copying", "duplicate", "clone", "allocate"),
    ("expand", "stretch", "repeat", "replicate", "broadcast", "extend", "tile"),
    ("stack", "collection", "list", "sequence", "set", "dataset"),
    ("tuple", "pair", "pairs"),
    ("closer", "closest", "nearer", "nearest", "nearby"),
    ("fewer", "less"),
    ("length", "len"),
    ("minus", "subtract", "subtracted", "subtracting"),
    ("times", "multiply", "multiplied", "product", "scaled"),
    ("collapse", "equivalent", "same", "single", "combine"),
    ("minimum", "optimum", "min", "bottom", "valley", "best"),
    ("converge", "settle", "stabilize"),
    ("expression", "expr"),
    ("choose", "pick", "select"),
    ("option", "alternative"),
    ("compare", "versus", "vs", "against"),
    ("average", "mean", "averaged"),
    ("ideal", "template", "prototype"),
    ("memory", "ram", "vram"),
    ("high", "higher", "highest"),
    ("category", "class", "categories", "classes"),
    ("table", "tabular", "spreadsheet", "dataframe"),
    ("condition", "cond", "predicate"),
)

_WORD = re.compile(r"[a-z0-9_]+")
_DENIES_THE_LAST = re.compile(
    r"^\W*(?:(?:that|this|it)(?:\s+is|\s+was|'s|’s)?\s+)?(?:not\s+(?:true|correct|right|the\s+case)"
    r"|false|untrue|wrong|incorrect|no|nope|(?:that|this|it)\s+is\s+not\s+so)\W*$"
)
"""A sentence that only denies the one before it ("That is not true.", "No.")."""
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]+(?:\s|$)")
_CLAUSE_BREAK = re.compile(r",\s*|\s+(?:and|but|while|whereas|whilst|however|although)\s+")
_INFLECTIONS = ("ies", "ied", "ing", "es", "ed", "ly", "s")
_DERIVATIONS = (
    "izations", "ization", "ations", "ation", "ators", "ator", "ables", "able", "ities", "ity",
    "ively", "ive", "ness", "ments", "ment", "ates", "ate", "ers", "er", "ors", "or", "al",
)  # fmt: skip


def spelling(word: str) -> str:
    """One spelling for British and American forms: optimise/optimize, colour/color, analyse."""
    word = re.sub(r"(?<=[a-z]{3})is(e|ed|es|ing|er|ers|ation|ations)$", r"iz\1", word)
    word = re.sub(r"(?<=[a-z]{2})ys(e|ed|es|ing|er)$", r"yz\1", word)
    word = re.sub(r"(?<=[a-z]{2}[^aeiou])our(s|ed|ing|ful)?$", r"or\1", word)
    word = re.sub(r"(?<=[a-z]{3})ll(ing|ed|er)$", r"l\1", word)
    word = re.sub(r"(?<=[a-z]{3})tre(s)?$", r"ter\1", word)
    return word


def stem(word: str) -> str:
    """Strip one inflection and one derivation: 'iterating', 'iterator', 'iterable' agree."""
    if word[:-1].isdigit() and word.endswith("s"):
        return word[:-1]  # "the 3s and the 7s"
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix in _INFLECTIONS:
        if suffix == "es" and word.endswith("ves"):
            continue  # "negatives" is "negative" plus s, as "negative" is
        if suffix == "s" and word.endswith(("ss", "ias")):
            break  # "loss", "class" and "bias" are no plurals
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    for suffix in _DERIVATIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _word_key(word: str) -> str:
    return stem(spelling(word))


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Which concept each word stands for: the general synonyms with a bank's layered over."""

    concept_of: dict[str, str]
    phrases: tuple[tuple[re.Pattern[str], str], ...]

    def concept(self, word: str) -> str:
        """The concept a single word stands for: its synonym group's name, or its own stem."""
        key = _word_key(word)
        return self.concept_of.get(key, key)


def _build(groups: tuple[tuple[str, ...], ...], base: Vocabulary | None) -> Vocabulary:
    concept_of = dict(base.concept_of) if base else {}
    phrases = list(base.phrases) if base else []
    for group in groups:
        name = base.concept(group[0]) if base else _word_key(group[0])
        for word in group:
            if " " in word:
                phrases.append((re.compile(rf"\b{re.escape(word)}\b"), group[0]))
            elif base:
                concept_of[_word_key(word)] = name  # a bank's sense of a word wins
            else:
                concept_of.setdefault(_word_key(word), name)
    return Vocabulary(concept_of, tuple(phrases))


GENERAL = _build(SYNONYMS, None)
_LAYERED: dict[tuple[tuple[str, tuple[str, ...]], ...], Vocabulary] = {}


def vocabulary(words: Mapping[str, Sequence[str]] | None = None) -> Vocabulary:
    """The general synonyms with a bank's `words:` (word -> words meaning the same) over them."""
    if not words:
        return GENERAL
    key = tuple(sorted((str(k), tuple(map(str, v))) for k, v in words.items()))
    if key not in _LAYERED:
        _LAYERED[key] = _build(tuple((k.lower(), *(w.lower() for w in v)) for k, v in key), GENERAL)
    return _LAYERED[key]


def concept(word: str, words: Vocabulary = GENERAL) -> str:
    """The concept a single word stands for in `words`."""
    return words.concept(word)


@dataclass(frozen=True)
class Term:
    """One content word of a text, as a concept."""

    concept: str
    word: str
    clause: int
    negated: bool
    sentence: int = 0
    at: int = 0
    """The word's place in the text, counting every word."""
    denied: bool = False
    """Turned round by a denial of its whole sentence ("it is not true that ..."), not by a
    negator beside it."""
    contrast: bool = False
    """Turned down for what its clause says before it: "101 layers instead of 50"."""
    refused: bool = False
    """In a clause that opens by turning a thing down: "not the whole dataset"."""


def _rewrite(text: str, words: Vocabulary) -> str:
    text = text.lower().replace("’", "'")  # a typographic apostrophe: "doesn’t"
    for pattern, replacement in _REWRITE_PATTERNS:
        text = pattern.sub(replacement, text)
    for pattern, name in words.phrases:
        text = pattern.sub(name, text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z0-9])|(?<=[0-9])-(?=[a-z])", "", text)  # 2-D, non-zero
    return re.sub(r"(?<=\w)\.(?=[a-z_])", "_", text)  # F.relu -> f_relu


def sentences(text: str, words: Vocabulary = GENERAL) -> list[str]:
    """The text as the matcher splits it into sentences, after rewriting code words."""
    return _SENTENCE_BREAK.split(_rewrite(text, words))


def clauses(text: str, words: Vocabulary = GENERAL) -> list[str]:
    """The text's clauses, rewritten, in the order `terms` numbers them (`Term.clause`)."""
    return [clause for said in sentences(text, words) for clause in _CLAUSE_BREAK.split(said)]


def terms(text: str, words: Vocabulary = GENERAL) -> list[Term]:
    """The text's content words as concepts, clause by clause, marking negated ones.

    A negator turns round the next content word or two; a denial of a whole sentence
    ("it is not true that ...") turns round every word after it up to the sentence's end.
    """
    found: list[Term] = []
    index, at = -1, 0
    said_all = sentences(text, words)
    for sentence, said in enumerate(said_all):
        following = said_all[sentence + 1] if sentence + 1 < len(said_all) else ""
        denied = bool(_DENIES_THE_LAST.match(following))
        said_clauses = _CLAUSE_BREAK.split(said)
        for place, clause in enumerate(said_clauses):
            index += 1
            reach, without, contrast = 0, False, False
            # "not the whole dataset, which would be too slow": the thing is turned down for
            # what the next clause says of it, which it asserts.
            opens_refusing = bool(_REFUSED.match(clause))
            refused = bool(
                opens_refusing
                and place + 1 < len(said_clauses)
                and _WHICH.match(said_clauses[place + 1])
            )
            for word in _WORD.findall(clause):
                at += 1
                if word == DENIAL:
                    denied = True
                    continue
                if refused and word in ("not", "never"):
                    continue
                if word in NEGATION_REACH:
                    reach, without = NEGATION_REACH[word], word == "without"
                    contrast = word == "insteadof"
                    if word == "no":
                        found.append(Term("no", word, index, denied, sentence, at))
                    continue
                pieces = [p for p in word.split("_") if p]
                # "learn.show_results" holds "show_results" too, and its single words
                tails = ["_".join(pieces[i:]) for i in range(1, len(pieces) - 1)]
                parts = [word, *tails, *pieces] if len(pieces) > 1 else [word]
                content = [p for p in parts if p not in STOP_WORDS and (len(p) > 1 or p.isdigit())]
                for part in content:
                    negated = (reach > 0) != denied
                    found.append(
                        Term(
                            words.concept(part),
                            part,
                            index,
                            negated,
                            sentence,
                            at,
                            denied,
                            contrast=bool(reach) and contrast and not denied,
                            refused=opens_refusing and not denied,
                        )
                    )
                if reach and (content or without and word in WITHOUT_STOPS):
                    reach -= 1
    return found
