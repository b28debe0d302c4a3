"""The CLI as a person at a terminal meets it: one-line usage errors, Ctrl-C, the paste prompt in a real pty."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["check", "--fomat", "json"], "No such option '--fomat'"),
        (["batch"], "Missing argument 'INPUT'"),
        (["check", "--min-risk", "severe"], "'severe' is not one of"),
        (["drugs", "--format", "xml"], "'xml' is not one of"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
    ],
)
def test_usage_errors_are_one_line_with_where_help_is(args, fragment):
    result = subprocess.run([sys.executable, "-m", "medcheck", *args], capture_output=True, text=True,
                            input="", cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and fragment in result.stderr and "--help)" in result.stderr
    assert result.stdout == ""


def test_ctrl_c_in_check_says_nothing_of_output_files(monkeypatch):
    import medcheck.matcher

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(medcheck.matcher, "check_lines", interrupted)
    result = CliRunner().invoke(cli, ["check", "-"], input="clozapine\n")
    assert result.exit_code == 130 and result.stderr == "medcheck: interrupted.\n"


def _read_until(fd: int, wanted: bytes, timeout: float = 30) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_the_paste_prompt_appears_in_a_real_terminal_and_the_list_is_checked():
    """`medcheck check` with no argument, in a pseudo-terminal: the prompt, a pasted list, Ctrl-D, the report."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: medcheck on the pty's stdin, stdout and stderr
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "medcheck", "check"])
    try:
        prompt = _read_until(fd, b"Ctrl-D")
        assert b"Paste the medication list, one medicine per line; end with Ctrl-D." in prompt
        os.write(fd, b"clozapine 100 mg\nibuprofen 400 mg\n")
        time.sleep(0.3)  # as a person would: the lines, then Ctrl-D on a line of its own
        os.write(fd, b"\x04")
        out = _read_until(fd, b"lines checked;")
        assert b"High risk" in out and b"clozapine" in out and b"Rarely reported" in out
    finally:
        for _ in range(100):  # never hang the suite: the child is killed if it has not ended
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 1  # something flagged
