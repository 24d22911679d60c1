"""The data commands (``skelrnn data inspect|synth``) and provenance: records carry the commit."""

import subprocess
from pathlib import Path

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


def test_records_name_the_commit_of_the_library():
    package = Path(backend.__file__).parent
    commit = backend.library_commit()

    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=package)

    head = git("rev-parse", "HEAD")
    if head.returncode == 0:  # a checkout (CI clones one): the commit, and whether lib/ differs from it
        assert commit.split(" ")[0] == head.stdout.strip()
        changed = bool(git("status", "--porcelain", "--", ".").stdout.strip())
        assert commit.endswith(" + uncommitted changes") == changed
    else:
        assert commit.startswith("unknown")
    assert backend.describe()["commit"] == commit
