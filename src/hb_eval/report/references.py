"""The references of the methods hb_eval uses: one list for the report and docs/methods.md.

Each :class:`Reference` names the work, where it was published and what hb_eval uses it for
(in Finnish and English). The report's appendix lists them (:func:`reference_rows`), and the
reference section of docs/methods.md is generated from the same list
(:func:`references_markdown`, ``make generated``; a test fails when the page has drifted).
A method added to the package gets its reference here.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Reference", "REFERENCES", "reference_text", "reference_rows", "references_markdown"]


@dataclass(frozen=True)
class Reference:
    """One published work and what hb_eval uses it for."""

    key: str  #: short citation as written in the text, e.g. ``Holm 1979``
    authors: str
    year: int
    title: str
    venue: str  #: journal, volume and pages, or the publisher of a book
    used_for: dict[str, str]  #: language -> what hb_eval uses it for


def _r(key: str, authors: str, year: int, title: str, venue: str, fi: str, en: str) -> Reference:
    return Reference(key, authors, year, title, venue, {"fi": fi, "en": en})


#: Every reference, in alphabetical order of the first author.
REFERENCES: tuple[Reference, ...] = (
    _r("Austin 2009", "Austin, P. C.", 2009,
       "Balance diagnostics for comparing the distribution of baseline covariates between "
       "treatment groups in propensity-score matched samples",
       "Statistics in Medicine 28(25), 3083–3107",
       "standardoidut keskiarvoerot (myös painotetut)",
       "standardised mean differences (also weighted)"),
    _r("Barnard & Rubin 1999", "Barnard, J. & Rubin, D. B.", 1999,
       "Small-sample degrees of freedom with multiple imputation",
       "Biometrika 86(4), 948–955",
       "moni-imputoinnin vapausasteet", "degrees of freedom after multiple imputation"),
    _r("Bell & McCaffrey 2002", "Bell, R. M. & McCaffrey, D. F.", 2002,
       "Bias reduction in standard errors for linear regression with multi-stage samples",
       "Survey Methodology 28(2), 169–181",
       "CR2-keskivirheet ja Satterthwaiten vapausasteet",
       "CR2 standard errors and Satterthwaite degrees of freedom"),
    _r("Briggs, Claxton & Sculpher 2006", "Briggs, A., Claxton, K. & Sculpher, M.", 2006,
       "Decision Modelling for Health Economic Evaluation", "Oxford University Press",
       "täydellisen tiedon odotusarvo (EVPI) ja sen väestötaso",
       "expected value of perfect information (EVPI) and its population value"),
    _r("Briggs, O'Brien & Blackhouse 2002", "Briggs, A. H., O'Brien, B. J. & Blackhouse, G.",
       2002,
       "Thinking outside the box: recent advances in the analysis and presentation of "
       "uncertainty in cost-effectiveness studies",
       "Annual Review of Public Health 23, 377–401",
       "ICER:n luottamusväli ja kustannusvaikuttavuustaso",
       "the ICER's interval and the cost-effectiveness plane"),
    _r("Cameron, Gelbach & Miller 2008", "Cameron, A. C., Gelbach, J. B. & Miller, D. L.", 2008,
       "Bootstrap-based improvements for inference with clustered errors",
       "Review of Economics and Statistics 90(3), 414–427",
       "villi ryväsbootstrap", "wild cluster bootstrap"),
    _r("Cinelli & Hazlett 2020", "Cinelli, C. & Hazlett, C.", 2020,
       "Making sense of sensitivity: extending omitted variable bias",
       "Journal of the Royal Statistical Society B 82(1), 39–67",
       "herkkyys mittaamattomalle sekoittuneisuudelle (robustness value)",
       "sensitivity to unmeasured confounding (robustness values)"),
    _r("Cronbach 1951", "Cronbach, L. J.", 1951,
       "Coefficient alpha and the internal structure of tests", "Psychometrika 16(3), 297–334",
       "Cronbachin alfa", "Cronbach's alpha"),
    _r("Cumming 2012", "Cumming, G.", 2012,
       "Understanding the New Statistics: Effect Sizes, Confidence Intervals, and "
       "Meta-Analysis", "Routledge",
       "ryhmän sisäiset vaikutuskoot", "within-arm effect sizes"),
    _r("Efron 1987", "Efron, B.", 1987, "Better bootstrap confidence intervals",
       "Journal of the American Statistical Association 82(397), 171–185",
       "BCa-bootstrap-luottamusvälit", "BCa bootstrap intervals"),
    _r("Feldt, Woodruff & Salih 1987", "Feldt, L. S., Woodruff, D. J. & Salih, F. A.", 1987,
       "Statistical inference for coefficient alpha",
       "Applied Psychological Measurement 11(1), 93–103",
       "Cronbachin alfan luottamusväli", "the interval of Cronbach's alpha"),
    _r("Fenwick, Claxton & Sculpher 2001", "Fenwick, E., Claxton, K. & Sculpher, M.", 2001,
       "Representing uncertainty: the role of cost-effectiveness acceptability curves",
       "Health Economics 10(8), 779–787",
       "hyväksyttävyyskäyrä (CEAC)", "the cost-effectiveness acceptability curve (CEAC)"),
    _r("Fieller 1954", "Fieller, E. C.", 1954, "Some problems in interval estimation",
       "Journal of the Royal Statistical Society B 16(2), 175–185",
       "Fiellerin luottamusväli suhdeluvulle", "Fieller's interval of a ratio"),
    _r("Freeman & Halton 1951", "Freeman, G. H. & Halton, J. H.", 1951,
       "Note on an exact treatment of contingency, goodness of fit and other problems of "
       "significance", "Biometrika 38(1/2), 141–149",
       "Fisherin–Freemanin–Haltonin tarkka testi (luotettava muutos)",
       "the Fisher–Freeman–Halton exact test (reliable change)"),
    _r("Hedges 1981", "Hedges, L. V.", 1981,
       "Distribution theory for Glass's estimator of effect size and related estimators",
       "Journal of Educational Statistics 6(2), 107–128",
       "pienen otoksen korjaus (g)", "the small-sample correction (g)"),
    _r("Holm 1979", "Holm, S.", 1979,
       "A simple sequentially rejective multiple test procedure",
       "Scandinavian Journal of Statistics 6(2), 65–70",
       "toissijaisten mittareiden p-arvojen korjaus", "adjusting the secondary outcomes' p-values"),
    _r("Husereau et al. 2022", "Husereau, D., Drummond, M., Augustovski, F. et al.", 2022,
       "Consolidated Health Economic Evaluation Reporting Standards 2022 (CHEERS 2022) "
       "statement", "BMJ 376, e067975",
       "kustannusvaikuttavuusanalyysin raportointi", "reporting the cost-effectiveness analysis"),
    _r("Jacobson & Truax 1991", "Jacobson, N. S. & Truax, P.", 1991,
       "Clinical significance: a statistical approach to defining meaningful change in "
       "psychotherapy research", "Journal of Consulting and Clinical Psychology 59(1), 12–19",
       "luotettava muutos (reliable change index)", "reliable change (the reliable change index)"),
    _r("Kish 1965", "Kish, L.", 1965, "Survey Sampling", "Wiley",
       "asetelmavaikutus (design effect) seuraavan vaiheen suunnittelussa",
       "the design effect in planning the next phase"),
    _r("Lakens 2013", "Lakens, D.", 2013,
       "Calculating and reporting effect sizes to facilitate cumulative science: a practical "
       "primer for t-tests and ANOVAs", "Frontiers in Psychology 4, 863",
       "ryhmän sisäiset vakioidut vaikutuskoot", "standardised within-arm effect sizes"),
    _r("Mann & Whitney 1947", "Mann, H. B. & Whitney, D. R.", 1947,
       "On a test of whether one of two random variables is stochastically larger than the "
       "other", "Annals of Mathematical Statistics 18(1), 50–60",
       "tyytyväisyyden vertailu ryhmien välillä", "comparing satisfaction between the arms"),
    _r("Morris 2008", "Morris, S. B.", 2008,
       "Estimating effect sizes from pretest-posttest-control group designs",
       "Organizational Research Methods 11(2), 364–386",
       "ryhmien välinen vakioitu vaikutuskoko (alku–loppu–verrokki)",
       "the standardised between-arm effect size (pretest–posttest–control)"),
    _r("Newcombe 1998", "Newcombe, R. G.", 1998,
       "Interval estimation for the difference between independent proportions: comparison "
       "of eleven methods", "Statistics in Medicine 17(8), 873–890",
       "osuuksien erotuksen luottamusväli", "the interval of a difference in shares"),
    _r("Pustejovsky & Tipton 2018", "Pustejovsky, J. E. & Tipton, E.", 2018,
       "Small-sample methods for cluster-robust variance estimation and hypothesis testing in "
       "fixed effects models", "Journal of Business & Economic Statistics 36(4), 672–683",
       "CR2-keskivirheet ja niiden testit", "CR2 standard errors and their tests"),
    _r("Roodman et al. 2019", "Roodman, D., MacKinnon, J. G., Nielsen, M. Ø. & Webb, M. D.",
       2019, "Fast and wild: bootstrap inference in Stata using boottest",
       "The Stata Journal 19(1), 4–60",
       "villin ryväsbootstrapin laskenta ja luottamusväli",
       "computing the wild cluster bootstrap and its interval"),
    _r("Rubin 1987", "Rubin, D. B.", 1987, "Multiple Imputation for Nonresponse in Surveys",
       "Wiley", "moni-imputoinnin yhdistämissäännöt", "pooling multiple imputations"),
    _r("Sant'Anna & Zhao 2020", "Sant'Anna, P. H. C. & Zhao, J.", 2020,
       "Doubly robust difference-in-differences estimators",
       "Journal of Econometrics 219(1), 101–122",
       "kaksoisrobusti DiD", "doubly robust DiD"),
    _r("Searle 1971", "Searle, S. R.", 1971, "Linear Models", "Wiley",
       "työntekijöiden sisäkorrelaatio (ICC) ja sen luottamusväli",
       "the intra-class correlation within workers (ICC) and its interval"),
    _r("Steiger & Fouladi 1997", "Steiger, J. H. & Fouladi, R. T.", 1997,
       "Noncentrality interval estimation and the evaluation of statistical models",
       "in Harlow, L. L., Mulaik, S. A. & Steiger, J. H. (eds.), What If There Were No "
       "Significance Tests?, Lawrence Erlbaum, 221–257",
       "vaikutuskokojen luottamusvälit epäkeskisestä t-jakaumasta",
       "effect-size intervals from the noncentral t distribution"),
    _r("van Buuren 2018", "van Buuren, S.", 2018, "Flexible Imputation of Missing Data",
       "2nd ed., Chapman & Hall/CRC",
       "moni-imputointi ketjutetuilla yhtälöillä (MICE)",
       "multiple imputation by chained equations (MICE)"),
    _r("Webb 2014", "Webb, M. D.", 2014,
       "Reworking wild bootstrap based inference for clustered errors",
       "Queen's Economics Department Working Paper 1315",
       "Webbin kuusipistepainot (vähän ryväitä)", "Webb's six-point weights (few clusters)"),
    _r("Welch 1947", "Welch, B. L.", 1947,
       "The generalization of 'Student's' problem when several different population "
       "variances are involved", "Biometrika 34(1/2), 28–35",
       "kokonaisarvosanan keskiarvojen erotus", "the difference in mean overall grades"),
    _r("Wilcoxon 1945", "Wilcoxon, F.", 1945, "Individual comparisons by ranking methods",
       "Biometrics Bulletin 1(6), 80–83",
       "muutoksen merkitsevyys ryhmän sisällä", "the within-arm signed-rank test"),
    _r("Willan & O'Brien 1996", "Willan, A. R. & O'Brien, B. J.", 1996,
       "Confidence intervals for cost-effectiveness ratios: an application of Fieller's "
       "theorem", "Health Economics 5(4), 297–305",
       "ICER:n Fieller-väli", "Fieller's interval of the ICER"),
    _r("Wilson 1927", "Wilson, E. B.", 1927,
       "Probable inference, the law of succession, and statistical inference",
       "Journal of the American Statistical Association 22(158), 209–212",
       "osuuksien luottamusvälit", "intervals of shares"),
    _r("Zellner 1962", "Zellner, A.", 1962,
       "An efficient method of estimating seemingly unrelated regressions and tests for "
       "aggregation bias", "Journal of the American Statistical Association 57(298), 348–368",
       "kustannusten ja vaikutusten yhteismalli (SUR)",
       "costs and effects modelled jointly (SUR)"),
)


def reference_text(ref: Reference) -> str:
    """``Authors (year). Title. Venue.`` as plain text."""
    return f"{ref.authors} ({ref.year}). {ref.title}. {ref.venue}."


def reference_rows(lang: str = "fi") -> list[dict[str, str]]:
    """The reference list for the report: ``{"text", "used_for"}`` per reference, in order."""
    return [{"text": reference_text(r), "used_for": r.used_for[lang]} for r in REFERENCES]


def references_markdown() -> str:
    """The reference list of docs/methods.md (between its ``references`` markers)."""
    return "".join(f"- {r.authors} ({r.year}). {r.title}. *{r.venue}*. Used for "
                   f"{r.used_for['en']}.\n" for r in REFERENCES)
