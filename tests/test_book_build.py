"""The build: strict about every chapter (a cell that raises or writes to stderr fails it), a failed
chapter does not stop the others, unchanged chapters are reused, and the command line says so."""

import re
import shutil

import nbformat
import pytest

from skelrnn.core.io import write_json_atomic
from skelrnn.site import book_command

TOC = "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_tiny\n"
FRONT = (
    "---\njupytext:\n  text_representation:\n    format_name: myst\n"
    "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n"
)
PARAMS = '```{code-cell}\n:tags: [parameters]\n\nprofile = "quick"\nresults_dir = "results"\n```\n'


def make_book(root, repo_root, body, more: dict | None = None):
    """A book of one chapter, 01_tiny, whose code cell is ``body``; ``more``: further chapters by name."""
    (root / "book").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(repo_root / "_config.yml", root)
    for name in ("references.bib", "favicon.svg"):  # files that _config.yml names
        shutil.copy(repo_root / "book" / name, root / "book")
    chapters = {"01_tiny": body, **(more or {})}
    (root / "_toc.yml").write_text(TOC.split("chapters:")[0] + "chapters:\n"
                                   + "".join(f"  - file: notebooks/{n}\n" for n in chapters))  # fmt: skip
    (root / "book" / "intro.md").write_text("# Tiny book\n\nA test of the build.\n")
    for name, code in chapters.items():
        text = f"{FRONT}\n# Tiny chapter {name}\n\n{PARAMS}\n```{{code-cell}}\n{code}\n```\n"
        (root / "notebooks" / f"{name}.md").write_text(text)
    return root


