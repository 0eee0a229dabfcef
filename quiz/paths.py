"""Where quiz finds its bank, solutions, database and MNIST files.

Every location can be redirected by an environment variable, so tests and
learners with unusual set-ups never touch a real home directory.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import platformdirs

APP_NAME = "quiz"


def data_dir() -> Path:
    """The directory holding the database: `QUIZ_DATA_DIR` or the platform's user data dir."""
    override = os.environ.get("QUIZ_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_db_path() -> Path:
    """The review database: `QUIZ_DB`, else `quiz.db` in the data directory."""
    override = os.environ.get("QUIZ_DB")
    return Path(override) if override else data_dir() / "quiz.db"


def bundled_root() -> Path:
    """The folder of the bank studied by default (chapter 4's): its `questions.yaml`, and
    `solutions/` with the MNIST trainer. Found like every installed bank (see quiz.banks)."""
    from quiz.banks import default_bank_file

    return default_bank_file().parent


def default_bank_path() -> Path:
    """The question bank: `QUIZ_BANK` (a file, a folder or a bank's name), else chapter 4's."""
    from quiz.banks import default_bank_file, resolve

    override = os.environ.get("QUIZ_BANK")
    return resolve(override) if override else default_bank_file()


def solutions_dir() -> Path:
    """The reference solutions shipped with quiz, the MNIST trainer among them."""
    return bundled_root() / "solutions"


def runtime_dir() -> Path:
    """Where the background worker's socket lives: `QUIZ_RUNTIME_DIR`, else the user runtime dir.

    That is `$XDG_RUNTIME_DIR/quiz` on Linux; without one, platformdirs falls back to a folder
    of the user's own under /tmp, which the worker checks is private before it trusts it.
    """
    override = os.environ.get("QUIZ_RUNTIME_DIR")
    if override:
        return Path(override)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback is expected, not news to the learner
        return Path(platformdirs.user_runtime_dir(APP_NAME))


def mnist_dir() -> Path:
    """Where the MNIST IDX files live: `QUIZ_MNIST_DIR`, else the user cache dir."""
    override = os.environ.get("QUIZ_MNIST_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "mnist"
