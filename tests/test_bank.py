"""The bundled bank, and every way a bank file can be wrong."""

import textwrap

import pytest

from quiz.bank import BankError, load_bank
from quiz.paths import default_bank_path

CODE_IDS = {
    "pixel-similarity", "list-comprehension", "rmse-l1", "tensor-3x3", "broadcasting",
    "sigmoid", "weight-update", "zip-pairs", "view", "matmul-operator", "backward",
    "training-loop", "relu", "learner-from-scratch", "full-mnist",
}  # fmt: skip

GOOD = """\
bank: demo
title: Demo
questions:
  - id: first
    number: 1
    kind: recall
    prompt: What?
    answer: This.
    key_points: [this, that]
    tags: [demo]
"""


def write(tmp_path, text, name="bank.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(path):
    with pytest.raises(BankError) as caught:
        load_bank(path)
    return caught.value.problems


def test_bundled_bank_has_the_whole_questionnaire():
    bank = load_bank()
    assert len(bank) == 39
    assert [q.number for q in bank] == list(range(1, 40))
    assert {q.id for q in bank if q.is_code} == CODE_IDS
    assert bank.get("list-comprehension").number == 4
    assert bank.get("tensor-3x3").number == 9
    assert bank.get("zip-pairs").number == 26
    assert bank.get("training-loop").number == 33
    assert "further-research" in bank.get("full-mnist").tags
    for question in bank:
        assert 2 <= len(question.key_points) <= 5
        if question.is_code:
            assert question.solution.is_file()
            assert question.contract and question.starter and question.hints


# How each of the chapter's 37 questionnaire prompts opens, in the book's order (backticks
# dropped), so the bank can never drift from the questions the learner's book asks.
CHAPTER_PROMPTS = (
    "How is a grayscale image represented", "How are the files and folders",
    'Explain how the "pixel similarity" approach', "What is a list comprehension? Create",
    'What is a "rank-3 tensor"?', "What is the difference between tensor",
    "What are RMSE and L1 norm?", "How can you apply a calculation",
    "Create a 3×3 tensor or array", "What is broadcasting?",
    "Are metrics generally calculated using the", "What is SGD?",
    "Why does SGD use mini-batches?", "What are the seven steps in",
    "How do we initialize the weights", 'What is "loss"?', "Why can't we always use a",
    'What is a "gradient"?', "Do you need to know how", "Why can't we use accuracy as",
    "Draw the sigmoid function. What is", "What is the difference between a",
    "What is the function to calculate", "What does the DataLoader class do?",
    "Write pseudocode showing the basic steps", "Create a function that, if passed",
    "What does view do in PyTorch?", 'What are the "bias" parameters in',
    "What does the @ operator do", "What does the backward method do?",
    "Why do we have to zero", "What information do we have to",
    "Show Python or pseudocode for the", 'What is "ReLU"? Draw a plot',
    'What is an "activation function"?', "What's the difference between F.relu and",
    "The universal approximation theorem shows that",
)  # fmt: skip


def test_bundled_prompts_are_the_chapters_questionnaire_in_order():
    prompts = [" ".join(q.prompt.replace("`", "").split()) for q in load_bank() if q.number <= 37]
    assert len(prompts) == len(CHAPTER_PROMPTS) == 37
    for number, (prompt, opening) in enumerate(zip(prompts, CHAPTER_PROMPTS, strict=True), 1):
        assert prompt.startswith(opening), f"question {number}: {prompt[:60]!r}"


def test_a_good_minimal_bank_loads(tmp_path):
    bank = load_bank(write(tmp_path, GOOD))
    assert bank.name == "demo"
    assert bank.get("first").key_points == ("this", "that")


def test_unknown_question_id_is_a_clear_error(tmp_path):
    bank = load_bank(write(tmp_path, GOOD))
    with pytest.raises(Exception, match="no question 'nope'"):
        bank.get("nope")


def test_missing_file(tmp_path):
    assert problems_of(tmp_path / "absent.yaml") == [
        f"{tmp_path / 'absent.yaml'}: bank file not found"
    ]


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, GOOD + "  - id: [unclosed\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:12: invalid YAML")


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (("    tags: [demo]\n", "    tags: [demo]\n    colour: red\n"), 11,
         "question 'first': unknown field 'colour'"),
        (("    answer: This.\n", ""), 4, "question 'first': missing field 'answer'"),
        (("kind: recall", "kind: essay"), 6, "question 'first': 'kind' must be recall or code"),
        (("number: 1", "number: one"), 5, "question 'first': 'number' must be a positive integer"),
        (("id: first", "id: First Question"), 4, "id must be a lowercase slug"),
        (("[this, that]", "[only-one]"), 9, "'key_points' needs 2 to 5 entries, has 1"),
        (("    tags: [demo]\n", "    tags: [demo]\n    hints: [a]\n"), 11,
         "unknown field 'hints' on a recall question"),
        (("title: Demo", "title: Demo\ntitle: Again"), 3, "field 'title' appears twice"),
        (("bank: demo", "bank: demo\nextra: 1"), 2, "unknown top-level field 'extra'"),
    ],
)  # fmt: skip
def test_each_schema_error_names_file_line_and_problem(tmp_path, edit, line, message):
    old, new = edit
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in problems), problems


