"""Offline link check of the built site: internal links and anchors resolve; externals are listed."""

from __future__ import annotations

import shutil

import pytest

from cluster_inquiry.checks import linkcheck

pytestmark = pytest.mark.integration


def test_built_site_has_no_broken_internal_links(built_site, artifacts):
    report = linkcheck.check_site(built_site)
    linkcheck.write_report(report, artifacts / "link-check.txt")
    assert report.pages >= 28 and report.links > 100
    assert report.ok, "broken links:\n" + "\n".join(report.broken[:50])


def test_link_check_fails_on_links_planted_in_the_built_site(built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    page = next(p for p in sorted((site / "generated" / "themes").glob("*.html")))
    html = page.read_text(encoding="utf-8")
    planted = '<a href="../clusters/no-such-cluster.html">x</a><a href="#no-such-heading">y</a>'
    page.write_text(html.replace("</main>", planted + "</main>", 1), encoding="utf-8")
    report = linkcheck.check_site(site)
    assert len(report.broken) == 2, report.broken
    assert any("no-such-cluster.html" in b for b in report.broken)
    assert any("#no-such-heading" in b for b in report.broken)
