"""Scheduling as documented in docs/operations.md: the systemd units, the crontab line, scrapyd's target.

The units and the crontab line are read from the files and the doc themselves, so the tests check
what an operator copies, not a paraphrase of it.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from crawler.cli import EXIT_FINISHED, EXIT_LOCKED, EXIT_UNFINISHED, EXIT_USAGE, build_parser
from crawler.sites import all_sites
from pipelines.archive.lock import ArchiveLock

DOC = REPO / "docs" / "operations.md"
UNITS = REPO / "deploy" / "systemd"
INSTALL_DIR = "/opt/xxgk-archive"


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as section → key → values (keys may repeat; comments and blanks skipped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}:{number}: not key=value in a section"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _one(unit: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    (value,) = unit[section][key]
    return value


def _seconds(span: str) -> float:
    """A systemd time span ("1h", "20min", "5min 30s") in seconds."""
    units = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hr": 3600, "d": 86400}
    parts = re.findall(r"(\d+)\s*([a-z]+)", span)
    assert parts and "".join(f"{n}{u}" for n, u in parts) == span.replace(" ", ""), span
    return float(sum(int(n) * units[u] for n, u in parts))


def _xxgk_args(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[0] == f"{INSTALL_DIR}/.venv/bin/xxgk", argv
    return argv[1:]


def test_service_crawls_then_verifies_the_same_archive() -> None:
    service = parse_unit(UNITS / "xxgk-crawl.service")
    assert _one(service, "Service", "Type") == "oneshot"
    crawl = build_parser().parse_args(_xxgk_args(_one(service, "Service", "ExecStart")))
    verify = build_parser().parse_args(_xxgk_args(_one(service, "Service", "ExecStartPost")))
    assert (crawl.command, verify.command) == ("crawl", "verify")
    assert crawl.archive == verify.archive == "/var/lib/xxgk/archive"
    assert crawl.sites == [] and crawl.replica is None  # every site, the real portals, polite profile
    # The archive is the state directory, the one place the hardened service may write.
    assert _one(service, "Service", "StateDirectory") == "xxgk"
    assert _one(service, "Service", "ReadWritePaths") == "/var/lib/xxgk"
    assert _seconds(_one(service, "Service", "TimeoutStartSec")) >= 3600


def test_timer_runs_the_service_daily_with_a_random_delay() -> None:
    timer = parse_unit(UNITS / "xxgk-crawl.timer")
    assert _one(timer, "Timer", "Unit") == "xxgk-crawl.service"
    assert re.fullmatch(r"\*-\*-\* \d{2}:\d{2}:\d{2}|daily", _one(timer, "Timer", "OnCalendar"))
    assert 0 < _seconds(_one(timer, "Timer", "RandomizedDelaySec")) <= 6 * 3600
    assert _one(timer, "Timer", "Persistent") == "true"
    assert _one(timer, "Install", "WantedBy") == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    # Installed in this checkout instead of /opt, so that systemd finds the executable it checks for.
    for name in ("xxgk-crawl.service", "xxgk-crawl.timer"):
        text = (UNITS / name).read_text("utf-8").replace(INSTALL_DIR, str(REPO))
        (tmp_path / name).write_text(text, "utf-8")
    result = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(tmp_path / "xxgk-crawl.timer"),
            str(tmp_path / "xxgk-crawl.service"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_doc_shows_the_unit_files_as_they_are() -> None:
    doc = DOC.read_text("utf-8")
    for name in ("xxgk-crawl.service", "xxgk-crawl.timer"):
        assert f"```ini\n{(UNITS / name).read_text('utf-8').rstrip()}\n```" in doc, name


def _crontab_line() -> str:
    block = re.search(r"```crontab\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert block is not None
    (line,) = [
        ln for ln in block.group(1).splitlines() if ln and not ln.startswith("#") and "=" not in ln[:12]
    ]
    return line


def test_crontab_line_mails_only_a_failure(tmp_path: Path) -> None:
    fields = _crontab_line().split(None, 5)
    minute, hour, day, month, weekday, command = fields
    assert minute.isdigit() and int(minute) < 60 and hour.isdigit() and int(hour) < 24
    assert (day, month, weekday) == ("*", "*", "*")
    assert "%" not in command  # cron would turn it into a newline
    # Run it as cron would (/bin/sh), here, on an archive another process holds: the only output
    # (what cron mails) is the log's tail with the crawl's one-line lock message.
    archive, log = tmp_path / "archive", tmp_path / "crawl.log"
    command = command.replace(INSTALL_DIR, str(REPO)).replace("/var/lib/xxgk/archive", str(archive))
    command = command.replace("/var/log/xxgk/crawl.log", str(log))
    with ArchiveLock(archive):
        result = subprocess.run(
            ["/bin/sh", "-c", command], capture_output=True, text=True, timeout=120, check=False
        )
    assert result.stderr == ""
    assert re.search(r"^xxgk crawl: archive .* is locked by pid \d+ on ", result.stdout, re.M), result.stdout
    assert "verify" not in result.stdout  # verify never ran on an archive another run was writing


def test_exit_statuses_documented_as_the_command_returns_them() -> None:
    doc = DOC.read_text("utf-8")
    section = doc.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    crawl_table = section.split("`xxgk verify`:", 1)[0]
    rows = dict(re.findall(r"^\| (\d) \| (.+?) \|$", crawl_table, re.M))
    assert set(rows) == {str(s) for s in (EXIT_FINISHED, EXIT_UNFINISHED, EXIT_USAGE, EXIT_LOCKED)}
    assert "finished" in rows[str(EXIT_FINISHED)] and "locked" in rows[str(EXIT_LOCKED)]
    assert "usage" in rows[str(EXIT_USAGE)] and "did not finish" in rows[str(EXIT_UNFINISHED)]


def test_scrapy_cfg_has_the_scrapyd_deploy_target() -> None:
    cfg = configparser.ConfigParser()
    assert cfg.read(REPO / "scrapy.cfg") == [str(REPO / "scrapy.cfg")]
    assert cfg["settings"]["default"] == "crawler.settings"
    assert cfg["deploy"]["url"] == "http://localhost:6800/"
    assert cfg["deploy"]["project"] == "xxgk"


def test_egg_names_its_settings_for_scrapyd() -> None:
    # scrapyd finds a project's settings module through this entry point of the uploaded egg; with
    # [project] in pyproject.toml, setuptools ignores the one scrapyd-deploy's generated setup.py adds.
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    assert project.get("entry-points", {}).get("scrapy", {}).get("settings") == "crawler.settings"


def test_site_definitions_load_from_a_zipped_egg(tmp_path: Path) -> None:
    # scrapyd puts the uploaded egg, a zip file, on sys.path without unpacking it: a crawl there has
    # spiders only if the site definitions are read as package resources.
    egg = tmp_path / "xxgk.egg"
    with zipfile.ZipFile(egg, "w") as archive:
        for package in ("crawler", "pipelines"):
            for path in sorted((REPO / package).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(REPO).as_posix())
    probe = "import crawler.sites as s; print(s.__file__); print(','.join(sorted(s.all_sites())))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(egg), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    where, names = result.stdout.splitlines()
    assert where.startswith(str(egg)), where  # the egg's copy, not the checkout's
    assert names == ",".join(sorted(all_sites())) != ""
