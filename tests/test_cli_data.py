"""The data commands (``skelrnn data inspect|synth``) and provenance: records carry the commit."""

import os
import re
import subprocess

import pytest

from skelrnn import backend
from skelrnn.__main__ import main


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


def test_data_commands_refuse_bad_requests(tmp_path):
    with pytest.raises(SystemExit, match="no .skeleton files in this folder"):
        main(["data", "inspect", str(tmp_path)])
    with pytest.raises(SystemExit, match="--actions 'a-b': expected numbers"):
        main(["data", "synth", str(tmp_path), "--actions", "a-b"])


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
