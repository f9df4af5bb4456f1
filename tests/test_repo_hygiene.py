"""Repository contract: templates are output-free, and toc ⇄ pipeline ⇄ notebooks agree."""

import subprocess

import nbformat
import pytest
import yaml

from cluster_inquiry import pipeline
from cluster_inquiry.core.paths import project_paths

PATHS = project_paths()
TEMPLATES = sorted(PATHS.notebooks.glob("*.ipynb"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: strip outputs (nbstripout)"
            assert cell.execution_count is None


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_a_parameters_cell_and_a_title(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert first_md.source.lstrip().startswith("# ")


def _toc_files(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"file", "root"}:
                yield value
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


def test_every_theme_is_in_the_toc_and_has_a_template():
    toc = yaml.safe_load((PATHS.root / "_toc.yml").read_text())
    files = set(_toc_files(toc))
    for theme, template in pipeline.THEMES.items():
        assert f"generated/themes/{theme}" in files, f"theme {theme} missing from _toc.yml"
        assert (PATHS.notebooks / template).exists()
    for f in files:
        if not f.startswith("generated/"):
            assert (PATHS.root / f"{f}.md").exists() or (PATHS.root / f"{f}.ipynb").exists(), f


def test_no_build_outputs_or_venv_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=PATHS.root, capture_output=True, text=True).stdout.splitlines()
    if not tracked:
        pytest.skip("not a git checkout")
    bad = [t for t in tracked if t.startswith((".venv/", "_build/", "book/generated/", "data/processed/")) or "__pycache__" in t]
    assert not bad, bad
