"""The data contract: shipped data pass; a bad row is rejected with file, row, column and rule."""

import shutil

import pandas as pd
import pytest

from cluster_inquiry.core.exceptions import InputValidationError
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.validation import load_inputs, validate_inputs


@pytest.fixture()
def data_copy(tmp_path):
    paths = project_paths()
    dest = tmp_path / "clusters"
    shutil.copytree(paths.clusters, dest)
    return dest


def test_shipped_data_pass_the_contract():
    report = validate_inputs()
    assert report.ok, report.problems[:10]
    assert {"clusters", "lsoa_cluster_lookup", "obsessions_monthly", "key_indicators"} <= set(report.frames)


def _edit(path, row, column, value):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False, lineterminator="\n")


def test_a_word_in_a_count_column_is_named_precisely(data_copy):
    _edit(data_copy / "obsessions_monthly.csv", 4, "lac_count", "twelve")
    report = validate_inputs(directory=data_copy)
    # data row index 4 is line 6 of the file (line 1 is the header)
    assert "obsessions_monthly.csv:6: lac_count: must be a whole number (got 'twelve')" in report.problems


def test_numerator_above_denominator_names_both_columns(data_copy):
    _edit(data_copy / "obsessions_monthly.csv", 9, "neet_count", "999999")
    report = validate_inputs(directory=data_copy)
    assert any(p.startswith("obsessions_monthly.csv:11: neet_count, neet_cohort:") for p in report.problems), report.problems


def test_load_inputs_raises_with_every_problem(data_copy):
    _edit(data_copy / "clusters.csv", 0, "governance", "Cooperative")
    _edit(data_copy / "obsessions_monthly.csv", 0, "attendance_pct", "104.5")
    with pytest.raises(InputValidationError) as err:
        load_inputs(directory=data_copy)
    text = str(err.value)
    assert "clusters.csv:2: governance: must be one of" in text
    assert "obsessions_monthly.csv:2: attendance_pct: must be a percentage between 0 and 100" in text
    assert len(err.value.problems) >= 2
