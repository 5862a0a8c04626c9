"""Running `dutyflow <argv>` in-process (faster than a subprocess, same parser), with the
command's final `os._exit` turned into SystemExit so the test can read the status."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dutyflow.cli import main as cli
from dutyflow.cli import process

Run = Callable[..., tuple[int, str, str]]


def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def _exit(status: int) -> None:
        raise SystemExit(status)

    monkeypatch.setattr(process, "exit_now", _exit)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as ended:
            args = cli.build_parser().parse_args(list(argv))
            args.run(args)
        out, err = capsys.readouterr()
        return int(ended.value.code or 0), out, err

    return run
