"""figures.name_list: the lists of names written into key findings."""

from __future__ import annotations

import pytest

from cluster_inquiry.figures.records import name_list


@pytest.mark.parametrize("names, limit, expected", [
    ([], 3, ""),
    (["Wetherby"], 3, "Wetherby"),
    (["A", "B", "C"], 3, "A, B, C"),
    (["A", "B", "C", "D", "E"], 3, "A, B, C; 2 more"),
])
def test_names_up_to_the_limit_then_how_many_more(names, limit, expected):
    assert name_list(names, limit) == expected


def test_the_count_of_the_rest_never_follows_a_name_directly():
    """"Wetherby 3 more" would read, to the leak scan, as a count of 3 for Wetherby."""
    text = name_list(["Alwoodley", "Wetherby", "Garforth", "Morley"], 2)
    assert text == "Alwoodley, Wetherby; 2 more"


def test_other_wording_and_an_empty_list():
    assert name_list([], 4, more=" and {n} more", empty="none") == "none"
    assert name_list(list("ABCDEF"), 4, more=" and {n} more", empty="none") == "A, B, C, D and 2 more"


def test_no_figure_text_is_smaller_than_the_floor():
    """Every label of a rendered figure is at least MIN_TEXT_PT (12 px at 96 dpi), whatever the chart
    asked for, and the image says so for the browser check (issue 13: readable at 100% zoom)."""
    import matplotlib.pyplot as plt

    from cluster_inquiry.figures.records import MIN_TEXT_PT, Figure

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [3, 4], label="a line")
    ax.set_yticks([3, 4], ["three", "four"], fontsize=6)
    ax.legend(fontsize=5)
    ax.annotate("note", (1.5, 3.5), fontsize=7)
    f = Figure(fig, "A chart", "Alt text for a chart.", "u", "p", "s", "illustrative")
    html = f.to_html()
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_visible() and t.get_text().strip()]
    assert min(sizes) >= MIN_TEXT_PT
    assert f"data-min-text-px='{MIN_TEXT_PT * 96 / 72:.1f}'" in html  # 4 in wide: shown at its own size


def test_a_figure_wider_than_the_column_gets_larger_text():
    """A 10-inch figure is shown scaled to the column: its text is drawn larger so that, as shown,
    it still measures SCREEN_TEXT_PX."""
    import base64
    import re

    import matplotlib.pyplot as plt

    from cluster_inquiry.figures.records import COLUMN_PX, SCREEN_TEXT_PX, Figure

    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot([1, 2], [3, 4])
    ax.set_xlabel("x", fontsize=6)
    f = Figure(fig, "A wide chart", "Alt text for a wide chart.", "u", "p", "s", "illustrative")
    html = f.to_html()
    px = float(re.search(r"data-min-text-px='([0-9.]+)'", html).group(1))
    png = base64.b64decode(re.search(r"base64,([^']+)'", html).group(1))
    width = int.from_bytes(png[16:20], "big")
    assert width > COLUMN_PX and px * COLUMN_PX / width >= SCREEN_TEXT_PX
