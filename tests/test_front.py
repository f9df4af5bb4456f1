"""Front page and cluster finder (issue 13): the answer on one screen, generated from the chapters'
own key-findings calls and the improvement rule; a clickable map; every cluster by name, area and ward."""

import re

import pytest

from cluster_inquiry import pipeline
from cluster_inquiry.data import geography
from cluster_inquiry.pages import accountability, context, front, performance, report


@pytest.fixture(scope="module")
def ctx():
    return report.context()


def test_page_names_match_the_pipeline(ctx):
    for row in ctx.clusters.itertuples():
        assert front.page_name(row.cluster_code, row.cluster_name) == pipeline.cluster_page_name(row.cluster_code, row.cluster_name)


def test_front_pages_are_planned_with_the_themes_only(ctx):
    full = [j.output for j in pipeline.plan_jobs(ctx.clusters)]
    assert full[:2] == ["front/index.ipynb", "front/finder.ipynb"]
    one = [j.output for j in pipeline.plan_jobs(ctx.clusters, themes=[], cluster_codes=["C01"])]
    assert not any(o.startswith("front/") for o in one)


def test_toc_roots_the_book_at_the_generated_front_page(project_root):
    toc = (project_root / "_toc.yml").read_text(encoding="utf-8")
    assert "root: generated/front/index" in toc and "generated/front/finder" in toc and "book/intro" in toc


def test_headlines_are_the_chapters_own_first_findings(ctx):
    body = front.headline_findings(ctx).body
    first = {
        "accountability": accountability.governance_findings(
            accountability.governance_frame(ctx.clusters, ctx.frames["cluster_reporting"]))[0],
        "performance": performance.key_findings(ctx).items[2].text,  # 0 and 1 are the flag lists, shown above
        "context": context.evidence(ctx).findings_items()[0].removeprefix("<li>").removesuffix("</li>").strip(),
    }
    for theme, text in first.items():
        assert text in body, theme
        assert f"href='../themes/{theme}.html'" in body
    assert body.count("<li>") == len(front.CHAPTERS)


def test_flagged_lists_are_the_improvement_rule_linked_to_profiles(ctx):
    a = performance.assessments(ctx)
    body = front.flagged_list(ctx).body
    links = dict(re.findall(r"<a href='\.\./clusters/([^']+)\.html'>([^<]+)</a>", body))
    flagged = a[a["status"].isin([performance.NEEDS_MEASURES, performance.WATCH])]
    assert {pipeline.cluster_page_name(r.cluster_code, r.cluster_name) for r in flagged.itertuples()} == set(links)
    needs, watch = body.split("On the watch list")
    for r in flagged.itertuples():
        part = needs if r.status == performance.NEEDS_MEASURES else watch
        assert f"{pipeline.cluster_page_name(r.cluster_code, r.cluster_name)}.html" in part


def test_every_map_polygon_is_a_titled_link_to_its_profile(ctx):
    svg = front.cluster_map(ctx).body
    anchors = re.findall(r"<a href='\.\./clusters/([^']+)\.html' class='ci-map-link' aria-label='([^']+)'><title>([^<]+)</title><path d='M", svg)
    expected = {pipeline.cluster_page_name(r.cluster_code, r.cluster_name): r.cluster_name for r in ctx.clusters.itertuples()}
    assert {a[0] for a in anchors} == set(expected) and len(anchors) == len(expected)
    for page, label, title in anchors:
        assert label == title and title.startswith(expected[page].replace("&", "&amp;"))
    assert "aria-describedby='cluster-map-desc'" in svg and "id='cluster-map-desc'" in svg


def test_the_map_has_a_table_alternative_with_every_cluster(ctx):
    body = front.cluster_table(ctx).body
    assert body.count("<tr><th scope='row'><a href='../clusters/") == len(ctx.clusters)


def test_finder_lists_every_cluster_with_its_real_wards(ctx):
    attrs = geography.lsoa_attributes(ctx.paths).merge(ctx.frames["lsoa_cluster_lookup"], on="lsoa11cd")
    alpha = front.finder_alphabetical(ctx).body
    lines = alpha.strip().splitlines()
    assert len(lines) == len(ctx.clusters)
    names = [re.match(r"- \[(.+?)\]\(", l).group(1).replace("\\", "") for l in lines]
    assert names == sorted(names)
    for row in ctx.clusters.itertuples():
        line = next(l for l in lines if f"({front.profile_href(row.cluster_code, row.cluster_name)})" in l)
        for ward in attrs.loc[attrs["cluster_code"] == row.cluster_code, "wd13nm"].unique():
            assert front._md(ward) in line
        assert front._md(row.governance) in line
    by_area = front.finder_by_area(ctx).body
    assert by_area.count("- [") == len(ctx.clusters)
    index = front.ward_index(ctx).body
    assert index.count("\n- **") + 1 == attrs["wd13nm"].nunique()


def test_finder_is_markdown_so_the_site_search_indexes_ward_names(ctx):
    out = front.finder_alphabetical(ctx)
    assert hasattr(out, "_repr_markdown_") and not hasattr(out, "_repr_html_")
