"""figures.name_list: the lists of names written into key findings."""

from __future__ import annotations

import pytest

from cluster_inquiry.figures import name_list


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
