import numpy as np
import pytest

from skelrnn.networks import models
from skelrnn.training import memory_task
from skelrnn.training.memory_task import MemoryTaskConfig

TINY = MemoryTaskConfig(units=4, n_train=64, n_test=32, epochs=1, batch_size=32)


def test_label_is_the_symbol_under_the_marker():
    cfg = MemoryTaskConfig(noise=0.0)
    x, y = memory_task.make_memory_task(50, 12, cfg, np.random.default_rng(0))
    assert x.shape == (50, 12, cfg.n_classes + 1) and x.dtype == np.float32
    cue = x[:, : cfg.cue_steps]
    assert np.all(cue[..., -1] == 1) and np.all(x[:, cfg.cue_steps :, -1] == 0)
    assert np.all(cue[..., :-1].argmax(axis=2) == y[:, None])
    # Every later frame carries exactly one distractor symbol.
    assert np.all(x[:, cfg.cue_steps :, :-1].sum(axis=2) == 1)


def test_length_must_exceed_the_cue():
    with pytest.raises(ValueError, match="cue_steps"):
        memory_task.make_memory_task(4, 3, MemoryTaskConfig(cue_steps=3), np.random.default_rng(0))
    with pytest.raises(ValueError, match="units"):
        MemoryTaskConfig(units=0)


def test_gru_starts_with_thesis_gate_bias():
    layer = models.recurrent_layer("gru", 3, return_sequences=False)
    layer.build((None, 5, 2))
    np.testing.assert_array_equal(layer.get_weights()[2], [1, 1, 1, 1, 1, 1, 0, 0, 0])


def test_same_seed_same_numbers():
    a = memory_task.train_memory_task("lstm", 8, TINY, seed=3)
    b = memory_task.train_memory_task("lstm", 8, TINY, seed=3)
    c = memory_task.train_memory_task("lstm", 8, TINY, seed=4)
    for rec in (a, b, c):
        rec.pop("seconds")
    assert a == b
    assert a["history"] != c["history"]


def test_grid_resumes_without_repeating_finished_runs(tmp_path):
    path = tmp_path / "memory.json"
    trained = []
    memory_task.run_memory_grid([6], TINY, [0], path, cells=("rnn",), log=trained.append)
    first = memory_task.run_memory_grid([6], TINY, [0], path, cells=("rnn",), log=trained.append)
    assert len(trained) == 1  # the second call found the run in the record
    grown = memory_task.run_memory_grid([6, 7], TINY, [0], path, cells=("rnn",), log=trained.append)
    assert len(trained) == 2 and len(grown["runs"]) == 2
    assert grown["runs"][0] == first["runs"][0]
    other = memory_task.run_memory_grid(
        [6], MemoryTaskConfig(units=5, n_train=64, n_test=32, epochs=1), [0], path, cells=("rnn",), log=trained.append
    )
    assert len(trained) == 3 and len(other["runs"]) == 1  # a new configuration starts afresh


def test_a_grid_in_two_processes_equals_it_in_one(tmp_path):
    # Where a run trains does not change its numbers, and the record keeps the grid's order.
    def timeless(record):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in record["runs"]]

    one = memory_task.run_memory_grid([6, 7], TINY, [0, 1], tmp_path / "one.json", cells=("rnn", "gru"),
                                      log=lambda line: None)  # fmt: skip
    two = memory_task.run_memory_grid([6, 7], TINY, [0, 1], tmp_path / "two.json", cells=("rnn", "gru"),
                                      log=lambda line: None, workers=2)  # fmt: skip
    assert timeless(two) == timeless(one)
    assert [(r["length"], r["cell"], r["seed"]) for r in two["runs"]] == [
        (t, c, s) for t in (6, 7) for c in ("rnn", "gru") for s in (0, 1)
    ]
