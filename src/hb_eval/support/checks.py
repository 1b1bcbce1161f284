"""Argument checks at the public boundary: clear messages instead of errors deep inside.

Every public function that takes a ``confidence``, a frame of a particular shape or an outcome
name checks it here first, so that a notebook user learns what to pass instead:

* :func:`check_confidence` - a coverage in (0, 1); 95 gets "did you mean 0.95?";
* :func:`require_columns` - names the missing columns and the function that makes such a frame;
* :func:`check_outcome` - an unknown outcome lists the outcomes that exist; an outcome without
  the waves asked for says which waves it has.
"""
from __future__ import annotations

from collections.abc import Iterable
from numbers import Real
from typing import Any

import pandas as pd

from ..errors import OutcomeError

__all__ = ["check_confidence", "require_columns", "check_outcome", "CHANGE_FRAME", "LONG_FRAME",
           "SCORES", "CLIENTS", "CLIENT_COSTS"]

#: How to make the frames the estimators take (named in the error messages).
CHANGE_FRAME = "hb_eval.outcomes.scores.change_frame(scores, ds.clients, outcome)"
LONG_FRAME = "hb_eval.outcomes.scores.long_frame(scores, ds.clients, outcome)"
SCORES = "hb_eval.outcomes.scores.score_all(ds)"
CLIENTS = "ds.clients (hb_eval.load)"
CLIENT_COSTS = "hb_eval.costs.client_costs(ds, perspective=...)"


def check_confidence(confidence: Any, name: str = "confidence") -> float:
    """``confidence`` as a float in (0, 1), or a ValueError saying what to pass.

    Examples
    --------
    >>> check_confidence(0.9)
    0.9
    >>> check_confidence(95)
    Traceback (most recent call last):
    ...
    ValueError: confidence must be between 0 and 1 (a coverage such as 0.95), not 95; did you mean 0.95?
    """
    if isinstance(confidence, bool) or not isinstance(confidence, Real):
        raise ValueError(f"{name} must be a number between 0 and 1 (such as 0.95), "
                         f"not {type(confidence).__name__}")
    c = float(confidence)
    if 0.0 < c < 1.0:
        return c
    hint = f"; did you mean {c / 100:g}?" if 1.0 < c < 100.0 else ""
    raise ValueError(f"{name} must be between 0 and 1 (a coverage such as 0.95), "
                     f"not {confidence:g}{hint}")


def require_columns(frame: Any, columns: Iterable[str], *, func: str, maker: str,
                    arg: str = "frame") -> None:
    """Raise a ValueError naming the columns ``frame`` lacks and the function that makes one.

    Parameters
    ----------
    frame
        The argument to check.
    columns
        Columns ``func`` needs.
    func
        The public function being called (for the message).
    maker
        The call that makes a frame of this kind, e.g. :data:`CHANGE_FRAME`.
    arg
        The argument's name.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{func}: {arg} must be a DataFrame made by {maker}, "
                        f"not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{func}: {arg} lacks column(s) {', '.join(missing)}; "
                         f"pass a frame made by {maker}")


def check_outcome(scores: pd.DataFrame, outcome: str, waves: Iterable[str] = ()) -> None:
    """Raise :class:`~hb_eval.errors.OutcomeError` (a ValueError) for an outcome ``scores`` lack.

    Parameters
    ----------
    scores
        Long scores (:func:`hb_eval.outcomes.scores.score_all`).
    outcome
        The outcome asked for.
    waves
        Waves the outcome must have scores at (e.g. the baseline and end of a change frame).
    """
    s = scores.loc[scores["outcome"].astype(str) == outcome]
    if "score" in s.columns:
        s = s[s["score"].notna()]
    if not len(s):
        have = sorted(str(o) for o in pd.unique(scores["outcome"].astype(str)))
        raise OutcomeError(f"unknown outcome {outcome!r}: the scores have "
                           + (", ".join(have) if have else "no outcomes at all"))
    present = set(pd.unique(s["wave"].astype(str)))  # the distinct waves, not every row's
    lacking = [w for w in waves if w not in present]
    if lacking:
        order = [w for w in ("alku", "väli", "loppu") if w in present]
        order += sorted(present - set(order))
        raise OutcomeError(f"outcome {outcome!r} has no scores at wave(s) "
                           f"{', '.join(lacking)} (it has {', '.join(order)})")
