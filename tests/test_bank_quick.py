"""The quick reading of a bank (rapidyaml) gives exactly what PyYAML gives, or declines.

A large bank is read through rapidyaml; whatever it cannot vouch for, and every bank with
a problem, is read again by PyYAML, so messages keep their lines.
"""

import subprocess
import sys
import textwrap
import time

import pytest
import yaml

from quiz import quick_yaml
from quiz.bank import BankError, load_bank
from quiz.paths import default_bank_path

from .test_bank import CODE, GOOD, write


def pyyaml(text: str):
    """What the bank loader's own PyYAML reading gives, types and all."""
    try:
        return repr(yaml.load(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return "invalid YAML"


@pytest.fixture
def rapidyaml():
    """The quick reading needs rapidyaml, a dependency of quiz: an environment made before it
    was added lacks it, and should say so in one line rather than in twenty failures."""
    try:
        import ryml  # noqa: F401
    except ImportError:
        pytest.fail("rapidyaml is not installed: run `pip install -e .` again", pytrace=False)


def quick(text: str):
    """What the quick reading gives, or None where it declines."""
    try:
        return repr(quick_yaml.read(text))
    except quick_yaml.Declined:
        return None


# Forms a person writes in a bank, each of which the quick reading must serve itself.
ORDINARY = [
    GOOD,
    GOOD + CODE,
    "a: |\n  literal\n    indented more\n\n  after a blank line\nb: 1\n",
    "a: |-\n  strip\n\n\nb: >\n  folded\n  lines\n\n  new paragraph\nc: >-\n  x\n",
    "a: |+\n  keep\n\n\n",
    "a: |2\n    two more\n",
    "a: plain text\n  on two lines\nb: 'single ''quoted'''\n",
    'a: "double \\"quoted\\" with \\\\ and \\n and \\u00e9 and \\x41"\n',
    "a: text  # a comment\n# a whole-line comment\nb: [x, 'y z', \"w\"]\n",
    "a:\n  - one\n  - two: 2\n    three: 3\n",
    "a: 12\nb: -3\nc: 0\nd: 2.5\ne: 600.0\nf: true\ng: false\nh: null\ni:\n",
    "a: 3×3 tensors, naïve, 日本語, emoji 🙂\n",
    "a: it's x:y, z - w, [not] {flow} and a#hash\n",
    "a: x * y and a! b& c%\n",
    "questions:\n- id: one\n  tags: []\n- id: two\n  tags: [a]\n",
    'a: [x, "no", \'yes\', "12"]\n"on": |\n  no\nb: >\n  ~\n',
]

# Forms where the two YAML readers differ, or that only PyYAML may judge.
SPECIAL = [
    "a: yes\nb: No\nc: on\nd: OFF\n",
    "a: ~\nb: Null\nc: NULL\nd: ''\ne: \"\"\n",
    "a: 010\nb: 0o17\nc: 0x1F\nd: 0b101\ne: 1_000\nf: +7\ng: -007\n",
    "a: 1:30\nb: 190:20:30\nc: 1:30.5\n",
    "a: 1e3\nb: 1.5e3\nc: 1.0e+3\nd: .5\ne: 1.\nf: .inf\ng: -.Inf\nh: .nan\ni: NaN\nj: 00.5\n",
    "a: 2024-01-01\nb: 2001-12-14 21:59:43.10 -5\n",
    'a: "yes"\nb: \'12\'\nc: "2.5"\n',
    "<<: {a: 1}\nb: 2\n",
    "=: x\n",
    "yes: x\n1: y\n~: z\n",
    "a: !!python/object/apply:os.system [echo hi]\n",
    "a: !!python/name:os.system ''\n",
    "a: !!str 12\nb: !!int '3'\nc: !custom x\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: &x hello\nb: *x\n",
    "a: [&x 1, *x]\n",
    "%YAML 1.1\n---\na: 1\n",
    "--- a\n--- b\n",
    "a: 1\na: 2\n",
    "a:\tb\n",
    "a: 1\r\nb: |\r\n  x\r\n",
    "\ufeffa: 1\n",
    'a: "\\N \\_ \\L \\P \\e \\0"\n',
    "a: x\u2028y\n",
    "a: x\x85y\n",
    "a: x\x07y\n",
    "a: [unclosed\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a:\n  - b\n   - c\n",
    "a: 'unterminated\n",
    'a: "x" trailing\n',
    "? complex\n: key\n",
    "? [a, b]\n: v\n",
    "a: {b: c, b: d}\n",
    "a: " + "[" * 200 + "]" * 200 + "\n",
    "",
    "# only a comment\n",
    "plain scalar\n",
    "[1, 2]\n",
    "a: - b\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "--- |\n  text\n",
    'a: [x, "no", no]\n',
]


@pytest.mark.parametrize("text", ORDINARY + SPECIAL)
def test_the_quick_reading_gives_what_pyyaml_gives_or_declines(text):
    got = quick(text)
    assert got is None or got == pyyaml(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_the_quick_reading_serves_the_forms_a_bank_is_written_in(rapidyaml, text):
    assert quick(text) == pyyaml(text)


def test_the_bundled_bank_takes_the_quick_reading(rapidyaml):
    text = default_bank_path().read_text(encoding="utf-8")
    assert quick(text) == pyyaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\n",
        "a: !!python/object/apply:os.system [echo hi]\n",
        "a: &x hello\nb: *x\n",
        "a: 1\na: 2\n",
        "a: 1e3\n",
        "a:\tb\n",
    ],
)
def test_what_the_readers_disagree_on_is_declined(text):
    assert quick(text) is None


def big_bank(questions: int) -> str:
    block = GOOD.split("questions:\n")[1]
    parts = [GOOD.split("questions:\n")[0], "questions:\n"]
    for n in range(1, questions + 1):
        parts.append(block.replace("id: first", f"id: q-{n}").replace("number: 1", f"number: {n}"))
    return "".join(parts)


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    kind: recall", "    kind: essay", "'kind' must be recall or code"),
        ("    tags: [demo]", "    tags: [demo]\n    colour: red", "unknown field 'colour'"),
        ("    number: 250", "    number: 0", "'number' must be a positive integer"),
        ("    prompt: What?", "    prompt: yes", "'prompt' must be non-empty text"),
    ],
)
def test_a_problem_in_a_quickly_read_bank_still_names_its_line(
    rapidyaml, tmp_path, old, new, message
):
    text = big_bank(300)
    assert quick(text) is not None  # the bank as a whole takes the quick reading
    start, end = text.index("  - id: q-250\n"), text.index("  - id: q-251\n")
    broken = text[:start] + text[start:end].replace(old, new, 1) + text[end:]
    path = tmp_path / "bank.yaml"
    path.write_text(broken)
    line = line_of(broken, new.splitlines()[-1])
    with pytest.raises(BankError) as caught:
        load_bank(path)
    assert caught.value.problems == [f"{path}:{line}: question 'q-250': {message}"]


