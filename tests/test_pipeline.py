"""Job planning and cluster lookup (no kernels started)."""

import pandas as pd
import pytest

from cluster_inquiry import pipeline
from cluster_inquiry.core.exceptions import UnknownClusterError


@pytest.fixture()
def clusters():
    return pd.DataFrame(
        {"cluster_code": ["C01", "C09", "C13"], "cluster_name": ["Alwoodley", "Temple Newsam", "Beeston, Cottingley and Middleton"]}
    )


def test_plan_has_each_theme_then_one_profile_per_cluster(clusters):
    jobs = pipeline.plan_jobs(clusters)
    themes = [j for j in jobs if j.output.startswith("themes/")]
    profiles = [j for j in jobs if j.output.startswith("clusters/")]
    assert len(themes) == len(pipeline.THEMES)
    assert [j.parameters["cluster_code"] for j in profiles] == ["C01", "C09", "C13"]
    assert profiles[2].output == "clusters/c13-beeston-cottingley-and-middleton.ipynb"


def test_cluster_found_by_name_or_code_ignoring_case(clusters):
    assert pipeline.resolve_cluster(clusters, "temple newsam")["cluster_code"] == "C09"
    assert pipeline.resolve_cluster(clusters, "c01")["cluster_name"] == "Alwoodley"


def test_unknown_cluster_lists_close_matches(clusters):
    with pytest.raises(UnknownClusterError, match="Did you mean: Temple Newsam"):
        pipeline.resolve_cluster(clusters, "Temple Newsome")


def test_path_like_cluster_name_is_rejected(clusters):
    with pytest.raises(UnknownClusterError):
        pipeline.resolve_cluster(clusters, "../../etc")
