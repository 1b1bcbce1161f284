"""Shared fixtures: the demo evaluation, written once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

DEMO_SEED = 20190331


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A folder with the demo evaluation written by ``hb_eval.demo.write_demo`` (seed fixed)."""
    from hb_eval.demo import write_demo

    root = tmp_path_factory.mktemp("demo")
    write_demo(root, seed=DEMO_SEED)
    return root


@pytest.fixture(scope="session")
def demo_config_path(demo_dir) -> Path:
    return demo_dir / "evaluation.yaml"


@pytest.fixture(scope="session")
def demo_dataset(demo_config_path):
    """The demo evaluation loaded with ``hb_eval.load`` (shared: do not modify it in a test)."""
    import hb_eval

    return hb_eval.load(demo_config_path)


@pytest.fixture(scope="session")
def demo_evaluation(demo_config_path, demo_dataset):
    """The demo evaluated once with ``hb_eval.evaluate`` (200 bootstrap replicates; shared: do
    not modify it in a test)."""
    import hb_eval

    return hb_eval.evaluate(demo_config_path, reps=200, progress=False, dataset=demo_dataset)


# No collection order is imposed: ``make test`` (``--dist loadfile``) gives the workers the files
# with the most tests first (xdist's order). The longest files first instead
# (``--no-loadscope-reorder``) took longer: they use both cores themselves and ran together.
