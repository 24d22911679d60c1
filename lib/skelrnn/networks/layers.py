"""Keras layers that change what the recurrent network reads: the skeleton transformer (thesis
3.3.1, eq. 8-10) and skeleton motion (3.3.2).

Defined for the chapters ``notebooks/05_skeleton_transformer.md`` and
``notebooks/06_skeleton_motion.md``. Every layer reads the model's padded input ``(B, T, J*3)``,
the joints' coordinates in metres flattened joint by joint (``x`` of joint ``j`` at ``3j``), and
keeps the padding mask: a padded step stays all zeros and masked. Each is registered with Keras
and has a ``get_config``, so models that use them save and load as ``.keras`` files.
"""

from __future__ import annotations

import keras
import numpy as np

from skelrnn.data.skeleton import NTU_PARENTS

__all__ = ["TRANSFORMER_VARIANTS", "POSITIVITY_WEIGHT", "TransformerPenalty", "SkeletonTransformer", "SkeletonMotion"]

# Table 8's four ways of constraining W (thesis eq. 9-10): (divide each row by its sum, penalise negative weights).
TRANSFORMER_VARIANTS: dict[str, tuple[bool, bool]] = {
    "linear": (False, False),  # Li et al.: any W
    "affine": (True, False),  # each virtual joint an affine combination of the joints (eq. 9)
    "positive": (False, True),  # -lambda min(0, min W) added to the loss
    "convex": (True, True),  # both: each virtual joint a convex combination, near enough
}
POSITIVITY_WEIGHT = 0.01  # lambda of the positivity penalty (thesis 3.3.1)


@keras.saving.register_keras_serializable(package="skelrnn")
class TransformerPenalty(keras.regularizers.Regularizer):
    """The penalties of the skeleton transformer's ``W`` ``(N', N)``, added to the training loss:

    positivity  ``lambda * max(0, -min W)`` (thesis: ``-lambda min(0, min W)``): 0 when every weight
                is >= 0, growing linearly with the most negative one;
    sparsity    ``mu * sum_i (sum_j |W_ij|)^2`` (an L1 norm within each virtual joint, squared:
                a virtual joint is pushed to mix few joints).
    """

    def __init__(self, positivity: float = 0.0, sparsity: float = 0.0):
        if positivity < 0 or sparsity < 0:
            raise ValueError(f"penalty weights must be >= 0, got positivity={positivity}, sparsity={sparsity}")
        self.positivity, self.sparsity = float(positivity), float(sparsity)

    def __call__(self, w):
        penalty = 0.0
        if self.positivity:
            penalty = penalty + self.positivity * keras.ops.maximum(0.0, -keras.ops.min(w))
        if self.sparsity:
            penalty = penalty + self.sparsity * keras.ops.sum(keras.ops.square(keras.ops.sum(keras.ops.abs(w), axis=1)))
        return penalty

    def get_config(self) -> dict:
        return {"positivity": self.positivity, "sparsity": self.sparsity}


def _as_joints(x, n_joints: int):
    """``(B, T, J*3)`` -> ``(B, T, J, 3)``."""
    shape = keras.ops.shape(x)
    return keras.ops.reshape(x, (shape[0], shape[1], n_joints, 3))


def _flat(p):
    """``(B, T, J, 3)`` -> ``(B, T, J*3)``."""
    shape = keras.ops.shape(p)
    return keras.ops.reshape(p, (shape[0], shape[1], p.shape[2] * 3))


