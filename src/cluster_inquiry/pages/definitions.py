"""Indicator definitions (PHE Fingertips' metadata form) and the glossary: two generated pages.

``record/definitions`` is written from the indicator catalogue (``indicators.INDICATORS``): one
section per indicator with the fields Fingertips shows (definition, numerator, denominator,
polarity, unit, period, source, method, confidence-interval method, caveats, real or
illustrative). Every table and chart showing an indicator links to its section
(``figures.Table.indicator_codes``).

``record/glossary`` lists :data:`GLOSSARY`; the book's Sphinx extension (``book/_ext``) links the
first use of each term on every page to its entry (:func:`term_pattern`, :func:`link_first_uses`).

Both pages are written into the executed notebooks' folder after the notebooks have run (like the
downloads page), so they need no kernel and always match the package.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cluster_inquiry.figures.records import DEFINITIONS_URL, STATUS_LABEL, definition_anchor, definition_url, slug, status_badge  # noqa: F401
from cluster_inquiry.indicators.catalogue import INDICATORS, Indicator

DEFINITIONS_PAGE = "record/definitions.ipynb"
GLOSSARY_PAGE = "record/glossary.ipynb"
anchor = definition_anchor


def fields(ind: Indicator) -> list[tuple[str, str]]:
    """The Fingertips metadata form of one indicator, in Fingertips' order."""
    return [
        ("Definition", ind.definition),
        ("Numerator", ind.numerator_label[0].upper() + ind.numerator_label[1:]),
        ("Denominator", ind.denominator_label[0].upper() + ind.denominator_label[1:]),
        ("Polarity", ind.polarity_text),
        ("Unit", ind.unit),
        ("Period", ind.period),
        ("Data source", ind.source),
        ("Method", ind.calculation),
        ("Confidence interval method", ind.ci_method),
        ("Comparison with the city", "Fingertips' method: similar when the city value lies inside the cluster's 95% "
                                     "interval; better or worse (or higher or lower) otherwise, marked (99.8%) when "
                                     "outside the 99.8% interval too."),
        ("Caveats", ind.caveats or "None beyond the data status below."),
        ("Real or illustrative", STATUS_LABEL[ind.status]),
    ]


def definitions_html() -> str:
    parts = []
    for code, ind in INDICATORS.items():
        rows = "".join(
            f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in fields(ind)
        )
        parts.append(
            f"<section class='ci-definition' id='{anchor(code)}' aria-labelledby='{anchor(code)}-h'>"
            f"<h2 id='{anchor(code)}-h'>{html.escape(ind.name)}</h2>{status_badge(ind.status)}"
            f"<table class='ci-table ci-metadata'><caption>Indicator metadata: {html.escape(ind.short)} "
            f"(code {html.escape(code)})</caption><tbody>{rows}</tbody></table></section>"
        )
    return "".join(parts)


@dataclass(frozen=True)
class Term:
    term: str  # as the glossary heads it
    meaning: str
    #: the spellings linked on the pages (case-sensitive for abbreviations); the term itself first
    forms: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        return "term-" + slug(self.term)

    @property
    def spellings(self) -> tuple[str, ...]:
        return self.forms or (self.term,)


