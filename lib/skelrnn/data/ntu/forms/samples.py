"""What every toolkit form of NTU RGB+D is read into, and the checks all of its readers share.

Defined for the data chapter (thesis 3.1.1). A form's reader (``skelrnn.data.ntu.forms``) turns a
file into ``FormSamples``: one ``(M, T, 25, 3)`` array of bodies a sample (metres, 0 where a body is
absent), its class, its NTU sample name where the form keeps one, the splits the file was written
with, and what the form lost against the ``.skeleton`` release. ``loading.load`` then keeps each
sample's main actor by the same rule as for ``.skeleton`` files. Faults of one sample
(``quarantine``) leave the sample out and are listed; faults of the file raise ``FormError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skelrnn.data.ntu.skeleton_format import SampleName, parse_sample_name
from skelrnn.data.skeleton import N_JOINTS, SPINE_BASE, SPINE_MIDDLE

__all__ = [
    "FormError",
    "FormSamples",
    "SPLIT_PARTS",
    "bodies_from_padded",
    "padded_from_bodies",
    "check_bodies",
    "describe_centring",
    "parse_names",
    "MAX_LABEL",
]

# Parts of a split as the readers name them; toolkits call the test part "val" (PYSKL, ST-GCN).
SPLIT_PARTS = ("train", "validation", "test")
# Class indices are 0-based in every toolkit: NTU RGB+D 120 has 120 classes.
MAX_LABEL = 119
# A coordinate this close to 0 (metres) counts as the toolkit's origin (float16 keeps 1e-4 near 0.1 m).
_ORIGIN_TOLERANCE = 1e-3
TURNED = (
    " and turned (the spine of the first frame along z, as 2s-AGCN's pre_normalization puts it: the camera's up "
    "is no longer y; pose alignment is blind to that turn, the baseline's input is not)"
)


class FormError(ValueError):
    """A file that does not hold the form it was read as; names the file, the field and what was expected."""

    def __init__(self, path, field_name: str | None, expected: str, found: str | None = None):
        self.path, self.field, self.expected, self.found = str(path), field_name, expected, found
        where = f"{self.path}: field {field_name!r}" if field_name else self.path
        tail = "" if found is None else f", found {found}"
        super().__init__(f"{where}: expected {expected}{tail}")


@dataclass
class FormSamples:
    """The samples of one form, before the main actor is chosen.

    form        the form's name (``forms.FORMS``)
    source      the file or folder read
    bodies      list of N ``(M_i, T_i, 25, 3)`` float32 arrays, metres; 0 where a body is absent
    labels      (N,) int64 class indices, 0-based: action code - 1 (A001 is 0)
    names       list of N ``SampleName``, or None where the form keeps no sample names
    ids         list of N sample identifiers (the name, or the place in the file: ``x_train[17]``)
    splits      ``{protocol: {part: (n,) int64 indices}}`` the file was written with (may be empty)
    quarantine  ``{sample id: why}``: samples left out, each with the field and what was wrong
    lost        what the form does not keep of a ``.skeleton`` file, one sentence each
    precision   the coordinates' type in the file (``float16``, ``float32``...)
    """

    form: str
    source: str
    bodies: list[np.ndarray]
    labels: np.ndarray
    names: list[SampleName] | None
    ids: list[str]
    splits: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    quarantine: dict[str, str] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    precision: str = "float32"

    def __len__(self) -> int:
        return len(self.bodies)


def check_bodies(path, where: str, bodies) -> str | None:
    """Why the bodies of one sample cannot be used, or None: ``bodies`` must be a numeric
    ``(M, T, 25, 3)`` array with at least one body and one frame, every coordinate finite."""
    if not isinstance(bodies, np.ndarray) or bodies.dtype.kind not in "fiu":
        kind = type(bodies).__name__ if not isinstance(bodies, np.ndarray) else f"an array of {bodies.dtype}"
        return f"{path}: {where}: expected a numeric array of joint coordinates, found {kind}"
    if bodies.ndim != 4 or bodies.shape[2:] != (N_JOINTS, 3) or 0 in bodies.shape[:2]:
        return f"{path}: {where}: expected shape (bodies, frames, 25, 3), found {bodies.shape}"
    finite = np.isfinite(bodies)
    if not finite.all():
        body, frame, joint, _ = np.argwhere(~finite)[0]
        return f"{path}: {where}: a coordinate that is not finite (body {body}, frame {frame}, joint {joint + 1})"
    return None


def bodies_from_padded(x: np.ndarray) -> tuple[np.ndarray, int]:
    """One sample of a padded layout, ``(C=3, T, V=25, M)`` (ST-GCN), to ``(M, T', 25, 3)`` bodies and
    its length ``T'``: the frames up to the last one that holds a joint (the toolkits pad with
    zeros at the end). Bodies that hold no joint are dropped (the first is kept)."""
    bodies = np.transpose(x, (3, 1, 2, 0))  # (M, T, V, C)
    holds = np.any(bodies != 0, axis=(2, 3))  # (M, T)
    frames = np.flatnonzero(holds.any(axis=0))
    length = int(frames[-1]) + 1 if len(frames) else 0
    keep = [m for m in range(bodies.shape[0]) if m == 0 or holds[m].any()]
    return bodies[keep, :length], length


def padded_from_bodies(bodies: np.ndarray, frames: int, max_bodies: int = 2) -> np.ndarray:
    """The inverse of ``bodies_from_padded``: ``(M, T, 25, 3)`` to ``(3, frames, 25, max_bodies)``,
    zero-padded at the end (longer sequences are cut at ``frames``, as the toolkits do)."""
    out = np.zeros((3, frames, N_JOINTS, max_bodies), dtype=np.float32)
    kept = bodies[:max_bodies, :frames]
    out[:, : kept.shape[1], :, : kept.shape[0]] = np.transpose(kept, (3, 1, 2, 0))
    return out


def parse_names(path, field_name: str, names) -> tuple[list[SampleName] | None, dict[int, str]]:
    """The NTU sample names of a form's ``names`` (``S001C002P003R002A013``, with or without
    ``.skeleton``): ``(names, {index: why})``. When none parses, the form keeps no names: ``(None, {})``;
    when some do not, those samples are faults."""
    parsed, faults = [], {}
    for i, name in enumerate(names):
        try:
            parsed.append(parse_sample_name(str(name)))
        except ValueError:
            parsed.append(None)
            found = str(name)[:60]
            faults[i] = (
                f"{path}: {field_name}[{i}]: expected an NTU sample name (S001C002P003R002A013), found {found!r}"
            )
    if len(faults) == len(parsed):
        return None, {}
    return parsed, faults


def describe_centring(bodies: list[np.ndarray]) -> str | None:
    """What a toolkit did to the coordinates before writing them, read from the data: None (camera
    coordinates), or a sentence saying the middle of the spine (the book's torso) is at the origin
    in every frame or in the first frame of every sample. The book's first-frame translation
    (``preprocess.translate_first_frame``) then moves nothing."""
    first, every, upright = [], [], []
    for b in bodies:
        main = b[0]
        holds = np.any(main != 0, axis=(1, 2))
        if not holds.any():
            continue
        torso = main[holds, SPINE_MIDDLE]  # (T', 3)
        first.append(float(np.abs(torso[0]).max()))
        every.append(float(np.abs(torso).max()))
        spine = main[holds][0, SPINE_MIDDLE] - main[holds][0, SPINE_BASE]
        upright.append(abs(spine[2]) > 0.99 * np.linalg.norm(spine))
    if not first:
        return None
    turned = TURNED if all(upright) else ""
    if max(every) < _ORIGIN_TOLERANCE:
        return ("centred by its toolkit: the middle of the spine is at the origin in every frame (where the "
                f"actor walks is gone){turned}; the book's first-frame translation moves nothing")  # fmt: skip
    if max(first) < _ORIGIN_TOLERANCE:
        return ("centred by its toolkit: the middle of the spine of each sample's first frame is at the origin, "
                f"as the book's first-frame translation puts it{turned}; that step moves nothing")  # fmt: skip
    return None
