"""Every case of the bad-input corpus (tests/bad_inputs/) is refused with a precise message.

For each case: ``validate`` and ``build`` exit 1 naming file, row, column and rule, without a
traceback; no notebook starts; the previously published site is byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cluster_inquiry import cli

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.json").exists())
#: files as councils' tools write them, which must be accepted (tests/accepted_inputs/README.md)
ACCEPTED_CORPUS = Path(__file__).parent / "accepted_inputs"
ACCEPTED = sorted(p.name for p in ACCEPTED_CORPUS.iterdir() if (p / "case.json").exists())
runner = CliRunner()


def load_case(name: str) -> dict:
    return json.loads((CORPUS / name / "case.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- mutations


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(df: pd.DataFrame, path: Path, sep: str = ",") -> None:
    df.to_csv(path, index=False, lineterminator="\n", sep=sep)


def apply_mutation(data: Path, case_dir: Path, m: dict) -> None:
    """Break one file in ``data`` (a copy of data/clusters) as ``m`` says."""
    path = data / m["file"]
    op = m["op"]
    if op == "delete":
        path.unlink()
    elif op == "truncate":
        path.write_bytes(b"")
    elif op == "keep_lines":
        path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[: m["lines"]]), encoding="utf-8")
    elif op == "copy_in":
        shutil.copy(case_dir / m["file"], path)
    elif op == "prefix_bytes":
        path.write_bytes(bytes.fromhex(m["hex"]) + path.read_bytes())
    elif op == "replace_bytes":
        raw = path.read_bytes()
        assert m["find"].encode() in raw, f"marker {m['find']!r} not found"
        path.write_bytes(raw.replace(m["find"].encode(), bytes.fromhex(m["hex"]), 1))
    elif op == "reencode":
        path.write_bytes(path.read_text(encoding="utf-8").encode(m["encoding"]))
    elif op == "replace_all_bytes":
        raw = path.read_bytes()
        assert m["find"].encode() in raw, f"marker {m['find']!r} not found"
        path.write_bytes(raw.replace(m["find"].encode(), m["replace"].encode()))
    elif op == "make_dir":  # a folder where the file should be
        path.unlink()
        path.mkdir()
    elif op == "make_fifo":  # a named pipe: reading it would block for ever
        path.unlink()
        os.mkfifo(path)
    elif op == "symlink":  # a link to m["target"] (missing, or the link itself: a loop)
        path.unlink()
        os.symlink(m["target"], path)
    else:
        df = _read(path)
        if op == "set":
            df.loc[m["row"], m["column"]] = m["value"]
        elif op == "copy_cell":
            value = df.loc[m["from_row"], m["column"]]
            df.loc[m["row"], m["column"]] = value.upper() if m.get("transform") == "upper" else value
        elif op == "drop_column":
            df = df.drop(columns=[m["column"]])
        elif op == "add_column":
            df[m["column"]] = m["value"]
        elif op == "duplicate_row":
            row = df.iloc[[m["row"]]].copy()
            for column, value in m.get("set", {}).items():
                row[column] = value
            df = pd.concat([df.iloc[: m["row"] + 1], row, df.iloc[m["row"] + 1 :]], ignore_index=True)
        elif op == "delete_row":
            df = df.drop(index=m["row"]).reset_index(drop=True)
        elif op == "scale":
            where = pd.Series(True, index=df.index)
            for column, value in m["where"].items():
                where &= df[column] == value
            df.loc[where, m["column"]] = (df.loc[where, m["column"]].astype(int) * m["factor"]).astype(str)
        elif op == "redelimit":
            _write(df, path, sep=m["delimiter"])
            return
        else:
            raise ValueError(f"unknown mutation {op!r}")
        _write(df, path)


def broken_copy(name: str, dest: Path, corpus: Path = CORPUS) -> Path:
    """A copy of the shipped data/clusters with the case's mutations applied."""
    shutil.copytree(ROOT / "data" / "clusters", dest)
    for m in json.loads((corpus / name / "case.json").read_text(encoding="utf-8"))["mutations"]:
        apply_mutation(dest, corpus / name, m)
    return dest


def assert_reported(output: str, expect: list[str], case: dict | None = None) -> None:
    lines = output.splitlines()
    assert any(all(e in line for e in expect) for line in lines), f"no line has all of {expect!r}:\n{output}"
    assert "Traceback" not in output
    for word in (case or {}).get("forbid", []):  # e.g. pandas' names for columns the file does not have
        assert word not in output, f"{word!r} in:\n{output}"
    if (case or {}).get("max_lines"):  # root causes first: what follows from them is said once
        assert len(lines) <= case["max_lines"], output
    if (case or {}).get("max_line"):
        assert max(map(len, lines)) <= case["max_line"], "values in messages are shortened"


# ----------------------------------------------------------------------------- a fake published site


