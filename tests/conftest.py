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


#: The longest test files (about a minute or more each), started first: ``make test`` gives a
#: file to the next free worker in collection order (``--dist loadfile``), so a long file
#: collected last would run alone at the end while the other core idles.
LONGEST_FIRST = ("test_run_integrity.py", "test_browser.py", "test_trust_property.py",
                 "test_notebooks.py", "test_evaluate.py", "test_trust_faults.py",
                 "test_report_demo.py", "test_disclosure_attack.py", "test_visible_text.py",
                 "test_disclosure_property.py", "test_docs.py")


def pytest_collection_modifyitems(config, items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept
