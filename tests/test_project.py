"""The project's own promises: the README's two commands, CI running the README's test command."""

from __future__ import annotations

import re

from conftest import REPO


def readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.DOTALL)
    assert first_block, "the README starts with a code block"
    assert readme.index(first_block.group(0)) < readme.index("\n## "), "the commands come first"
    return [line.split("#", 1)[0].strip() for line in first_block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    test_command = readme_commands()[1]
    assert re.search(rf"^{re.escape(test_command)}$", ci, re.MULTILINE)


def test_archive_output_is_not_committed() -> None:
    ignore = (REPO / ".gitignore").read_text("utf-8")
    assert "/archive/*" in ignore and "!/archive/README.md" in ignore
