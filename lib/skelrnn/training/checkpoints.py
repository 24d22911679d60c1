"""The checkpoint store of one training run: save after an evaluation, resume after a kill.

Defined for the training engine (``skelrnn.training.engine``). A run folder holds

- ``checkpoint-NNNNNNN.keras``: the model after update NNNNNNN, weights and optimizer state;
- ``state.json``: the engine's state (epoch, history, schedule) and the name of the checkpoint
  it goes with, plus the states of the model's random generators (dropout masks) and of the
  backend's global generator, which ``.keras`` files do not keep;
- ``best.weights.h5``: the weights of the best evaluation so far.

Order of writing: the new checkpoint, then the state that names it (atomically), then the old
checkpoint is removed. A kill at any moment leaves a state and the checkpoint it names.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

from skelrnn.core.backend import global_random_state, set_global_random_state
from skelrnn.core.io import read_json, write_json_atomic
from skelrnn.networks.models import load_model

__all__ = ["CheckpointStore"]


def _random_variables(model) -> list:
    return [v for v in model.non_trainable_variables if "seed_generator" in v.path]


class CheckpointStore:
    """Checkpoints of the run whose identity is ``header`` (a JSON-able dict), in ``run_dir``."""

    def __init__(self, run_dir: str | os.PathLike, header: dict):
        self.run_dir = Path(run_dir)
        self.header = header
        self.state_path = self.run_dir / "state.json"
        self.best_path = self.run_dir / "best.weights.h5"

    def load(self):
        """``(model, state)`` of the last checkpoint of this run, or None when there is none (or one of
        another run: a folder reused with other settings starts afresh)."""
        if not self.state_path.is_file():
            return None
        state = read_json(self.state_path)
        if state.get("header") != self.header or not state.get("checkpoint"):
            return None
        model = load_model(self.run_dir / state["checkpoint"])
        variables = _random_variables(model)
        saved = state.get("random_states", [])
        if len(variables) != len(saved):
            raise ValueError(f"{self.state_path}: {len(saved)} random states saved for {len(variables)} generators")
        for v, value in zip(variables, saved, strict=True):
            v.assign(np.asarray(value, dtype=v.dtype))
        set_global_random_state(state.get("global_random_state"))
        return model, state

    def save(self, model, state: dict) -> None:
        """Save ``model`` and ``state`` (which gains ``checkpoint`` and ``random_states``) as one pair."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        name = f"checkpoint-{state['update']:07d}.keras"
        model.save(self.run_dir / name)
        old = state.get("checkpoint")
        state["checkpoint"] = name
        state["random_states"] = [np.asarray(keras.ops.convert_to_numpy(v)).tolist() for v in _random_variables(model)]
        state["global_random_state"] = global_random_state()
        write_json_atomic(self.state_path, {**state, "header": self.header})
        if old and old != name:
            (self.run_dir / old).unlink(missing_ok=True)

    def save_best(self, model) -> None:
        """Keep ``model``'s weights as the best so far (written beside, then renamed)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.run_dir / ".best.weights.h5"
        model.save_weights(tmp)
        os.replace(tmp, self.best_path)

    def load_best(self, model) -> None:
        model.load_weights(self.best_path)
