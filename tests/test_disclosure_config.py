"""The suppression threshold is the data owner's setting (data/reference/disclosure.toml): read
when the program starts, used by every table and by the leak scan, and checked by validate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_inquiry import cli
from cluster_inquiry.stats import disclosure

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_setting_is_the_dfe_rule():
    assert disclosure.read_policy_file(ROOT / disclosure.POLICY_FILE) == disclosure.DisclosurePolicy(1, 5)
    assert disclosure.DEFAULT_POLICY == disclosure.DisclosurePolicy(1, 5)


@pytest.mark.parametrize(
    "text, message",
    [
        ("min_count = 1\nmax_count = 'five'\n", "must be a whole number"),
        ("min_count = 6\nmax_count = 5\n", "0 <= min_count <= max_count"),
        ("min_count = 1\nmax_count = 5\nround_to = 10\n", "unknown setting(s) round_to"),
        ("min_count = 1\nmax_count = \n", "not valid TOML"),
    ],
)
def test_a_broken_setting_is_refused_with_a_reason(tmp_path, text, message):
    path = tmp_path / "disclosure.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)")):
        disclosure.read_policy_file(path)


def _project(tmp_path: Path, setting: str) -> Path:
    root = tmp_path / "project"
    (root / "data" / "reference").mkdir(parents=True)
    for part in (ROOT / "data").iterdir():
        if part.name != "reference":
            os.symlink(part, root / "data" / part.name)
    for part in (ROOT / "data" / "reference").iterdir():
        if part.name != "disclosure.toml":
            os.symlink(part, root / "data" / "reference" / part.name)
    (root / "data" / "reference" / "disclosure.toml").write_text(setting, encoding="utf-8")
    for part in ("_toc.yml", "pyproject.toml"):
        os.symlink(ROOT / part, root / part)
    return root


def test_a_new_threshold_reaches_tables_and_the_leak_scan(tmp_path):
    """In a fresh process (as every build and kernel is), 1 to 9 hides a 7 and the scan looks for it."""
    root = _project(tmp_path, "min_count = 1\nmax_count = 9\n")
    code = (
        "import pandas as pd\n"
        "from cluster_inquiry.checks import leakscan\n"
        "from cluster_inquiry.stats import disclosure\n"
        "print(disclosure.DEFAULT_POLICY.describe())\n"
        "t = pd.DataFrame({'n': [7, 40, 12]}, index=['a', 'b', 'c'])\n"
        "print(list(disclosure.suppress_table(t, ['n'], col_total=False, row_total=False).table['n']))\n"
        "f = {'clusters': pd.DataFrame({'cluster_code': ['C01'], 'cluster_name': ['A']}),\n"
        "     'obsessions_monthly': pd.DataFrame({'cluster_code': ['C01'], 'month': ['2013-09'], 'lac_count': [7]})}\n"
        "print([x.value for x in leakscan.collect_facts(f).facts])\n"
    )
    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(root))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["counts from 1 to 9", "['c', 40, 12]", "[7]"]


def _validate_with(tmp_path, monkeypatch, setting: str):
    """``cluster-inquiry validate`` of the shipped data in a project whose disclosure.toml says ``setting``."""
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(_project(tmp_path, setting)))
    return CliRunner().invoke(cli.app, ["validate", "--data-dir", str(ROOT / "data" / "clusters")])


def test_validate_reports_a_broken_setting(tmp_path, monkeypatch):
    result = _validate_with(tmp_path, monkeypatch, "min_count = 1\nmax_count = 'five'\n")
    assert result.exit_code == 1
    assert "disclosure.toml:-: max_count: must be a whole number, got 'five'" in result.output


def test_validate_reports_a_setting_changed_while_running(tmp_path, monkeypatch):
    """This process started with 1 to 5; a file now saying 1 to 9 must not be half-applied."""
    result = _validate_with(tmp_path, monkeypatch, "min_count = 1\nmax_count = 9\n")
    assert result.exit_code == 1
    assert "says counts from 1 to 9 but the running program uses counts from 1 to 5" in result.output


# ----------------------------------------------------------------------------- the floor (issue 17, item 1)

WEAKER = [
    ("min_count = 0\nmax_count = 0\n", "max_count", "must be at least 5, got 0"),
    ("min_count = 6\nmax_count = 10\n", "min_count", "must be at most 1, got 6"),
    ("min_count = 1\nmax_count = 1\n", "max_count", "must be at least 5, got 1"),
    ("max_count = 4\n", "max_count", "must be at least 5, got 4"),
]


@pytest.mark.parametrize("text, key, rule", WEAKER)
def test_a_setting_weaker_than_the_floor_is_refused(tmp_path, text, key, rule):
    path = tmp_path / "disclosure.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(disclosure.PolicyError, match=rule) as info:
        disclosure.read_policy_file(path)
    assert info.value.key == key
    with pytest.raises(ValueError):  # nor can code build a weaker policy
        disclosure.DisclosurePolicy(*{"min_count": (6, 10), "max_count": (1, 1)}.get(key, (1, 1)))


@pytest.mark.parametrize("text, key, rule", WEAKER)
def test_validate_refuses_a_setting_weaker_than_the_floor(tmp_path, monkeypatch, text, key, rule):
    result = _validate_with(tmp_path, monkeypatch, text)
    assert result.exit_code == 1, result.output
    assert f"disclosure.toml:-: {key}: {rule}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", ["min_count = 1\nmax_count = 9\n", "min_count = 0\nmax_count = 5\n"])
def test_a_stricter_setting_is_accepted_and_the_legend_states_it(tmp_path, text):
    path = tmp_path / "disclosure.toml"
    path.write_text(text, encoding="utf-8")
    policy = disclosure.read_policy_file(path)
    legend = disclosure.legend_markdown(policy)
    assert policy.describe() in legend
    assert ("A 0 is a true zero" in legend) == (policy.min_count == 1)


def test_a_directory_for_the_setting_is_one_line(tmp_path):
    (tmp_path / "disclosure.toml").mkdir()
    with pytest.raises(disclosure.PolicyError, match="cannot be read"):
        disclosure.read_policy_file(tmp_path / "disclosure.toml")


def test_build_refuses_a_weaker_setting_before_any_notebook(tmp_path, monkeypatch):
    """The build's own gate (not only ``validate``) stops on ``min_count = 0, max_count = 0``."""
    import papermill

    from cluster_inquiry import pipeline
    from cluster_inquiry.build import execute

    root = _project(tmp_path, "min_count = 0\nmax_count = 0\n")
    for part in ("notebooks", "book", "_config.yml"):
        os.symlink(ROOT / part, root / part)
    started: list[str] = []

    def refuse(*args, **kwargs):
        started.append("notebook")
        raise AssertionError("a notebook was started although the setting is refused")

    for mod, attr in ((papermill, "execute_notebook"), (execute, "papermill_execute"),
                      (pipeline, "run_notebooks"), (pipeline, "build_html")):
        monkeypatch.setattr(mod, attr, refuse)
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(root))
    result = CliRunner().invoke(cli.app, ["build", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "disclosure.toml:-: max_count: must be at least 5, got 0" in result.output
    assert started == []
