"""Alternative text of the report's figures: what each figure shows, in numbers (WCAG 2.1 1.1.1).

Each figure's text is built from the very frame and keywords the figure is drawn from (the
``figure_data`` of the :class:`~hb_eval.evaluation.Evaluation` after the report's language and
audience adjustments), so a reader who cannot see the image gets the same numbers: the estimate
and 95% interval of every estimator, each pilot's effect, the CEAC's probability at the
willingness to pay chosen for the report, the tornado's low and high ΔC, and so on. Nothing is
estimated here: the text reads the figure's data and formats it for the report's language.
A public report's figure data carry no small counts, and neither does their text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .figures import utilisation_boxes
from .format import fmt_ci, fmt_eur, fmt_int, fmt_num, fmt_pct
from .i18n import t

__all__ = ["figure_alt", "ALT_BUILDERS"]

#: The sentences of the alternative texts, by language.
_P: dict[str, dict[str, str]] = {
    "ci": {"fi": "95 %:n lv. {ci}", "en": "95% CI {ci}"},
    "no_data": {"fi": "ei tietoja", "en": "no data"},
    "change_by_arm": {"fi": "Keskimääräinen muutos alusta loppuun ryhmittäin (pistettä)",
                      "en": "Mean change from baseline to end by arm (score points)"},
    "estimators": {"fi": "HB:n vaikutus ensisijaiseen mittariin estimaattoreittain (pistettä)",
                   "en": "Effect of HB on the primary outcome by estimator (score points)"},
    "forest": {"fi": "HB:n vaikutus piloteittain (pistettä)",
               "en": "Effect of HB by pilot (score points)"},
    "love": {"fi": "Standardoitu keskiarvojen erotus itseisarvona, painottamaton → painotettu "
                   "(raja 0,1); yli rajan ennen painotusta {before}/{n}, sen jälkeen {after}/{n}",
             "en": "Absolute standardised mean difference, unweighted → weighted (line at "
                   "0.1); above the line {before} of {n} before weighting, {after} after"},
    "satisfaction": {"fi": "Samaa mieltä (4–5) / eri mieltä (1–2) olevien osuus",
                     "en": "Share agreeing (4–5) / disagreeing (1–2)"},
    "costs": {"fi": "Keskimääräinen kustannus asiakasta kohden osatekijöittäin",
              "en": "Mean cost per client by component"},
    "total": {"fi": "yhteensä", "en": "total"},
    "ce_plane": {"fi": "{n} bootstrap-toistoa; piste-estimaatti ΔE {de} pistettä, ΔC {dc}; "
                       "toistoista vaikuttavampi ja kalliimpi {ne}, vaikuttavampi ja "
                       "edullisempi {se}, vähemmän vaikuttava ja kalliimpi {nw}, vähemmän "
                       "vaikuttava ja edullisempi {sw}",
                 "en": "{n} bootstrap replicates; point estimate ΔE {de} points, ΔC {dc}; "
                       "of the replicates more effective and more costly {ne}, more effective "
                       "and less costly {se}, less effective and more costly {nw}, less "
                       "effective and less costly {sw}"},
    "wtp_line": {"fi": "katkoviiva: maksuhalukkuus λ = {wtp} pisteeltä",
                 "en": "dashed line: willingness to pay λ = {wtp} per point"},
    "ceac": {"fi": "Todennäköisyys, että HB on kustannusvaikuttava",
             "en": "Probability that HB is cost-effective"},
    "ceac_at": {"fi": "λ = {wtp} kohdalla {p}, {cross}, suurimmalla λ = {top} {ptop}",
                "en": "{p} at λ = {wtp}, {cross}, {ptop} at the largest λ = {top}"},
    "cross": {"fi": "50 % ylittyy λ = {wtp} kohdalla", "en": "above 50% from λ = {wtp}"},
    "no_cross": {"fi": "50 % ei ylity kuvan alueella", "en": "never above 50% in the range "
                                                            "shown"},
    "tornado": {"fi": "ΔC perusarvolla {base}; parametreittain (matala / korkea arvo)",
                "en": "ΔC at the base values {base}; by parameter (low / high value)"},
    "confounding": {"fi": "Vakioimaton estimaatti {est} pistettä; estimaatti, kun sekoittava "
                          "tekijä on k kertaa niin voimakas kuin vertailukohta",
                    "en": "Unadjusted estimate {est} points; the estimate adjusted for a "
                          "confounder k times as strong as a benchmark"},
    "zero_in": {"fi": "nollakäyrä (estimaatti 0) näkyy kuvassa",
                "en": "the zero contour (estimate 0) lies within the figure"},
    "zero_out": {"fi": "estimaatti pysyy koko kuvan alueella välillä {lo} … {hi}",
                 "en": "the estimate stays between {lo} and {hi} across the figure"},
    "evpi": {"fi": "Täydellisen tiedon odotusarvo asiakasta kohden: λ = {wtp} kohdalla {v}; "
                   "suurin {vmax} kohdalla λ = {at}",
             "en": "Expected value of perfect information per client: {v} at λ = {wtp}; "
                   "largest {vmax} at λ = {at}"},
    "evpi_cross": {"fi": "hyväksyttävyyskäyrä ylittää 50 % kohdalla λ = {c}",
                   "en": "the acceptability curve crosses 50% at λ = {c}"},
    "plan": {"fi": "Havaittavissa oleva vähimmäisvaikutus (pistettä) asiakasmäärän ryhmää "
                   "kohden mukaan",
             "en": "Minimum detectable effect (score points) by clients per arm"},
    "per_arm": {"fi": "{n} asiakasta ryhmää kohden: {mde}", "en": "{n} clients per arm: {mde}"},
    "budget": {"fi": "Budjetin käyttöaste (toteutunut / myönnetty) piloteittain: mediaani, "
                     "kvartiilit ja 10.–90. persentiili",
               "en": "Budget utilisation (realised / granted) by pilot: median, quartiles and "
                     "10th–90th percentile"},
    "box": {"fi": "mediaani {med}, kvartiilit {q}, 10.–90. persentiili {p}",
            "en": "median {med}, quartiles {q}, 10th–90th percentile {p}"},
    "few": {"fi": "alle {k} asiakasta, ei laatikkoa", "en": "under {k} clients, no box"},
}


def _s(key: str, lang: str, **kw: Any) -> str:
    text = _P[key].get(lang, _P[key]["fi"])
    return text.format(**kw) if kw else text


def _ok(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and not np.isfinite(x)) and x is not pd.NA


def _est(est: Any, lo: Any, hi: Any, lang: str, digits: int = 2) -> str:
    """``+0,84 (95 %:n lv. 0,61 … 1,07)``."""
    text = fmt_num(est, lang, digits, sign=True)
    if _ok(lo) or _ok(hi):
        text += f" ({_s('ci', lang, ci=fmt_ci(lo, hi, lang, digits))})"
    return text


def _join(head: str, parts: list[str]) -> str:
    return f"{head}: {'; '.join(parts)}." if parts else f"{head}."


def _change_by_arm(df: pd.DataFrame, lang: str, **_: Any) -> str:
    d = df.dropna(subset=["mean_change"])
    parts = []
    for outcome, g in d.groupby("outcome", sort=False, observed=True):
        arms = [f"{t(str(r.arm), lang)} {_est(r.mean_change, r.ci_low, r.ci_high, lang)}"
                for r in g.itertuples()]
        parts.append(f"{t(str(outcome), lang)}: {', '.join(arms)}")
    return _join(_s("change_by_arm", lang), parts)


def _estimators(df: pd.DataFrame, lang: str, **_: Any) -> str:
    d = df.dropna(subset=["estimate"])
    return _join(_s("estimators", lang), [
        f"{t(str(r.estimator), lang)} {_est(r.estimate, r.ci_low, r.ci_high, lang)}"
        for r in d.itertuples()])


def _forest(df: pd.DataFrame, lang: str, **_: Any) -> str:
    d = df.dropna(subset=["estimate"])
    parts = []
    for r in d.itertuples():
        label = str(r.label)
        n = getattr(r, "n", None)
        if "n" in d.columns and _ok(n):  # internal reports only (the figure shows it too)
            label += f" (n = {fmt_int(n, lang)})"
        parts.append(f"{label} {_est(r.estimate, r.ci_low, r.ci_high, lang)}")
    return _join(_s("forest", lang), parts)


def _love(df: pd.DataFrame, lang: str, **_: Any) -> str:
    u = df["smd_unweighted"].abs()
    w = df["smd_weighted"].abs() if "smd_weighted" in df.columns else None
    parts = []
    for i, c in enumerate(df["covariate"]):
        text = f"{c} {fmt_num(u.iloc[i], lang, 2)}"
        if w is not None and _ok(w.iloc[i]):
            text += f" → {fmt_num(w.iloc[i], lang, 2)}"
        parts.append(text)
    after = int((w > 0.1).sum()) if w is not None and w.notna().any() else "–"
    return _join(_s("love", lang, before=int((u > 0.1).sum()), after=after, n=len(df)), parts)


def _satisfaction(df: pd.DataFrame, lang: str, **_: Any) -> str:
    share = df.pivot_table(index=["item", "arm"], columns="level", values="share",
                           aggfunc="sum", observed=True).reindex(columns=[1, 2, 3, 4, 5])
    share = share.fillna(0.0)
    parts = []
    for item in sorted(dict.fromkeys(df["item"]), key=str):
        arms = [f"{t(a, lang)} {fmt_pct(share.loc[(item, a), [4, 5]].sum(), lang)} / "
                f"{fmt_pct(share.loc[(item, a), [1, 2]].sum(), lang)}"
                for a in ("HB", "Verrokki") if (item, a) in share.index]
        short = t(f"short_{item}", lang)
        name = str(item) if short == f"short_{item}" else f"{item} {short}"
        parts.append(f"{name}: {', '.join(arms)}")
    return _join(_s("satisfaction", lang), parts)


def _costs(df: pd.DataFrame, lang: str, **_: Any) -> str:
    parts = []
    for arm in ("HB", "Verrokki"):
        g = df[df["arm"] == arm]
        if g.empty:
            continue
        comps = [f"{t(str(r.component), lang)} {fmt_eur(r.mean, lang)}"
                 for r in g.itertuples() if _ok(r.mean) and abs(r.mean) >= 0.5]
        parts.append(f"{t(arm, lang)} {_s('total', lang)} {fmt_eur(g['mean'].sum(), lang)} "
                     f"({', '.join(comps)})")
    return _join(_s("costs", lang), parts)


def _ce_plane(df: pd.DataFrame, lang: str, *, point: Any = None, wtp: Any = None,
              **_: Any) -> str:
    de, dc = df["delta_effect"].to_numpy(float), df["delta_cost"].to_numpy(float)
    n = len(df)

    def share(mask: np.ndarray) -> str:
        return fmt_pct(mask.sum() / n if n else np.nan, lang)

    pe, pc = point if point is not None else (np.nan, np.nan)
    text = _s("ce_plane", lang, n=fmt_int(n, lang), de=fmt_num(pe, lang, 2, sign=True),
              dc=fmt_eur(pc, lang), ne=share((de > 0) & (dc >= 0)), se=share((de > 0) & (dc < 0)),
              nw=share((de <= 0) & (dc >= 0)), sw=share((de <= 0) & (dc < 0)))
    if _ok(wtp):
        text += "; " + _s("wtp_line", lang, wtp=fmt_eur(wtp, lang))
    return text + "."


def _at(x: np.ndarray, y: np.ndarray, at: float) -> float:
    """The curve's value at ``at`` (its grid point, or read off the line between two)."""
    return float(np.interp(at, x, y)) if len(x) else float("nan")


