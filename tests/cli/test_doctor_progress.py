"""doctor's status line on a terminal: its stage and go's progress side by side, since go runs
while the checks do (the stage lines without a terminal are in tests/doctor/test_doctor.py)."""

from __future__ import annotations

import io
import threading

import pytest
from rich.console import Console

from goaccel.cli import console
from goaccel.cli.doctor import _Progress


def test_the_status_line_shows_the_stage_and_go_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.UI, "interactive", property(lambda self: True))
    ui = console.UI()
    ui.err = Console(file=io.StringIO(), force_terminal=True, width=100)
    progress = _Progress(ui)
    assert progress.status is not None
    try:
        progress.stage("running go mod tidy -x with your module cache (watchdog 180 s)")
        # go's lines come from the thread that reads its stderr
        go = threading.Thread(
            target=lambda: progress.line("# get http://u:secret@127.0.0.1:1/m/@v/list")
        )
        go.start()
        go.join()
        progress.stage("probing the configured proxies (at most 4 s), while go runs")
        shown = str(progress.status.status)
    finally:
        progress.close()
    assert shown == (
        "doctor: probing the configured proxies (at most 4 s), while go runs\n"
        "go mod tidy: 1 requests; # get http://u:***@127.0.0.1:1/m/@v/list"
    )
