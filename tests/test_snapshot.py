"""Validated-input snapshots: identical frames to validating again, and never used for changed inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cluster_inquiry.data import snapshot
from cluster_inquiry.core.exceptions import InputValidationError
from cluster_inquiry.core.paths import Paths
from cluster_inquiry.data.validation import load_inputs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def project(tmp_path) -> Paths:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("processed"))
    return Paths(root)


def test_snapshot_gives_the_same_frames_as_validating(project):
    validated = load_inputs(project)
    assert snapshot.load(project) is None
    assert snapshot.save(project, validated) is not None
    loaded = snapshot.load(project)
    assert loaded is not None and set(loaded) == set(validated)
    for name, frame in validated.items():
        pd.testing.assert_frame_equal(loaded[name], frame, check_dtype=True, check_exact=True)


def test_a_changed_input_is_validated_again_never_read_from_an_old_snapshot(project):
    snapshot.save(project, load_inputs(project))
    path = project.clusters / "clusters.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "area"] = "North"  # breaks the contract
    df.to_csv(path, index=False, lineterminator="\n")
    assert snapshot.load(project) is None
    with pytest.raises(InputValidationError, match="clusters.csv:2: area"):
        snapshot.load_inputs(project)
