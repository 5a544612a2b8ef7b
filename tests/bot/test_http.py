"""The HTTP server's process settings: acks must not queue behind view computation."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from bot.http import GC_THRESHOLDS, GIL_SWITCH_S, make_server


@pytest.fixture
def interpreter_restored() -> Iterator[None]:
    switch, thresholds = sys.getswitchinterval(), gc.get_threshold()
    yield
    sys.setswitchinterval(switch)
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("interpreter_restored")
def test_the_server_hands_the_gil_over_often_and_collects_the_whole_heap_rarely() -> None:
    sys.setswitchinterval(0.005)
    gc.set_threshold(700, 10, 10)
    server = make_server(lambda environ, start_response: [], host="127.0.0.1", port=0)
    try:
        assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_S)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700  # fewer young collections than CPython's default, so fewer full ones
    finally:
        server.close()