def test_a_duplicate_id_in_a_quickly_read_bank_names_both_lines(tmp_path):
    text = big_bank(300).replace("id: q-250\n", "id: q-12\n")
    path = tmp_path / "bank.yaml"
    path.write_text(text)
    with pytest.raises(BankError) as caught:
        load_bank(path)
    first = line_of(text, "  - id: q-12")
    again = text.splitlines().index("  - id: q-12", first) + 1
    assert caught.value.problems == [f"{path}:{again}: duplicate id 'q-12' (first at line {first})"]


def test_a_tag_in_a_bank_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, GOOD.replace("prompt: What?", "prompt: !!python/name:os.system ''"))
    with pytest.raises(BankError) as caught:
        load_bank(path)
    (message,) = caught.value.problems
    assert message.startswith(f"{path}:7: invalid YAML: could not determine a constructor")


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    bomb = textwrap.dedent(
        """\
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        """
    )
    path = tmp_path / "bank.yaml"
    path.write_text(GOOD.replace("    tags: [demo]\n", "    tags: *i\n") + bomb)
    start = time.monotonic()
    with pytest.raises(BankError) as caught:
        load_bank(path)
    assert time.monotonic() - start < 5
    assert any(p.startswith(f"{path}:") for p in caught.value.problems)


def test_invalid_yaml_is_one_line_on_stderr_and_nothing_else(tmp_path):
    """rapidyaml's own report of the error never reaches the terminal."""
    path = tmp_path / "bad.yaml"
    path.write_text("bank: x\nquestions: [\n")
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "validate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{path}:3: invalid YAML")
    assert len(proc.stderr.splitlines()) == 1
