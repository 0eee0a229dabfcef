"""CI runs exactly the test command the README gives a new user."""

import re

from .conftest import REPO_ROOT


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    main_command, test_command = blocks[:2]
    assert main_command.endswith("&& .venv/bin/quiz")
    assert "pytest" in test_command
    assert test_command in (REPO_ROOT / ".ci" / "run").read_text()
