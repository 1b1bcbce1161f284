"""Compare hb_eval's disclosure verdicts with acro's (threshold, p %, nk) on the demo.

Not a test. acro pins pandas <= 2.3, so it runs in its own virtual environment built under a
temporary folder; hb_eval (this environment) writes the demo's client-level frames behind the
public count and magnitude tables as CSV, the acro environment tabulates them with
``ACRO(suppress=False).crosstab`` at hb_eval's rule values (threshold 5, nk 2/85 %, p 10 %), and
this script lists the cells where acro's primary verdicts and hb_eval's differ::

    python benchmarks/acro_compare.py [--acro-version 1.0.2] [--keep]

Network: pip installs acro into the temporary environment (or from a local index).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np
import pandas as pd

#: Tables behind the public report: (name, index, columns, value or None for counts).
TABLES = [("pilot_by_arm", "pilot", "arm", None),
          ("sex_by_arm", "sex", "arm", None),
          ("age_by_arm", "age_group", "arm", None),
          ("group_by_arm", "client_group", "arm", None),
          ("euros_sector_by_arm", "sector", "arm", "amount"),
          ("euros_funding_by_arm", "funding", "arm", "amount")]

RUNNER = r'''
import json, sys
import pandas as pd
from acro import ACRO
from acro import acro_tables
rules = json.loads(sys.argv[2])
acro = ACRO(suppress=False)
acro_tables.THRESHOLD = rules["min_count"]
acro_tables.SAFE_NK_N = rules["nk_n"]
acro_tables.SAFE_NK_K = rules["nk_k"] / 100
acro_tables.SAFE_PRATIO_P = rules["p_percent"] / 100
out = {}
for name, index, columns, value, path in json.loads(sys.argv[1]):
    df = pd.read_csv(path)
    if value is None:
        acro.crosstab(df[index], df[columns])
    else:
        acro.crosstab(df[index], df[columns], values=df[value], aggfunc="sum")
    rec = acro.results.get_index(len(acro.results.results) - 1)
    tab = rec.output[0]
    cells = rec.sdc.get("cells", {})
    out[name] = {"rows": [str(r) for r in tab.index], "cols": [str(c) for c in tab.columns],
                 "cells": {k: [[int(a), int(b)] for a, b in v] for k, v in cells.items()},
                 "status": rec.status, "summary": rec.sdc.get("summary", {}),
                 "counts": tab.to_numpy().tolist()}
print(json.dumps(out))
'''


#: acro's names of the rules (1.0 and earlier) -> ours.
_ACRO_NAMES = {"MinimumThresholdCheck": "threshold", "NKCheck": "nk-rule",
               "PPercentCheck": "p-ratio", "threshold": "threshold", "nk-rule": "nk-rule",
               "p-ratio": "p-ratio"}


def frames(tmp: Path) -> dict[str, Path]:
    """The demo's client-level frames (one row per client, or per client × service group)."""
    import hb_eval
    from hb_eval.demo import write_demo

    cfg = write_demo(tmp / "demo")
    ds = hb_eval.load(cfg)
    c = ds.clients.loc[:, ["client_id", "arm", "pilot", "sex", "age_group", "client_group"]]
    c = c.astype({k: str for k in ("arm", "pilot", "sex", "age_group", "client_group")})
    c.to_csv(tmp / "clients.csv", index=False)
    sc = ds.service_costs.merge(c[["client_id", "arm"]], on="client_id")
    for by in ("sector", "funding"):
        per = sc.groupby(["client_id", "arm", by], observed=True)["amount"].sum().reset_index()
        per.astype({by: str}).to_csv(tmp / f"euros_{by}.csv", index=False)
    return {"clients": tmp / "clients.csv", "euros_sector": tmp / "euros_sector.csv",
            "euros_funding": tmp / "euros_funding.csv"}


def ours(paths: dict[str, Path], rules: dict) -> dict[str, dict[tuple[str, str], set[str]]]:
    """hb_eval's primary verdicts per cell: threshold (1..min_count-1), nk, p %."""
    from hb_eval.report.disclosure import nk_dominated, p_percent_unsafe

    out = {}
    for name, index, columns, value in TABLES:
        df = pd.read_csv(paths["clients"] if value is None else
                         paths[f"euros_{index}"])
        verdict: dict[tuple[str, str], set[str]] = {}
        for (r, c), g in df.groupby([index, columns]):
            v = set()
            if 1 <= len(g) < rules["min_count"]:
                v.add("threshold")
            if value is not None:
                x = g[value].to_numpy(float)
                if nk_dominated(x, rules["nk_n"], rules["nk_k"]):
                    v.add("nk-rule")
                if p_percent_unsafe(x, rules["p_percent"]):
                    v.add("p-ratio")
            verdict[(str(r), str(c))] = v
        out[name] = verdict
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--acro-version", default="1.0.2")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    rules = {"min_count": 5, "nk_n": 2, "nk_k": 85.0, "p_percent": 10.0}
    tmp = Path(tempfile.mkdtemp(prefix="acro_compare_"))
    env = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", f"acro=={args.acro_version}"], check=True)
    paths = frames(tmp)
    jobs = [(n, i, c, v, str(paths["clients"] if v is None else paths[f"euros_{i}"]))
            for n, i, c, v in TABLES]
    run = subprocess.run([py, "-c", RUNNER, json.dumps(jobs), json.dumps(rules)], cwd=tmp,
                         capture_output=True, text=True, check=True)
    theirs = json.loads(run.stdout.strip().splitlines()[-1])
    mine = ours(paths, rules)
    n_cells = n_diff = 0
    for name, _, _, _ in TABLES:
        t = theirs[name]
        acro_v: dict[tuple[str, str], set[str]] = {}
        for rule, cells in t["cells"].items():
            for a, b in cells:
                acro_v.setdefault((t["rows"][a], t["cols"][b]), set()).add(
                    _ACRO_NAMES.get(rule, rule))
        for a, row in enumerate(t["counts"]):  # cells acro shows that have no contributor
            for b, _ in enumerate(row):
                mine[name].setdefault((t["rows"][a], t["cols"][b]), set())
        keys = sorted(set(mine[name]) | set(acro_v))
        n_cells += len(keys)
        for k in keys:
            a = {r for r in acro_v.get(k, set()) if r in ("threshold", "p-ratio", "nk-rule")}
            m = mine[name].get(k, set())
            if a != m:
                n_diff += 1
                print(f"{name} {k}: acro {sorted(a) or 'safe'}, hb_eval {sorted(m) or 'safe'}")
        print(f"  {name}: acro status {t['status']}, summary {t['summary']}")
    print(f"{n_cells} cells in {len(TABLES)} tables; verdicts differ in {n_diff}")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {tmp}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