def fake_project(tmp: Path, name: str) -> Path:
    """A project root holding the broken data and an already published site."""
    root = tmp / "project"
    (root / "data").mkdir(parents=True)
    for part in (ROOT / "data").iterdir():  # raw, reference, inquiry, …: everything but the clusters
        if part.name not in ("clusters", "processed"):
            os.symlink(part, root / "data" / part.name)
    for part in ("notebooks", "book", "_toc.yml", "_config.yml", "pyproject.toml"):
        os.symlink(ROOT / part, root / part)
    broken_copy(name, root / "data" / "clusters")
    site = root / "_build" / "sites" / "site-old"
    (site / "generated").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>the last good site</body></html>\n", encoding="utf-8")
    (site / "generated" / "page.html").write_bytes(b"\x00binary-ish\xff page\n")
    os.symlink("sites/site-old", root / "_build" / "html")
    (root / "_build" / "executed").mkdir()
    (root / "_build" / "executed" / "old.ipynb").write_text("{}", encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder``: file hash, link target or 'dir' (links are not followed)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for d in dirnames:
            p = Path(dirpath) / d
            out[str(p.relative_to(folder))] = f"link:{os.readlink(p)}" if p.is_symlink() else "dir"
        for f in filenames:
            p = Path(dirpath) / f
            rel = str(p.relative_to(folder))
            out[rel] = f"link:{os.readlink(p)}" if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture()
def no_notebooks(monkeypatch):
    """Record (and refuse) any attempt to execute a notebook or run Jupyter Book."""
    import papermill

    from cluster_inquiry import pipeline
    from cluster_inquiry.build import execute

    calls: list[str] = []

    def refuse(*args, **kwargs):
        calls.append(repr(args[:1]))
        raise AssertionError("a notebook was started although the inputs are bad")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)
    monkeypatch.setattr(execute, "papermill_execute", refuse)
    monkeypatch.setattr(pipeline, "run_notebooks", refuse)
    monkeypatch.setattr(pipeline, "build_html", refuse)
    return calls


# ----------------------------------------------------------------------------- tests


def test_corpus_covers_at_least_15_kinds_of_bad_input():
    assert len(CASES) >= 15
    for name in CASES:
        case = load_case(name)
        assert case["description"] and case["mutations"] and case["expect"], name


def test_mutations_really_change_the_data(tmp_path):
    """Guard against a case that silently does nothing (it would then 'pass' for the wrong reason)."""
    shipped = snapshot(ROOT / "data" / "clusters")
    for name in CASES:
        assert _snapshot_any(broken_copy(name, tmp_path / name)) != shipped, name
    for name in ACCEPTED:
        assert _snapshot_any(broken_copy(name, tmp_path / f"ok-{name}", ACCEPTED_CORPUS)) != shipped, name


def _snapshot_any(folder: Path) -> dict[str, str]:
    """Like snapshot, but a FIFO, a folder or a dangling link is named, not read."""
    out = {}
    for p in sorted(folder.iterdir()):
        out[p.name] = (f"link:{os.readlink(p)}" if p.is_symlink() else "dir" if p.is_dir()
                       else hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "special")
    return out


@pytest.mark.parametrize("name", CASES)
def test_validate_names_file_row_column_and_rule(name, tmp_path):
    case = load_case(name)
    data = broken_copy(name, tmp_path / "clusters")
    result = runner.invoke(cli.app, ["validate", "--data-dir", str(data)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert_reported(result.output, case["expect"], case)


#: a few cases of different kinds (file, encoding, row, cross-table, geometry) for the fast suite;
#: every case runs through ``build`` in the integration suite (validation of 16 tables takes seconds)
QUICK_BUILD = ["missing_file", "stray_byte", "word_in_count", "city_total_mismatch", "invalid_geometry", "markup_in_cell",
               "fifo_for_file", "extra_field_first_row"]
BUILD_CASES = [n if n in QUICK_BUILD else pytest.param(n, marks=pytest.mark.integration) for n in CASES]


@pytest.mark.parametrize("name", BUILD_CASES)
def test_build_stops_before_any_notebook_and_keeps_the_old_site(name, tmp_path, monkeypatch, no_notebooks):
    case = load_case(name)
    root = fake_project(tmp_path, name)
    before = snapshot(root / "_build")
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(root))
    result = runner.invoke(cli.app, ["build", "--quiet"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert_reported(result.output, case["expect"], case)
    assert no_notebooks == []
    assert snapshot(root / "_build") == before
    assert (root / "_build" / "html" / "index.html").read_text(encoding="utf-8") == "<html><body>the last good site</body></html>\n"


def test_real_cli_process_prints_no_traceback(tmp_path):
    """The installed entry point, in its own process, for one case: exit 1, message, no traceback."""
    root = fake_project(tmp_path, "word_in_count")
    before = snapshot(root / "_build")
    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(root))
    exe = Path(sys.executable).with_name("cluster-inquiry")
    for args in (["validate"], ["build", "--quiet"]):
        proc = subprocess.run([str(exe), *args], cwd=root, env=env, capture_output=True, text=True)
        assert proc.returncode == 1, proc.stderr
        assert_reported(proc.stdout + proc.stderr, load_case("word_in_count")["expect"])
    assert snapshot(root / "_build") == before


# ----------------------------------------------------------------------------- what councils' tools write (issue 17, item 9)


@pytest.fixture(scope="module")
def shipped_frames():
    from cluster_inquiry.data.validation import validate_inputs

    report = validate_inputs()
    assert report.ok, report.problems
    return report.frames


@pytest.mark.parametrize("name", ACCEPTED)
def test_files_as_councils_tools_write_them_are_accepted(name, tmp_path, shipped_frames):
    """Each case validates; where only the form changed, the tables read are exactly the shipped ones;
    tidying is said once per file (a note), never once per cell."""
    from cluster_inquiry.data.validation import validate_inputs

    case = json.loads((ACCEPTED_CORPUS / name / "case.json").read_text(encoding="utf-8"))
    data = broken_copy(name, tmp_path / "clusters", ACCEPTED_CORPUS)
    report = validate_inputs(directory=data)
    assert report.ok, report.problems[:5]
    if case["same_as_shipped"]:
        for table in {m["file"].removesuffix(".csv") for m in case["mutations"]}:
            pd.testing.assert_frame_equal(report.frames[table], shipped_frames[table])
    for expected in case["notes"]:
        assert sum(expected in note for note in report.notes) == 1, report.notes
    assert len(report.notes) == len(case["notes"]), report.notes
