"""The data commands (``skelrnn data inspect|synth``) and provenance: records carry the commit."""

import os
import re
import subprocess

import pytest

from skelrnn.cli import main
from skelrnn.core import backend
from skelrnn.data import loading, splits
from skelrnn.data.ntu import skeleton_format


def test_synth_writes_the_embedded_dataset_and_inspect_describes_it(tmp_path, capsys):
    folder = tmp_path / "data"
    assert main(["data", "synth", str(folder), "--actions", "8-9"]) == 0
    files = sorted(folder.glob("*.skeleton"))
    assert len(files) == 2 * 40 * 3 and capsys.readouterr().out.startswith(f"[skelrnn] {len(files)} .skeleton")
    files[0].write_text("12\n")  # a frame count and then nothing: a bad file
    assert main(["data", "inspect", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"samples: {len(files) - 1}" in out and "classes: 2, subjects: 40, cameras: 3" in out
    assert "A008 sitting down: 119" in out and "A009 standing up (from sitting position): 120" in out
    assert "unreadable or misnamed files: 1" in out and f"{files[0]}: line 2" in out


def test_synth_writes_a_folder_shaped_unlike_ntu(tmp_path, capsys):
    folder = tmp_path / "odd"
    argv = ["data", "synth", str(folder), "--cameras", "1", "--subjects", "1,3,25", "--actions", "1-4",
            "--max-frames", "40"]  # fmt: skip
    assert main(argv) == 0
    names = sorted(p.name for p in folder.glob("*.skeleton"))
    assert len(names) == 3 * 4 and not (folder / "manifest.json").exists(), "a reader's folder: files only"
    assert {n[8:12] for n in names} == {"P001", "P003", "P025"} and {n[4:8] for n in names} == {"C001"}
    capsys.readouterr()
    assert main(["data", "inspect", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "samples: 12" in out and "classes: 4, subjects: 3, cameras: 1" in out
    data = loading.load(folder, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    assert data.lengths.max() <= 40, "--max-frames holds"
    assert splits.two_views(data, 0) is None, "one camera: no two views to compare"
    assert all(len(idx) == 4 for idx in data.split("cross_subject").values()), "one subject per split"


def test_two_views_finds_a_performance_with_two_cameras(tmp_path):
    folder = tmp_path / "two"
    assert main(["data", "synth", str(folder), "--cameras", "2", "--subjects", "1", "--actions", "1-2"]) == 0
    (folder / "S001C002P001R001A001.skeleton").unlink()  # the first performance keeps one camera
    data = loading.load(folder, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    first = data.names.index(skeleton_format.parse_sample_name("S001C001P001R001A001"))
    pair = splits.two_views(data, first)
    assert [str(data.names[i]) for i in pair] == ["S001C001P001R001A002", "S001C002P001R001A002"]
    assert splits.two_views(data, pair[1]) == pair, "a sample's own performance first, cameras in order"


def test_a_folder_at_a_slower_rate_from_the_command_line(tmp_path):
    folder = tmp_path / "slow"
    argv = ["data", "synth", str(folder), "--cameras", "1", "--subjects", "1,3,25", "--actions", "1-2",
            "--replications", "2", "--min-frames", "26", "--max-frames", "60", "--fps", "15"]  # fmt: skip
    assert main(argv) == 0
    data = loading.load(folder, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    assert len(data) == 3 * 2 * 2 and data.fps == 15, "subjects x actions x performances, declared rate"
    assert 13 <= data.lengths.min() and data.lengths.max() <= 30, "26-60 frames at 30 fps, 1 in 2 kept"


def test_data_commands_refuse_bad_requests(tmp_path):
    with pytest.raises(SystemExit, match="no form of NTU RGB\\+D in this folder"):
        main(["data", "inspect", str(tmp_path)])
    with pytest.raises(SystemExit, match="--actions 'a-b': expected numbers"):
        main(["data", "synth", str(tmp_path), "--actions", "a-b"])
    with pytest.raises(SystemExit, match="--subjects 'x': expected numbers"):
        main(["data", "synth", str(tmp_path), "--subjects", "x"])
    with pytest.raises(SystemExit, match="n_cameras"):
        main(["data", "synth", str(tmp_path), "--cameras", "4"])
    with pytest.raises(SystemExit, match=r"subjects: expected numbers in 1\.\.3"):
        main(["data", "synth", str(tmp_path), "--subjects", "0-3"])
    with pytest.raises(SystemExit, match="fps: expected 30 divided by a whole number"):
        main(["data", "synth", str(tmp_path), "--subjects", "1", "--fps", "12"])


def _git(cwd, *args):
    """git in the test's own repository, blind to the user's and the machine's git configuration."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def test_records_name_the_commit_of_the_library(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above tmp_path is seen
    repo, package = tmp_path / "repo", tmp_path / "repo" / "lib" / "pkg"
    package.mkdir(parents=True)
    (package / "code.py").write_text("x = 1\n")
    (repo / "notes.md").write_text("outside the package\n")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.name", "Test")
    _git(repo, "config", "user.email", "test@example.invalid")
    _git(repo, "config", "commit.gpgsign", "false")
    _git(repo, "add", ".")
    printed = _git(repo, "commit", "-m", "first")  # "[main (root-commit) 1a2b3c4] first"
    short = re.search(r"\b([0-9a-f]{7,40})\]", printed).group(1)
    head = _git(repo, "rev-parse", "HEAD")
    assert head.startswith(short) and len(head) == 40

    assert backend.library_commit(package) == head
    (repo / "notes.md").write_text("changed, but not the library\n")
    assert backend.library_commit(package) == head, "changes outside the package do not count"
    (package / "code.py").write_text("x = 2\n")
    assert backend.library_commit(package) == f"{head} + uncommitted changes"
    _git(repo, "commit", "-qam", "second")
    second = _git(repo, "rev-parse", "HEAD")
    assert second != head and backend.library_commit(package) == second, "a new commit: clean again"
    (package / "new.py").write_text("y = 1\n")  # untracked: the tree differs from the commit too
    assert backend.library_commit(package) == f"{second} + uncommitted changes"

    outside = tmp_path / "plain"
    outside.mkdir()
    assert backend.library_commit(outside) == "unknown (not a git checkout)"
    monkeypatch.setenv("PATH", str(outside))  # no git program at all
    assert backend.library_commit(package) == "unknown (FileNotFoundError: git not usable)"


def test_describe_names_the_commit_of_the_installed_library():
    commit = backend.library_commit()
    assert re.fullmatch(r"[0-9a-f]{40}( \+ uncommitted changes)?|unknown \(.+\)", commit), commit
    assert backend.describe()["commit"] == commit
