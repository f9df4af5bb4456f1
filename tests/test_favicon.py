"""The site's icon (issue 13): every page load asked for a favicon the site did not have (HTTP 404)."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from cluster_inquiry.checks import browser

ROOT = Path(__file__).resolve().parents[1]
_ICON = re.compile(r"<link[^>]*rel=\"(?:shortcut )?icon\"[^>]*href=\"([^\"]+)\"")


def test_the_book_config_names_an_icon_that_exists():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]
    svg = ROOT / config["html_favicon"]
    root = ElementTree.parse(svg).getroot()  # well-formed SVG
    assert root.tag.endswith("svg") and root.get("viewBox")
    (extra,) = config["html_extra_path"]
    ico = (ROOT / extra / "favicon.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00"  # an ICO file, for clients that ask for /favicon.ico


@pytest.mark.integration
def test_every_page_links_an_icon_the_site_serves(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 28
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if "<head" not in text:
            continue
        match = _ICON.search(text)
        assert match, page.relative_to(built_site)
        assert (page.parent / match.group(1)).resolve().is_file(), (page.relative_to(built_site), match.group(1))
    with browser.serve(built_site) as base:
        with urllib.request.urlopen(base + "favicon.ico") as response:
            assert response.status == 200 and response.read()[:4] == b"\x00\x00\x01\x00"