def test_duplicate_id(tmp_path):
    body = GOOD + GOOD.split("questions:\n")[1].replace("number: 1", "number: 2")
    problems = problems_of(write(tmp_path, body))
    assert problems == [f"{tmp_path / 'bank.yaml'}:11: duplicate id 'first' (first at line 4)"]


CODE = """\
  - id: code-one
    number: 2
    kind: code
    prompt: Write it.
    answer: Like so.
    key_points: [a, b]
    tags: []
    contract: [f]
    starter: "def f():\\n    ...\\n"
    hints: [think]
    solution: solutions/code_one.py
    checks: {cases: ["f()"]}
"""


def test_code_question_needs_its_solution_file(tmp_path):
    path = write(tmp_path, GOOD + CODE)
    assert problems_of(path) == [
        f"{path}:21: question 'code-one': solution file solutions/code_one.py not found"
    ]
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "code_one.py").write_text("def f():\n    return 1\n")
    question = load_bank(path).get("code-one")
    assert question.solution == (tmp_path / "solutions" / "code_one.py").resolve()
    assert question.time_limit == 10.0


def test_code_question_starter_must_compile(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "code_one.py").write_text("")
    path = write(tmp_path, GOOD + CODE.replace("def f():", "def f(:"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:19: question 'code-one': starter code is not valid Python")


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    body = GOOD.replace("kind: recall", "kind: essay") + CODE
    assert len(problems_of(write(tmp_path, body))) == 2


def test_default_bank_path_follows_quiz_bank(monkeypatch, tmp_path):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("QUIZ_BANK", str(path))
    assert default_bank_path() == path
    assert load_bank().name == "demo"


def test_a_bank_read_back_from_its_cache_equals_the_parsed_one(tmp_path, isolated_home):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "code_one.py").write_text("def f():\n    return 1\n")
    path = write(tmp_path, GOOD + CODE)
    parsed = load_bank(path)
    (cached_file,) = (isolated_home / "bank-cache").glob("*.json")
    cached = load_bank(path)
    assert cached.questions == parsed.questions
    assert (cached.name, cached.title, cached.path) == (parsed.name, parsed.title, parsed.path)
    # the copy is what was read: damage it and the YAML is parsed again, with the same result
    cached_file.write_text("{not json")
    assert load_bank(path).questions == parsed.questions


def test_an_edited_bank_is_never_served_from_a_stale_cache(tmp_path):
    path = write(tmp_path, GOOD)
    load_bank(path)
    path.write_text(GOOD.replace("What?", "What now?"))
    assert load_bank(path).get("first").prompt == "What now?"
    path.write_text(GOOD.replace("kind: recall", "kind: essay"))
    assert problems_of(path) == [f"{path}:6: question 'first': 'kind' must be recall or code"]


def test_a_solution_removed_after_caching_is_still_reported(tmp_path):
    (tmp_path / "solutions").mkdir()
    solution = tmp_path / "solutions" / "code_one.py"
    solution.write_text("def f():\n    return 1\n")
    path = write(tmp_path, GOOD + CODE)
    load_bank(path)
    solution.unlink()
    assert problems_of(path) == [
        f"{path}:21: question 'code-one': solution file solutions/code_one.py not found"
    ]
