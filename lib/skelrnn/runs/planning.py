"""From table cells x seeds to training runs: which runs a chapter needs and which have no record.

Defined for the training chapters (03 on). ``plan_runs`` turns each (cell, seed) into a ``Job``
named by a hash of everything that determines it (``skelrnn.core.identity.run_key``: model,
training settings, seed, data), so a run shared by two tables (the improved baseline is in all
four of chapters 03-04) is trained once, and a chapter run again only trains what has no record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skelrnn.core.identity import run_key
from skelrnn.data.splits import dataset_identity
from skelrnn.networks.models import ModelConfig
from skelrnn.training.settings import TrainConfig

__all__ = ["Job", "scaled_units", "model_spec", "plan_runs", "relative_cost"]


@dataclass(frozen=True)
class Job:
    """One training run: ``ModelConfig`` and ``TrainConfig`` fields, seed, and where its record and
    checkpoints go."""

    model: dict
    train: dict
    seed: int
    record: str
    run_dir: str
    profile: str
    dataset_name: str


def scaled_units(units: int, scale: float) -> int:
    """``units`` times a profile's ``width_scale``, even (a bidirectional layer halves it) and at least 2."""
    return max(2, 2 * int(units * scale / 2 + 0.5))


def model_spec(baseline_model: dict, n_features: int, n_classes: int, changes: dict | None = None,
               width_scale: float = 1.0):  # fmt: skip
    """The ``networks.models.ModelConfig`` of a cell: the improved baseline ``baseline_model`` with the cell's
    model ``changes``, for inputs of ``n_features`` and ``n_classes`` classes, every width times
    ``width_scale`` (``scaled_units``)."""
    spec = {**baseline_model, "n_features": int(n_features), "n_classes": int(n_classes), **(changes or {})}
    if width_scale != 1:  # at 1 the widths stay as written (scaled_units would make them even)
        spec["units"] = scaled_units(spec["units"], width_scale)
    return ModelConfig(**spec)


def plan_runs(
    cells, seeds, splits, *, baseline_model: dict, train_settings: dict, n_classes: int, results_dir, runs_dir,
    profile: str, dataset_name: str, width_scale: float = 1.0,
) -> tuple[list[tuple], dict[str, Job]]:  # fmt: skip
    """``[(cell, seed, record path)]`` for every cell and seed, and the jobs of the runs without a
    record, by record path (a run shared by several cells appears once). ``seeds`` is a sequence
    for every cell, or a function of the cell giving its seeds; ``width_scale`` multiplies every
    network's units (``scaled_units``)."""
    sha = dataset_identity(dataset_name, splits)["sha256"]
    n_features = splits["train"][0][0].shape[1]
    plan, jobs = [], {}
    seeds_of = seeds if callable(seeds) else (lambda cell: seeds)
    for cell in cells:
        for seed in seeds_of(cell):
            model = model_spec(baseline_model, n_features, n_classes, cell.model, width_scale).to_dict()
            settings = TrainConfig(**{**train_settings, **cell.train}).to_dict()
            key = run_key(model, settings, seed, sha)
            path = str(Path(results_dir) / f"{key}.json")
            plan.append((cell, seed, path))
            if not Path(path).is_file() and path not in jobs:
                jobs[path] = Job(model, settings, int(seed), path, str(Path(runs_dir) / key), profile, dataset_name)
    return plan, jobs


def relative_cost(model: dict) -> float:
    """A rough relative cost of training ``model`` (a ``ModelConfig`` dict), used only to order runs
    so that the longest start first: recurrent multiply-adds per time step (units^2 per layer, a
    bidirectional layer is two networks of half the units) times a factor per cell, plus a
    constant for building and tracing the model. The cell factors were measured on CPU: the
    thesis's GRU (reset gate before the product) runs two recurrent products one after the other
    and took 1.4x the LSTM's time per update."""
    factor = {"rnn": 1.0, "lstm": 4.0, "gru": 5.5}[model["cell"]]
    units = model["units"]
    per_layer = factor * (2 * (units // 2) ** 2 if model["bidirectional"] else units**2)
    return model["layers"] * per_layer + 4e5
