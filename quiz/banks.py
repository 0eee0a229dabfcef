"""Where banks are found: a file, a folder, or the name of an installed bank.

Installed banks are announced through the `quiz.banks` entry point group: each entry names a
package whose folder holds `questions.yaml` (and its solutions, checks and examples). quiz's own
banks, chapter 4's included, are found this way like any other. Run from a source checkout,
the checkout's own bank files are used instead of the copies an install made, so editing a bank
in a clone takes effect at once.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from importlib.metadata import entry_points
from pathlib import Path

from quiz.errors import QuizError

ENTRY_POINT_GROUP = "quiz.banks"
DEFAULT_BANK = "fastbook-ch4"
BANK_FILE = "questions.yaml"
_NAME = re.compile(r"^bank:\s*['\"]?([^'\"#\s]+)", re.MULTILINE)
_CHECKOUT = Path(__file__).resolve().parent.parent


def installed() -> dict[str, Path]:
    """Every installed bank's name and bank file, sorted by name."""
    found: dict[str, Path] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        folder = _package_folder(entry.value)
        if folder is not None and (folder / BANK_FILE).is_file():
            found[entry.name] = folder / BANK_FILE
    found.update(_checkout_banks())
    return dict(sorted(found.items()))


def resolve(reference: str | Path) -> Path:
    """The bank file a person named: a YAML file, a bank's folder, or an installed bank's name."""
    text = str(reference)
    path = Path(text).expanduser()
    if path.is_dir():
        if (path / BANK_FILE).is_file():
            return path / BANK_FILE
        raise QuizError(f"{path}: this folder holds no {BANK_FILE}, so it is not a bank")
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in text:
        return path  # loading it says what is wrong, if anything
    banks = installed()
    if text in banks:
        return banks[text]
    known = ", ".join(banks) or "none"
    raise QuizError(f"no bank '{text}': not a file or folder here, nor an installed bank ({known})")


def default_bank_file() -> Path:
    """The bank studied when none is named: chapter 4's."""
    banks = installed()
    if DEFAULT_BANK not in banks:
        raise QuizError(
            f"the default bank {DEFAULT_BANK} is not installed: reinstall quiz, or name a bank"
        )
    return banks[DEFAULT_BANK]


def command_for(bank_file: Path) -> str:
    """How to call quiz on this bank: `quiz` for the default one, else `quiz --bank NAME` (an
    installed bank) or `quiz --bank DIR`, so a printed hint works as typed."""
    target = bank_file.resolve()
    banks = installed()
    for name, file in banks.items():
        if file.resolve() == target:
            return "quiz" if name == DEFAULT_BANK else f"quiz --bank {name}"
    place = target.parent if target.name == BANK_FILE else target
    return f"quiz --bank {shlex.quote(str(place))}"


def _package_folder(module: str) -> Path | None:
    """The folder of the package an entry point names, found without running its code."""
    try:
        spec = importlib.util.find_spec(module.split(":")[0].strip())
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _checkout_banks() -> dict[str, Path]:
    """A source checkout's own banks (the root's and those under banks/), by name."""
    if not (_CHECKOUT / "pyproject.toml").is_file():
        return {}
    found = {}
    for file in [_CHECKOUT / BANK_FILE, *sorted(_CHECKOUT.glob(f"banks/*/{BANK_FILE}"))]:
        name = _name_of(file)
        if name is not None:
            found[name] = file
    return found


def _name_of(file: Path) -> str | None:
    """The `bank:` name at the top of a bank file, read without parsing the whole file."""
    try:
        with file.open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    match = _NAME.search(head)
    return match.group(1) if match else None
