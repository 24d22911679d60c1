"""benchmarks/README.md is written from the benchmarks' records (benchmarks/readme.py): every figure
on it comes from a record, and the page is what the records give today."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def readme():
    spec = importlib.util.spec_from_file_location("benchmark_readme", ROOT / "benchmarks" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_what_its_template_and_the_records_give(readme):
    template = readme.TEMPLATE.read_text()
    assert readme.README.read_text() == readme.render(template, readme.records()), (
        "benchmarks/README.md differs from its records: run .venv/bin/python benchmarks/readme.py"
    )


def test_the_template_types_no_figure(readme):
    assert readme.literal_figures(readme.TEMPLATE.read_text()) == []


def test_every_record_is_on_the_page(readme):
    template = readme.TEMPLATE.read_text()
    unused = [name for name in readme.records() if f"{name}." not in template and f"{name}[" not in template]
    assert unused == [], "a record that the page does not show"


@pytest.mark.parametrize(
    "text",
    ["takes 5.15 s", "about 4x per update", "88 % useful", "generated in 24 s", "40,091 sequences", "on 2026-12-06"],
)
def test_a_typed_figure_is_found(readme, text):
    assert [figure for _line, figure in readme.literal_figures(f"Line.\n{text}\n")], text


def test_figures_in_code_and_placeholders_are_not_typed_ones(readme):
    text = "`--repeats 5.5`\n\n    python x.py 3.5\n\n{{ train.engine_vs_fit | .2f }}x, 3 seeds, GRU 3 x 100\n"
    assert readme.literal_figures(text) == []


def test_a_changed_record_changes_the_page(readme, tmp_path):
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    record = json.loads((tmp_path / "train.json").read_text())
    record["engine_vs_fit"] = 0.5
    (tmp_path / "train.json").write_text(json.dumps(record))
    page = readme.render(readme.TEMPLATE.read_text(), readme.records(tmp_path))
    assert "**0.50x** `fit`" in page and page != readme.README.read_text()


def test_a_broken_placeholder_names_its_line(readme):
    with pytest.raises(ValueError, match=r"line 2: \{\{ train.no_such_key \}\}"):
        readme.render("Line.\n{{ train.no_such_key }}\n", readme.records())