def test_good_book_builds_and_hides_the_injected_cell(tmp_path, repo_root):
    src = make_book(tmp_path / "src", repo_root, "print(f'profile is {profile}')")
    report = book_command.build_book(src, "smoke", tmp_path / "out")
    page = (report.site / "notebooks" / "01_tiny.html").read_text()
    assert "profile is smoke" in page
    assert (report.site / "_static" / "plotly.min.js").is_file()
    executed = nbformat.read(tmp_path / "out" / "_build" / "src" / "notebooks" / "01_tiny.ipynb", 4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "remove-cell" in injected[0].metadata["tags"]
    assert [(c.name, c.status) for c in report.chapters] == [("01_tiny", "ran")] and not report.failed


@pytest.mark.parametrize(
    "body, match",
    [
        ("raise RuntimeError('boom')", r"cell 3 raised RuntimeError: boom"),
        ("import warnings\nwarnings.warn('careful')", r"cell 3 wrote to stderr: .*UserWarning: careful"),
    ],
    ids=["exception", "stderr-warning"],
)
def test_a_failing_chapter_gets_a_failure_page_and_the_others_are_built(tmp_path, repo_root, body, match):
    src = make_book(tmp_path / "src", repo_root, "print('fine')", more={"02_bad": body, "03_after": "print('after')"})
    report = book_command.build_book(src, "smoke", tmp_path / "out")
    assert [(c.name, c.status) for c in report.chapters] == [("01_tiny", "ran"), ("02_bad", "failed"),
                                                             ("03_after", "ran")]  # fmt: skip
    [failed] = report.failed
    assert re.search(match, failed.error), failed.error
    page = (report.site / "notebooks" / "02_bad.html").read_text()
    assert "This chapter failed" in page and "Tiny chapter 02_bad" in page
    kept = tmp_path / "out" / "_build" / "failed" / "02_bad.ipynb"
    assert kept.is_file() and ("boom" in kept.read_text() or "careful" in kept.read_text())
    assert "after" in (report.site / "notebooks" / "03_after.html").read_text()
    assert "02_bad" in report.summary("tensorflow") and failed.error in report.summary("tensorflow")


def test_an_unchanged_chapter_is_reused_and_a_changed_or_forced_one_runs_again(tmp_path, repo_root):
    src = make_book(tmp_path / "src", repo_root, "print('one')", more={"02_two": "print('two')"})
    out = tmp_path / "out"
    statuses = lambda report: [c.status for c in report.chapters]  # noqa: E731
    first = book_command.build_book(src, "smoke", out)
    assert statuses(first) == ["ran", "ran"]
    again = book_command.build_book(src, "smoke", out)
    assert statuses(again) == ["reused", "reused"]
    assert "two" in (again.site / "notebooks" / "02_two.html").read_text(), "the reused notebook is shown"
    (src / "notebooks" / "02_two.md").write_text((src / "notebooks" / "02_two.md").read_text().replace("two", "2"))
    assert statuses(book_command.build_book(src, "smoke", out)) == ["reused", "ran"]
    assert statuses(book_command.build_book(src, "smoke", out, parameters={"seed": 1})) == ["ran", "ran"], (
        "new parameters"
    )
    forced = book_command.build_book(src, "smoke", out, parameters={"seed": 1}, chapters=["01_tiny"], force=True)
    assert statuses(forced) == ["ran", "reused"], "--force runs the chosen chapters only"
    fresh = book_command.build_book(src, "smoke", tmp_path / "other", chapters=["02_two"])
    assert statuses(fresh) == ["not selected", "ran"]
    assert "was not run in this build" in (fresh.site / "notebooks" / "01_tiny.html").read_text()


def test_the_command_line_exits_non_zero_on_a_failed_chapter_and_refuses_bad_requests(
    tmp_path, repo_root, monkeypatch, capsys
):
    from skelrnn.cli import main

    src = make_book(tmp_path / "src", repo_root, "print('fine')", more={"02_bad": "1 / 0"})
    monkeypatch.chdir(src)
    assert main(["book", "--profile", "smoke", "--output", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"02_bad +failed", out) and "cell 3 raised ZeroDivisionError" in out
    assert "Keras backend" in out
    assert main(["book", "--profile", "smoke", "--chapters", "07", "--output", str(tmp_path / "out")]) == 1
    assert "unknown chapter '07'; the chapters are: 01_tiny, 02_bad" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no form of NTU RGB\\+D in this folder"):
        main(["book", "--data-dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="no such file or folder"):
        main(["book", "--data-dir", str(tmp_path / "missing")])
    with pytest.raises(SystemExit, match="--data-fps: expected a positive number"):
        main(["book", "--data-fps", "0"])
    monkeypatch.setenv("KERAS_BACKEND", "theano")
    with pytest.raises(SystemExit, match="KERAS_BACKEND='theano': unknown backend; expected one of tensorflow"):
        main(["book", "--profile", "smoke"])
    with pytest.raises(SystemExit):  # argparse: invalid choice
        main(["book", "--profile", "huge"])
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_every_chapter_converts_to_a_notebook_with_stable_cell_ids(tmp_path, repo_root):
    out = book_command.write_notebooks(repo_root, tmp_path)
    assert [p.stem for p in out] == [p.stem for p in book_command.chapter_sources(repo_root)]
    nb = nbformat.read(out[0], 4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert [c.id for c in nb.cells] == [f"cell-{k:03d}" for k in range(len(nb.cells))]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert book_command.write_notebooks(repo_root, tmp_path / "again")[0].read_text() == out[0].read_text()


@pytest.mark.parametrize(
    "text, match",
    [("# No front matter\n", "line 1: expected jupytext front matter"),
     (FRONT + "\n# No parameters\n\n```{code-cell}\nx = 1\n```\n", "no code cell tagged 'parameters'")],
)  # fmt: skip
def test_a_chapter_that_is_not_a_myst_notebook_is_refused(tmp_path, text, match):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_bad.md").write_text(text)
    with pytest.raises(book_command.BookError, match=match):
        book_command.write_notebooks(tmp_path, tmp_path / "out")


def test_a_chapter_missing_from_the_toc_fails_the_build(tmp_path, repo_root):
    src = make_book(tmp_path / "src", repo_root, "x = 1")
    shutil.copy(src / "notebooks" / "01_tiny.md", src / "notebooks" / "02_forgotten.md")
    with pytest.raises(book_command.BookError, match="not in the table of contents: 02_forgotten"):
        book_command.build_book(src, "smoke", tmp_path / "out")


def test_the_citation_file_cites_the_book_and_the_thesis(repo_root):
    import yaml

    cff = yaml.safe_load((repo_root / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and "skelrnn" in cff["title"] and cff["type"] == "software"
    assert cff["version"] == __import__("skelrnn").__version__, "the citation's version is the library's"
    thesis = cff["preferred-citation"]
    assert thesis["title"] == "Learning action recognition from 3D poses" and thesis["year"] == 2017
    assert thesis["authors"][0]["family-names"] == "Le Roux"


def test_a_teachers_build_keeps_the_exercises_and_drops_the_solutions(tmp_path, repo_root):
    exercise = (
        "x = 3\n```\n\n## Exercises\n\n```{exercise}\n:label: ex-tiny\n\nPredict $x^2$.\n```\n\n"
        "```{solution-start} ex-tiny\n:class: dropdown\n```\n\n```{code-cell}\nanswer = x**2\nassert answer == 9\n"
        "print(f'the answer is {answer}')\n```\n\n```{solution-end}\n```\n\nAfter the solution.\n\n"
        "```{code-cell}\ny = 1"
    )
    src = make_book(tmp_path / "src", repo_root, exercise)
    with_solutions = book_command.build_book(src, "smoke", tmp_path / "out").site / "notebooks" / "01_tiny.html"
    page = with_solutions.read_text()
    assert "Predict" in page and "the answer is 9" in page and 'class="solution dropdown' in page
    teacher = (
        book_command.build_book(src, "smoke", tmp_path / "out", solutions=False).site / "notebooks" / "01_tiny.html"
    )
    page = teacher.read_text()
    assert "Predict" in page and "After the solution." in page
    assert "the answer is 9" not in page and 'class="solution' not in page


def test_the_full_profile_without_a_gpu_warns_with_the_quick_profiles_estimate(tmp_path, monkeypatch, capsys):
    import keras

    from skelrnn import cli
    from skelrnn.reporting import record_tables
    from skelrnn.reporting.costs import SUMMARY_FORMAT

    backend = keras.backend.backend()
    monkeypatch.setattr(cli, "describe", lambda: {"device": "CPU", "backend": backend})
    cli._warn_without_gpu(tmp_path)
    assert "no estimate yet: `skelrnn book --profile full --rehearse`" in capsys.readouterr().err
    record_tables.write_cost_estimate(
        tmp_path / "quick", "baselines", record_tables.full_profile_estimate(1e-5, 10**7, 100, 30)
    )
    record_tables.write_cost_estimate(
        tmp_path / "quick", "motion", record_tables.full_profile_estimate(1e-5, 10**7, 100, 9)
    )
    cli._warn_without_gpu(tmp_path)
    err = capsys.readouterr().err
    assert "meant for a GPU and none is visible" in err and "about 108 h" in err and "baselines 83.3 h" in err
    summary = {"format": SUMMARY_FORMAT, "backend": backend, "device": "CPU (test, 2 cores)",
               "chapters": {"03_baselines": {"hours": 1200.4, "hours range": [1100.0, 1300.0]},
                            "07_inattention": {"hours": 800.0, "hours range": [700.0, 900.0]}}}  # fmt: skip
    write_json_atomic(tmp_path / "full" / "rehearsal" / f"{summary['backend']}.json", summary)
    cli._warn_without_gpu(tmp_path)
    err = capsys.readouterr().err
    assert "its rehearsal on CPU (test, 2 cores) extrapolates it to at most about 2,000 h (03 1,200 h, 07 800 h;" in err
    monkeypatch.setattr(cli, "describe", lambda: {"device": "1 GPU (H200)", "backend": backend})
    cli._warn_without_gpu(tmp_path)
    assert capsys.readouterr().err == ""
