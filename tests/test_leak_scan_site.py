"""Integration: the leak scan passes on the full built book, really reads it (every small count
of the input is found on the site, shown as ``c``), and fails on a planted leak."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from cluster_inquiry.checks import leakscan
from cluster_inquiry.core.paths import Paths
from cluster_inquiry.data.validation import load_inputs

from conftest import cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def facts(built_book):
    return leakscan.collect_facts(load_inputs(Paths(built_book)))


def _site(root):
    return [root / "_build" / "html", root / "_build" / "executed"]


def _tracker_fact(facts):
    """A small monthly count whose cluster page exists: (fact, page name prefix)."""
    fact = next(f for f in facts.facts if f.measure == "lac" and f.period and f.period.endswith("-05"))
    return fact, fact.cluster.lower() + "-"


def _plant(html: str, month: str, value: int) -> str:
    """Replace the first hidden cell in the tracker row for ``month`` by the true count."""
    pattern = re.compile(rf"(<td>{month}</td>\s*<td>)c(</td>)")
    planted, n = pattern.subn(rf"\g<1>{value}\g<2>", html, count=1)
    assert n == 1, "the tracker row of that month shows no hidden cell to plant into"
    return planted


def test_built_book_passes_and_every_small_count_was_read(built_book, facts):
    result = leakscan.scan(_site(built_book), facts)
    assert result.findings == [], "\n".join(map(str, result.findings[:20]))
    assert facts.facts, "the shipped data have small counts to protect"
    assert result.unplaced(facts) == set(), "the scan did not find these sensitive figures on any page"
    sensitive = [o for o in result.observations if (o.cluster, o.measure, o.period) in facts.keys]
    assert sensitive and {o.text for o in sensitive} <= {"c"}


def test_cli_scan_agrees(built_book):
    proc = cli(built_book, "scan")
    assert proc.returncode == 0, proc.stderr


def test_planted_leak_in_a_page_is_found(built_book, facts, tmp_path):
    fact, prefix = _tracker_fact(facts)
    page = next((built_book / "_build/html/generated/clusters").glob(prefix + "*.html"))
    clean = tmp_path / "clean" / page.name
    clean.parent.mkdir()
    shutil.copy(page, clean)
    assert leakscan.scan_paths([clean.parent], facts) == []
    leaky = tmp_path / "leaky" / page.name
    leaky.parent.mkdir()
    leaky.write_text(_plant(page.read_text(encoding="utf-8"), fact.period, fact.value), encoding="utf-8")
    findings = leakscan.scan_paths([leaky.parent], facts)
    assert len(findings) == 1
    assert f"row '{fact.period}'" in findings[0].where and f"'{fact.value}'" in findings[0].message


def test_planted_leak_in_a_shipped_notebook_is_found(built_book, facts, tmp_path):
    fact, prefix = _tracker_fact(facts)
    source = next((built_book / "_build/html/_sources/generated/clusters").glob(prefix + "*.ipynb"))
    nb = json.loads(source.read_text(encoding="utf-8"))
    planted = False
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = "".join(out.get("data", {}).get("text/html", ""))
            if not planted and f"<td>{fact.period}</td>" in html:
                out["data"]["text/html"] = _plant(html, fact.period, fact.value)
                planted = True
    assert planted
    target = tmp_path / source.name
    target.write_text(json.dumps(nb), encoding="utf-8")
    findings = leakscan.scan_paths([target], facts)
    assert findings and all(source.name in f.file for f in findings)
