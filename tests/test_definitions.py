"""Indicator definitions in Fingertips' metadata form and the glossary (issue 13)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from cluster_inquiry.pages import definitions, report
from cluster_inquiry.figures.records import Table
from cluster_inquiry.indicators.catalogue import INDICATORS
from cluster_inquiry.core.paths import project_paths

FINGERTIPS_FIELDS = ["Definition", "Numerator", "Denominator", "Polarity", "Unit", "Period", "Data source", "Method",
                     "Confidence interval method", "Comparison with the city", "Caveats", "Real or illustrative"]


def test_every_indicator_has_the_fingertips_fields_filled_in():
    for code, ind in INDICATORS.items():
        form = dict(definitions.fields(ind))
        assert list(form) == FINGERTIPS_FIELDS
        assert all(v.strip() for v in form.values()), code
        assert form["Definition"] == ind.definition


def test_the_definitions_page_is_generated_from_the_catalogue():
    html = definitions.definitions_html()
    for code, ind in INDICATORS.items():
        assert f"id='{definitions.anchor(code)}'" in html and ind.definition.replace("'", "&#x27;") in html
    tables = pd.read_html(__import__("io").StringIO(html))
    assert len(tables) == len(INDICATORS)
    assert list(tables[0].iloc[:, 0]) == FINGERTIPS_FIELDS
    assert "Byar" in html and "Wilson" in html


def test_the_ci_method_follows_the_indicator_method():
    assert "Byar" in INDICATORS["LAC_RATE"].ci_method and "exact Poisson" in INDICATORS["LAC_RATE"].ci_method
    assert "Wilson" in INDICATORS["NEET_PCT"].ci_method
    assert "No judgement" in INDICATORS["CPP_RATE"].polarity_text


def test_a_table_quoting_an_indicator_definition_links_to_it():
    t = Table(pd.DataFrame({"a": [1]}), title="T", source="s", status="illustrative",
              definition=INDICATORS["NEET_PCT"].definition)
    assert t.indicator_codes() == ["NEET_PCT"]
    assert "href='../record/definitions.html#neet-pct'" in t.to_html()
    plain = Table(pd.DataFrame({"a": [1]}), title="Meetings", source="s", status="illustrative")
    assert plain.indicator_codes() == [] and "definitions.html" not in plain.to_html()
    with pytest.raises(ValueError, match="unknown indicator"):
        Table(pd.DataFrame({"a": [1]}), title="T", source="s", status="real", indicators=("NOPE",))


def test_indicator_tables_and_charts_link_to_their_definitions():
    ctx = report.context()
    assert "definitions.html#lac-rate" in report.indicator_table(ctx, "LAC_RATE", "2013-09").to_html()
    chart = report.indicator_chart(ctx, "ATTEND_PCT", "2013-09").to_html()
    assert chart.count("definitions.html#attend-pct") == 2  # the caption and the table beside it
    summary = report.cluster_indicator_summary(ctx, "C01").to_html()
    assert all(f"definitions.html#{definitions.anchor(c)}" in summary for c in INDICATORS)
    trend = report.cluster_trend(ctx, "C01").to_html()
    assert "definitions.html#lac-rate" in trend and "definitions.html#neet-pct" in trend


def test_definitions_and_glossary_pages_are_written_and_in_the_toc(tmp_path):
    written = definitions.build(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [definitions.DEFINITIONS_PAGE, definitions.GLOSSARY_PAGE]
    toc = yaml.safe_load((project_paths().root / "_toc.yml").read_text(encoding="utf-8"))
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    for page in (definitions.DEFINITIONS_PAGE, definitions.GLOSSARY_PAGE):
        assert "generated/" + page.removesuffix(".ipynb") in files


# ----------------------------------------------------------------------------- glossary


@pytest.mark.parametrize("term", ["JCC", "TSL", "DSG", "LSOA", "NEET", "CPP", "LAC", "Wilson", "Byar", "99.8%",
                                  "quartile band"])
def test_the_glossary_has_the_issues_terms(term):
    assert any(term_pattern_finds(t, term) for t in definitions.GLOSSARY), term


def term_pattern_finds(term, text):
    return definitions.term_pattern(term).search(text) is not None


def test_only_the_first_use_of_a_term_on_a_page_is_linked():
    used: set[str] = set()
    pieces = definitions.link_first_uses("NEET rates by LSOA; NEET again and LSOAs", used)
    linked = [(text, term.anchor) for text, term in pieces if term]
    assert linked == [("NEET", "term-neet"), ("LSOA", "term-lsoa")]
    assert "".join(text for text, _ in pieces) == "NEET rates by LSOA; NEET again and LSOAs"
    again = definitions.link_first_uses("a later paragraph on NEET", used)
    assert all(term is None for _, term in again)  # already linked on this page


def test_terms_match_whole_words_and_the_longest_spelling():
    pieces = definitions.link_first_uses("Looked-after children, and Wilsonian or BLAC or NEETS", set())
    assert [(t, term.anchor) for t, term in pieces if term] == [("Looked-after children", "term-looked-after-child-lac")]
