"""Timed progress lines on stderr for the long steps of a run."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable

__all__ = ["progress_printer"]


def progress_printer(enabled: bool) -> Callable[[str], None]:
    """``say(msg)``: ``[hb-eval  12.3 s] msg`` on stderr (nothing when not ``enabled``)."""
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        if enabled:
            from ..privacy import gate  # a path in a message may hold an identity code

            print(f"[hb-eval {time.perf_counter() - t0:5.1f} s] {gate(msg)}", file=sys.stderr,
                  flush=True)

    return say
