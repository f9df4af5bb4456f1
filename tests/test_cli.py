"""The CLI is a thin shell: expected errors give a message and exit 1, never a traceback."""

import shutil

import pandas as pd
from typer.testing import CliRunner

from cluster_inquiry import cli, pipeline
from cluster_inquiry.core.paths import project_paths

runner = CliRunner()


def test_validate_passes_on_shipped_data():
    result = runner.invoke(cli.app, ["validate"])
    assert result.exit_code == 0, result.output


def test_validate_lists_problems_and_exits_1(tmp_path):
    data = tmp_path / "clusters"
    shutil.copytree(project_paths().clusters, data)
    df = pd.read_csv(data / "clusters.csv", dtype=str, keep_default_na=False)
    df.loc[2, "area"] = "North"
    df.to_csv(data / "clusters.csv", index=False)
    result = runner.invoke(cli.app, ["validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "clusters.csv:4: area: must be one of" in result.output
    assert "Traceback" not in result.output


def test_run_unknown_cluster_is_a_clear_error(monkeypatch):
    called = []
    monkeypatch.setattr(pipeline, "run_notebooks", lambda *a, **k: called.append(1), raising=False)
    result = runner.invoke(cli.app, ["run", "--cluster", "Temple Newsom"])
    assert result.exit_code == 1
    assert "Did you mean: Temple Newsam" in result.output
    assert "Traceback" not in result.output and not called