def _ceac(df: pd.DataFrame, lang: str, *, wtp: Any = None, **_: Any) -> str:
    groups = (df.groupby("perspective", sort=True, observed=True)
              if "perspective" in df.columns else [(None, df)])
    parts = []
    for p, g in groups:
        g = g.sort_values("wtp", kind="stable")
        x, y = g["wtp"].to_numpy(float), g["prob"].to_numpy(float)
        at = float(wtp) if _ok(wtp) else float(x[len(x) // 2])
        above = np.flatnonzero(y >= 0.5)
        cross = (_s("cross", lang, wtp=fmt_eur(x[above[0]], lang)) if above.size
                 else _s("no_cross", lang))
        text = _s("ceac_at", lang, wtp=fmt_eur(at, lang), p=fmt_pct(_at(x, y, at), lang),
                  cross=cross, top=fmt_eur(x[-1], lang), ptop=fmt_pct(y[-1], lang))
        parts.append(f"{t(str(p), lang)}: {text}" if p is not None else text)
    return _join(_s("ceac", lang), parts)


def _tornado(df: pd.DataFrame, lang: str, *, base: Any = None, **_: Any) -> str:
    d = df.dropna(subset=["low", "high"], how="all")
    d = d.assign(_swing=(d["high"] - d["low"]).abs()).sort_values(
        "_swing", ascending=False, kind="stable")
    if base is None:
        base = float(np.nanmedian(np.r_[d["low"], d["high"]]))
    return _join(_s("tornado", lang, base=fmt_eur(base, lang)), [
        f"{r.parameter}: {fmt_eur(r.low, lang)} / {fmt_eur(r.high, lang)}"
        for r in d.itertuples()])


def _confounding(df: pd.DataFrame, lang: str, *, estimate: Any = None,
                 benchmarks: pd.DataFrame | None = None, **_: Any) -> str:
    z = df["adjusted_estimate"].to_numpy(float)
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    parts = []
    if benchmarks is not None and len(benchmarks):
        for r in benchmarks.dropna(subset=["adjusted_estimate"]).itertuples():
            parts.append(f"{r.k:g}× {t(str(r.covariate), lang)} "
                         f"{fmt_num(r.adjusted_estimate, lang, 2)}")
    zero = (_s("zero_in", lang) if lo < 0 < hi else
            _s("zero_out", lang, lo=fmt_num(lo, lang, 2), hi=fmt_num(hi, lang, 2)))
    head = _s("confounding", lang, est=fmt_num(estimate, lang, 2))
    return f"{head}: {'; '.join(parts)}; {zero}." if parts else f"{head}; {zero}."


def _evpi(df: pd.DataFrame, lang: str, *, crossing: Any = None, wtp: Any = None,
          **_: Any) -> str:
    d = df.sort_values("wtp", kind="stable")
    x, y = d["wtp"].to_numpy(float), d["evpi"].to_numpy(float)
    at = float(wtp) if _ok(wtp) else float(x[len(x) // 2])
    k = int(np.nanargmax(y)) if np.isfinite(y).any() else 0
    text = _s("evpi", lang, wtp=fmt_eur(at, lang), v=fmt_eur(_at(x, y, at), lang),
              vmax=fmt_eur(y[k], lang), at=fmt_eur(x[k], lang))
    if _ok(crossing):
        text += "; " + _s("evpi_cross", lang, c=fmt_eur(crossing, lang))
    return text + "."


def _plan(df: pd.DataFrame, lang: str, *, marks: pd.DataFrame | None = None, **_: Any) -> str:
    d = df.dropna(subset=["mde"])
    rows = marks.dropna(subset=["mde"]) if marks is not None and len(marks) else d.iloc[[0, -1]]
    return _join(_s("plan", lang), [
        _s("per_arm", lang, n=fmt_int(r.n_per_arm, lang), mde=fmt_num(r.mde, lang, 2))
        for r in rows.itertuples()])


def _budget(df: pd.DataFrame, lang: str, *, min_n: int = 5, **_: Any) -> str:
    parts = []
    for pilot, box in utilisation_boxes(df, min_n):
        if box is None:
            parts.append(f"{pilot}: {_s('few', lang, k=min_n)}")
            continue
        p10, q1, med, q3, p90 = (fmt_num(v, lang, 2) for v in box)
        sep = " … " if lang == "fi" else "–"
        parts.append(f"{pilot}: " + _s("box", lang, med=med, q=f"{q1}{sep}{q3}",
                                       p=f"{p10}{sep}{p90}"))
    return _join(_s("budget", lang), parts)


#: Figure name -> builder of its description (frame, language, the figure's keywords, wtp).
ALT_BUILDERS: dict[str, Callable[..., str]] = {
    "change_by_arm": _change_by_arm, "estimator_comparison": _estimators,
    "forest_pilot": _forest, "love_plot": _love, "satisfaction_items": _satisfaction,
    "cost_components": _costs, "ce_plane": _ce_plane, "ceac": _ceac, "tornado": _tornado,
    "confounding_contour": _confounding, "evpi": _evpi, "plan_curve": _plan,
    "budget_utilisation": _budget,
}


def figure_alt(name: str, spec: Mapping[str, Any] | None, caption: str, lang: str = "fi", *,
               wtp: float | None = None) -> str:
    """The alternative text of figure ``name``: its caption and the numbers it shows.

    Parameters
    ----------
    name
        The figure's name (a key of :data:`ALT_BUILDERS`).
    spec
        The figure's data as drawn: ``{"df": frame, **keywords}`` (None: no data).
    caption
        The figure's caption (the text starts with it).
    lang
        ``"fi"`` or ``"en"``.
    wtp
        The willingness to pay the report uses (the CEAC's and EVPI's value is read there).
    """
    df = None if spec is None else spec.get("df")
    if df is None or len(df) == 0 or name not in ALT_BUILDERS:
        return f"{caption}: {_s('no_data', lang)}."
    kw = {"wtp": wtp, **{k: v for k, v in spec.items() if k != "df"}}
    try:
        body = ALT_BUILDERS[name](df, lang, **kw)
    except (KeyError, ValueError, TypeError, IndexError):  # as the figure: data not drawable
        return f"{caption}: {_s('no_data', lang)}."
    return f"{caption}. {body}"
