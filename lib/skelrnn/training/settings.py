"""Training settings (thesis 3.1-3.2): ``TrainConfig``, the rule of early stopping with
learning-rate decay (``PlateauSchedule``) and a run's budget of updates.

Defined for the training chapters (03 on): a run is named by its settings (``to_dict``), so a
setting's default is the thesis's and a field added later leaves the names of older runs as they
were (``core.identity.identity_dict``).
"""

from __future__ import annotations

from dataclasses import dataclass

from skelrnn.core.backend import default_pad_multiple
from skelrnn.core.identity import identity_dict

__all__ = ["TrainConfig", "PlateauSchedule", "update_budget", "EARLY_STOPPING", "BUDGET_SPENT"]


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; the defaults are the thesis's (3.1.1, 3.2).

    batch_size        256
    learning_rate     Adam's initial rate, 5e-3; epsilon 1e-4, beta_1 0.9, beta_2 0.999
    clipnorm          the gradients are rescaled when their global L2 norm exceeds 1
    max_epochs        an upper bound on the passes over the training data (epochs are a unit
                      of data only: nothing else happens at their end)
    max_updates       an upper bound on the updates (None: only ``max_epochs`` bounds the run);
                      the budget is whichever bound comes first. A profile that fixes the
                      updates, not the epochs, costs the same on any folder and lets early
                      stopping, not the size of the folder, decide when a small one is learnt
    eval_every        updates between two evaluations on the validation split (thesis, table 7:
                      a checkpoint every 500 iterations); the last update is evaluated too
    early_stopping    True: when validation accuracy has not improved for ``patience``
                      evaluations the rate is divided by ``1 / lr_decay`` (10); training stops
                      once it would go below ``min_learning_rate``; the weights of the best
                      evaluation are the result. False: ``max_epochs`` at the initial rate, the
                      last weights.
    bucketing         length-bucketed batches (``batches.bucket_batches``)
    pad_multiple      padded lengths are rounded up to a multiple (fewer distinct shapes to
                      compile); None: the backend's (``backend.default_pad_multiple``: 16 on
                      JAX, 1 on TensorFlow and torch, which compile no shape twice), resolved
                      here so that the record says which
    inattention_steps a model with an every-step head (appendix A) is trained on the mean of
                      -log p_t^y over the |S| real steps where p_t^y is lowest (eq. 12,
                      ``losses.InattentionLoss``); None: over every real step (eq. 11). A
                      last-step model ignores it. Left out of ``to_dict`` when None, so that
                      runs recorded before it keep their names.
    """

    batch_size: int = 256
    learning_rate: float = 5e-3
    epsilon: float = 1e-4
    beta_1: float = 0.9
    beta_2: float = 0.999
    clipnorm: float = 1.0
    max_epochs: int = 100
    max_updates: int | None = None
    eval_every: int = 500
    early_stopping: bool = True
    patience: int = 5
    lr_decay: float = 0.1
    min_learning_rate: float = 5e-6
    bucketing: bool = True
    pad_multiple: int | None = 8
    inattention_steps: int | None = None

    def __post_init__(self):
        if self.pad_multiple is None:
            object.__setattr__(self, "pad_multiple", default_pad_multiple())
        for name in ("batch_size", "max_epochs", "eval_every", "patience", "pad_multiple"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {getattr(self, name)!r}")
        if self.max_updates is not None and int(self.max_updates) < 1:
            raise ValueError(f"max_updates: expected None or an integer >= 1, got {self.max_updates!r}")
        for name in ("learning_rate", "epsilon", "clipnorm", "min_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a positive number, got {getattr(self, name)!r}")
        if not 0 < self.lr_decay < 1:
            raise ValueError(f"lr_decay: expected a factor in (0, 1), got {self.lr_decay}")
        if self.min_learning_rate > self.learning_rate:
            raise ValueError("min_learning_rate must not exceed learning_rate")
        if self.inattention_steps is not None and int(self.inattention_steps) < 1:
            raise ValueError(f"inattention_steps: expected None or an integer >= 1, got {self.inattention_steps!r}")

    def to_dict(self) -> dict:
        return identity_dict(self, {"inattention_steps": None})  # added with chapter 07


# How a run ends (``PlateauSchedule.stopped``, kept in its record): early stopping took the rate to
# its minimum, or the budget of updates was spent first.
EARLY_STOPPING = "minimum learning rate reached"
BUDGET_SPENT = "budget spent"


class PlateauSchedule:
    """Early stopping with learning-rate decay (thesis 3.2), as a state that sees one evaluation at a time.

    After each evaluation: a validation accuracy above the best so far is the new best; otherwise
    the wait grows, and after ``patience`` evaluations without a new best the rate is multiplied
    by ``lr_decay`` and the wait starts again. The run stops when the rate would go below
    ``min_learning_rate``, or when the budget (``max_epochs``, ``max_updates``) is spent. Without
    ``early_stopping`` only the second rule applies. ``state`` is a plain dict, saved with the
    checkpoints.
    """

    def __init__(self, cfg: TrainConfig, state: dict | None = None):
        self.cfg = cfg
        self.state = state or {
            "learning_rate": cfg.learning_rate,
            "best": {"update": 0, "val_accuracy": -1.0},
            "wait": 0,
            "stopped": None,
        }

    @property
    def learning_rate(self) -> float:
        return self.state["learning_rate"]

    @property
    def stopped(self) -> str | None:
        return self.state["stopped"]

    def update(self, update: int, val_accuracy: float, data_spent: bool = False) -> bool:
        """Take the evaluation after ``update`` updates (``data_spent``: the last one the budget
        allows); returns whether it is a new best."""
        s, cfg = self.state, self.cfg
        improved = val_accuracy > s["best"]["val_accuracy"]
        if improved:
            s["best"] = {"update": update, "val_accuracy": val_accuracy}
            s["wait"] = 0
        else:
            s["wait"] += 1
        if cfg.early_stopping and s["wait"] >= cfg.patience:
            s["learning_rate"] *= cfg.lr_decay
            s["wait"] = 0
            if s["learning_rate"] < cfg.min_learning_rate * (1 - 1e-9):
                s["stopped"] = EARLY_STOPPING
        if data_spent and s["stopped"] is None:
            s["stopped"] = BUDGET_SPENT
        return improved


def update_budget(cfg: TrainConfig, updates_per_epoch: int) -> int:
    """The updates a run may make: ``max_epochs`` passes of ``updates_per_epoch``, capped by ``max_updates``."""
    epochs = cfg.max_epochs * updates_per_epoch
    return epochs if cfg.max_updates is None else min(epochs, int(cfg.max_updates))
