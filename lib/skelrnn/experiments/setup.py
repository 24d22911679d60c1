"""What a training chapter and the full-profile rehearsal set up alike: the data as a profile
takes it (loaded, split, thinned), the training settings fitted to it, and the name the records
give it.

Defined for ``chapters.TrainingChapter`` (chapters 03-09) and ``rehearsal.rehearse``: a profile's
values (``profiles.get``) become plain arguments here, so that the layers below never read a
profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skelrnn.data.loading import load_or_generate
from skelrnn.data.ntu.protocols import protocol_name
from skelrnn.data.splits import choose_splits
from skelrnn.training.settings import TrainConfig, update_budget

__all__ = ["ChapterData", "load_chapter_data", "fit_training_to_data", "dataset_name"]


@dataclass
class ChapterData:
    """A profile's data: the samples (``loading.SkeletonSet``), its cross-subject ``indices`` per
    split, the ``frame_step`` that thins its sequences, and ``notes``: what the set-up adapted to
    the data, for the chapter's header."""

    data: object
    indices: dict[str, np.ndarray]
    frame_step: int
    notes: list[str] = field(default_factory=list)


def load_chapter_data(
    P, data_dir=None, strict: bool = False, protocol: str = "cross_subject", fps: float | None = None
) -> ChapterData:
    """The data of the profile values ``P``: NTU RGB+D in any form the book reads (``data_dir``:
    ``loading.load``), else the embedded synthetic dataset with the profile's ``synthetic``
    settings; split by ``protocol`` (cross-subject, the thesis's, by default) with the profile's
    sizes, frame rate and time-step budget (``splits.choose_splits``). ``fps``: the data's own frame
    rate where the user gives it (``loading.load``); the notes say which rate was used and why."""
    notes: list[str] = []
    data = load_or_generate(data_dir, P.synthetic, strict=strict, log=notes.append, fps=fps)
    notes.append(f"frame rate: {data.fps:g} fps ({data.manifest['fps_source']})")
    if protocol_name(protocol) != "cross_subject":
        notes.append(f"protocol: {protocol_name(protocol)} (the thesis's is cross_subject)")
    indices, frame_step = choose_splits(
        data, protocol, max_train=P.max_train, max_eval=P.max_eval, seed=P.data_seed, fps=P.fps,
        steps=P.steps, log=notes.append,
    )  # fmt: skip
    return ChapterData(data, indices, int(frame_step), notes)


def fit_training_to_data(settings: dict, n_train: int, min_evaluations: int = 1, log=print) -> dict:
    """A profile's ``settings.TrainConfig`` values made to fit a training split of ``n_train`` sequences:
    the batch never exceeds the split, and the run's budget (``max_epochs`` passes, capped by
    ``max_updates``) holds at least ``min_evaluations`` evaluations (``eval_every`` is lowered when
    it would not: the thesis's 500 updates are over three epochs of NTU, and over seventy of a
    folder of 227 sequences). Each change is logged. A ``pad_multiple`` comes back as ``TrainConfig``
    resolves it (None: the backend's)."""
    out = dict(settings)
    if "pad_multiple" in out:
        out["pad_multiple"] = TrainConfig(**out).pad_multiple
    if out["batch_size"] > n_train:
        log(f"batch size {out['batch_size']} > the {n_train} training sequences: batches of {n_train}")
        out["batch_size"] = n_train
    per_epoch = n_train // out["batch_size"]  # full batches only
    budget = update_budget(TrainConfig(**out), per_epoch)
    asked = out.get("eval_every", 500)
    if asked * min_evaluations > budget:
        out["eval_every"] = max(1, budget // min_evaluations)
        log(f"evaluation every {out['eval_every']} updates, not {asked}: {min_evaluations} evaluations "
            f"in a budget of {budget} updates ({budget / per_epoch:.3g} epochs of this data)")  # fmt: skip
    return out


def dataset_name(base: str, features: dict | None = None) -> str:
    """The name the records give the training data: ``base`` (the profile's, or the rehearsal's),
    plus the inputs when they are not the improved baseline's (``featurise_splits`` arguments)."""
    extra = ", ".join(f"{k} {v}" for k, v in sorted((features or {}).items()))
    return base + (f" ({extra})" if extra else "")