GLOSSARY: tuple[Term, ...] = (
    Term("95% and 99.8% confidence intervals",
         "The range within which the true value probably lies, given the numbers involved: 95% intervals are "
         "used to judge better or worse, 99.8% intervals (about three standard errors) to flag the clearest differences.",
         ("99.8%", "95% confidence interval", "95% CI", "confidence interval")),
    Term("Byar's method",
         "An approximation to the exact Poisson confidence interval for a count, used by PHE for rates when the "
         "count is 10 or more.", ("Byar's method", "Byar's", "Byar")),
    Term("Child-protection plan (CPP)",
         "A plan drawn up by the council and partners for a child judged at risk of significant harm.",
         ("CPP", "child-protection plan", "Child-protection plan")),
    Term("Children's-services area",
         "One of the council's three areas (East North East, South East and West North West) that group the clusters.",
         ("children's-services area", "Children's-services area")),
    Term("Cluster",
         "A local partnership of schools, children's centres, police, health, the council's targeted services "
         "and the voluntary sector, serving the children of one part of the city.", ()),
    Term("DfE", "The Department for Education, which publishes the national children's-services statistics.", ("DfE",)),
    Term("Dedicated Schools Grant (DSG)",
         "The government's ring-fenced grant for schools; the Schools Forum top-slices part of it to fund the clusters.",
         ("DSG", "Dedicated Schools Grant")),
    Term("Exact Poisson interval",
         "The confidence interval of a count from the Poisson distribution; PHE uses it for rates when the count is below 10.",
         ("exact Poisson", "Exact Poisson")),
    Term("Fingertips",
         "Public Health England's (now OHID's) public-health profiles tool, whose comparison method and metadata this book follows.",
         ("Fingertips",)),
    Term("GSS symbols",
         "The Government Statistical Service's symbols in tables: c confidential (withheld), x not available, "
         "z not applicable.", ("GSS",)),
    Term("Index of Multiple Deprivation (IMD)",
         "The government's relative measure of deprivation for every LSOA in England (IMD 2015 here); a higher "
         "score is more deprived.", ("IMD",)),
    Term("Joint Collaborative Committee (JCC)",
         "A governance form for a cluster: a committee of the partner bodies, without the Trust's separate legal "
         "standing.", ("JCC", "Joint Collaborative Committee")),
    Term("LAIT",
         "DfE's Local Authority Interactive Tool, which gives each indicator's quartile bands and ranks.", ("LAIT",)),
    Term("Looked-after child (LAC)",
         "A child in the care of the council (in foster care, a children's home or placed with family under a care order).",
         ("LAC", "looked-after children", "Looked-after children", "looked-after child")),
    Term("LSOA",
         "Lower-layer Super Output Area: a small statistical area of about 1,500 residents (2011 boundaries); "
         "the clusters are built from whole LSOAs.", ("LSOA", "LSOAs")),
    Term("NEET",
         "Young people not in education, employment or training (academic age 16–18 here).", ("NEET",)),
    Term("Quartile band",
         "Clusters ranked and cut into quarters: band A is always the best quarter, D the worst (DfE LAIT's method).",
         ("quartile band", "Quartile band", "quartile bands", "Quartile bands")),
    Term("Targeted Services Leader (TSL)",
         "In a Leeds cluster, the person who leads the cluster's targeted (early help) services for children and families.",
         ("TSL", "Targeted Services Leader")),
    Term("Wilson score interval",
         "A confidence interval for a percentage that stays within 0–100% and behaves well for small numbers; "
         "PHE's method for proportions.", ("Wilson score", "Wilson")),
)


def term_pattern(term: Term) -> re.Pattern:
    """The regular expression that finds a term's spellings as whole words (longest first)."""
    forms = sorted(term.spellings, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])")


def link_first_uses(text: str, used: set[str]) -> list[tuple[str, Term | None]]:
    """``text`` cut into pieces, each a plain piece (``None``) or the first use of a glossary term on
    the page (its :class:`Term`); ``used`` holds the anchors already linked on the page and is updated."""
    hits: list[tuple[int, int, Term]] = []
    for term in GLOSSARY:
        if term.anchor in used:
            continue
        m = term_pattern(term).search(text)
        if m:
            hits.append((m.start(), m.end(), term))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    pieces: list[tuple[str, Term | None]] = []
    at = 0
    for start, end, term in hits:
        if start < at or term.anchor in used:
            continue  # overlaps a longer term found first
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], term))
        used.add(term.anchor)
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def glossary_html() -> str:
    items = "".join(
        f"<dt id='{t.anchor}'>{html.escape(t.term)}</dt><dd>{html.escape(t.meaning)}</dd>"
        for t in sorted(GLOSSARY, key=lambda t: t.term.lstrip("0123456789%. ").casefold())
    )
    return f"<dl class='ci-glossary'>{items}</dl>"


def _page(title: str, intro: str, body: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n{intro}"),
        nbformat.v4.new_code_cell(
            "# written by cluster_inquiry.pages.definitions from the package's catalogue",
            metadata={"tags": ["remove-input"]},
            outputs=[nbformat.v4.new_output("display_data", data={"text/html": body, "text/plain": title})],
        ),
    ]
    return nb


def definitions_notebook() -> nbformat.NotebookNode:
    return _page(
        "Indicator definitions",
        "What each indicator in this book measures, set out as Public Health England's Fingertips profiles "
        "set out their metadata. Every table and chart showing an indicator links here.",
        definitions_html(),
    )


def glossary_notebook() -> nbformat.NotebookNode:
    return _page(
        "Glossary",
        "Abbreviations and technical terms used in this book. On every page, the first use of each term links here.",
        glossary_html(),
    )


def build(executed: Path) -> list[Path]:
    """Write the definitions and glossary pages into ``executed`` (before the downloads page is made)."""
    written = []
    for rel, nb in ((DEFINITIONS_PAGE, definitions_notebook()), (GLOSSARY_PAGE, glossary_notebook())):
        path = executed / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        written.append(path)
    return written
