"""Plumbing shared by every floor: no statistics, no HB decisions, nothing from the floors above.

- :mod:`~hb_eval.support.checks` validates arguments (confidence levels, seeds, frames);
- :mod:`~hb_eval.support.display` gives result objects ``summary()`` and notebook reprs;
- :mod:`~hb_eval.support.filesystem` resolves paths and writes files atomically;
- :mod:`~hb_eval.support.progress` prints the progress lines;
- :mod:`~hb_eval.support.resources` finds the files shipped with the package;
- :mod:`~hb_eval.support.threads` runs a block with one BLAS thread;
- :mod:`~hb_eval.support.values` turns numpy and pandas values into plain ones;
- :mod:`~hb_eval.support.config_yaml` reads YAML with line numbers for error messages;
- :mod:`~hb_eval.support.versions` holds the results schema version and the package versions.
"""
