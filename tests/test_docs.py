"""README examples run and print what README says they print."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from medcheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README, flags=re.S)


def test_readme_cli_example(monkeypatch):
    first = blocks("console")[0]
    command, _, expected = first.partition("\n")
    assert command == "$ pip install . && medcheck check examples/meds.txt"
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["check", "examples/meds.txt"])
    assert result.exit_code == 1
    assert result.stdout + result.stderr == expected


def test_readme_python_example():
    code = blocks("python")[0]
    printed = blocks("text")[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == printed


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(b for b in blocks("console") if "pytest" in b).strip().removeprefix("$ ")
    assert command in ci


def test_readme_anc_example():
    block = next(b for b in blocks("console") if b.startswith("$ medcheck anc "))
    command, _, expected = block.partition("\n")
    result = CliRunner().invoke(cli, shlex.split(command)[2:])
    assert result.exit_code == 1  # the README says 1 means below 1,500/µL
    assert result.stdout + result.stderr == expected
