"""The extraction-quality gate: per-field accuracy on the labelled set, held at or above a floor.

The floor (``tests/quality_floor.json``) only goes up: raise it when the parser improves, never lower
it (a second test walks the file's git history to hold that). The figures are printed at the end of
the test run (``conftest.pytest_terminal_summary``) and written to ``test-artifacts/quality.txt``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import pytest
from quality import all_cases, by_source, report, score

HERE = Path(__file__).resolve().parent
FLOOR = HERE / "quality_floor.json"
ARTIFACT = HERE.parent / "test-artifacts" / "quality.txt"


def test_accuracy_at_or_above_the_floor() -> None:
    cases = all_cases()
    sections = []
    for source, group in by_source(cases):
        sections.append(f"[{source}: {len(group)} documents]\n{report(score(group))}")
    tallies = score(cases)
    misses = [f"{name}: {miss}" for name, t in sorted(tallies.items()) for miss in t.misses]
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(
        "\n\n".join(sections) + "\n\nfirst misses per field:\n" + "\n".join(misses) + "\n", encoding="utf-8"
    )
    floor = json.loads(FLOOR.read_text(encoding="utf-8"))
    below = {
        name: (round(tallies[name].accuracy, 4) if name in tallies else None, minimum)
        for name, minimum in floor.items()
        if name not in tallies or tallies[name].accuracy + 1e-9 < minimum
    }
    assert not below, f"below the floor (measured, floor): {below}; see {ARTIFACT}"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=True).stdout


def test_the_floor_only_goes_up() -> None:
    try:
        commits = _git("log", "--format=%H", "--", "tests/quality_floor.json").split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the floor's history cannot be read")
    versions = [json.loads(_git("show", f"{sha}:tests/quality_floor.json")) for sha in reversed(commits)]
    versions.append(json.loads(FLOOR.read_text(encoding="utf-8")))  # the working copy, too
    for older, newer in itertools.pairwise(versions):
        lowered = {k: (v, newer.get(k)) for k, v in older.items() if newer.get(k, -1) < v}
        assert not lowered, f"the quality floor was lowered (old, new): {lowered}"