@keras.saving.register_keras_serializable(package="skelrnn")
class SkeletonTransformer(keras.layers.Layer):
    """Learned virtual joints (thesis 3.3.1, eq. 8): ``P'_t = W P_t``.

    Input ``(B, T, N*3)``, the N joints of each frame; output ``(B, T, N'*3)``, the N' virtual
    joints. One ``W`` ``(N', N)`` is shared by every frame and by x, y and z, so a virtual joint is
    a fixed mixture of real joints and the layer commutes with any rotation or reflection of the
    coordinates. ``variant`` is one of ``TRANSFORMER_VARIANTS``: an affine or convex ``W`` is used
    with each row divided by its sum (eq. 9), a positive or convex one adds
    ``TransformerPenalty(POSITIVITY_WEIGHT)`` to the loss; ``sparsity`` is mu (eq. 10).

    ``W`` starts as the identity (N' = N) or its first N' rows: training starts from the baseline,
    whose network reads the joints as they are, so the layer can only move away from it where
    the loss gains, and an affine row starts with a sum of 1, far from the division by zero
    that eq. 9 has near a row summing to 0. Padded steps (zeros) stay zeros and masked.
    """

    def __init__(self, n_joints: int = 25, virtual_joints: int | None = None, variant: str = "linear",
                 sparsity: float = 0.0, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if variant not in TRANSFORMER_VARIANTS:
            raise ValueError(f"variant: expected one of {sorted(TRANSFORMER_VARIANTS)}, got {variant!r}")
        self.n_joints = int(n_joints)
        self.virtual_joints = int(virtual_joints or n_joints)
        if self.n_joints < 1 or self.virtual_joints < 1:
            raise ValueError(f"expected joint counts >= 1, got {n_joints} and {virtual_joints}")
        self.variant, self.sparsity = variant, float(sparsity)
        self.normalised, positive = TRANSFORMER_VARIANTS[variant]
        self.penalty = TransformerPenalty(POSITIVITY_WEIGHT if positive else 0.0, self.sparsity)
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-1] != 3 * self.n_joints:
            raise ValueError(f"SkeletonTransformer: expected {3 * self.n_joints} inputs a step "
                             f"({self.n_joints} joints x 3), got {input_shape[-1]}")  # fmt: skip
        identity = np.eye(self.virtual_joints, self.n_joints, dtype="float32")
        self.w = self.add_weight(
            shape=(self.virtual_joints, self.n_joints), name="w", initializer=keras.initializers.Constant(identity),
            regularizer=self.penalty if (self.penalty.positivity or self.penalty.sparsity) else None,
        )  # fmt: skip

    def mixing(self):
        """The matrix applied to the joints, ``(N', N)``: ``W``, each row divided by its sum when
        the variant is affine or convex."""
        if not self.normalised:
            return self.w
        return self.w / keras.ops.sum(self.w, axis=1, keepdims=True)

    def call(self, x):
        virtual = keras.ops.einsum("ij,btjc->btic", self.mixing(), _as_joints(x, self.n_joints))
        return _flat(virtual)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3 * self.virtual_joints)

    def get_config(self) -> dict:
        return {**super().get_config(), "n_joints": self.n_joints, "virtual_joints": self.virtual_joints,
                "variant": self.variant, "sparsity": self.sparsity}  # fmt: skip


@keras.saving.register_keras_serializable(package="skelrnn")
class SkeletonMotion(keras.layers.Layer):
    """Skeleton motion (thesis 3.3.2): ``M_t = P_{t+1} - P_t``, per joint, in metres a step.

    Input ``(B, T, J*3)`` with its padding mask; output ``(B, T, J*3)`` whose first ``T_i - 1``
    steps are the motion of sequence ``i`` and the rest zeros, masked: the motion sequence is one
    step shorter than the poses. ``relative_to_parent=True`` decomposes the motion along the
    kinematic chains (the thesis's future work): each joint's motion minus its parent's
    (``skeleton.NTU_PARENTS``), so that a displacement of the whole body is counted once, at the
    root, and not again in every joint.
    """

    def __init__(self, relative_to_parent: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.relative_to_parent = bool(relative_to_parent)
        self.supports_masking = True

    def build(self, input_shape):
        if self.relative_to_parent and input_shape[-1] != 3 * len(NTU_PARENTS):
            raise ValueError(f"SkeletonMotion: parent-relative motion needs the {len(NTU_PARENTS)} NTU joints "
                             f"({3 * len(NTU_PARENTS)} inputs a step), got {input_shape[-1]}")  # fmt: skip

    @staticmethod
    def _step_mask(x, mask):
        real = keras.ops.any(keras.ops.not_equal(x, 0.0), axis=-1) if mask is None else mask
        return keras.ops.cast(real, x.dtype)

    def compute_mask(self, x, mask=None):
        real = self._step_mask(x, mask)
        both = real[:, 1:] * real[:, :-1]  # a motion step needs both of its frames
        return keras.ops.concatenate([both, keras.ops.zeros_like(real[:, :1])], axis=1) > 0.5

    def call(self, x, mask=None):
        motion = x[:, 1:] - x[:, :-1]
        if self.relative_to_parent:
            joints = _as_joints(motion, len(NTU_PARENTS))
            parents = keras.ops.take(joints, [max(p, 0) for p in NTU_PARENTS], axis=2)
            is_root = np.array([p < 0 for p in NTU_PARENTS], dtype="float32")[:, None]
            motion = _flat(joints - parents * (1.0 - is_root))  # the root keeps its own motion
        motion = keras.ops.concatenate([motion, keras.ops.zeros_like(x[:, :1])], axis=1)
        keep = keras.ops.cast(self.compute_mask(x, mask), x.dtype)
        return motion * keep[..., None]

    def get_config(self) -> dict:
        return {**super().get_config(), "relative_to_parent": self.relative_to_parent}
