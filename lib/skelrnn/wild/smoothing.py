"""Temporal consistency of per-frame pose proposals (thesis 4.1.2): 2D tracking and Viterbi smoothing.

Defined for the in-the-wild chapter (09). The input is a ``hypotheses.PoseHypotheses``: per frame
``t`` up to ``K`` proposals ``(p_i^t, P_i^t, k_i^t, s_i^t)``, a 2D pose (pixels), a 3D pose
(metres, relative to the body centre), a pose class and a score. Both methods return one 3D pose
per frame, ``(T, 13, 3)`` metres.

- ``track_2d``: per frame the top-scored proposal among those whose 2D pose lies close enough
  to the one chosen in the previous frame (first frame: the actor given).
- ``viterbi_smooth``: the states are the pose classes proposed anywhere in the sequence, each
  with its mean 3D pose; transitions fall with the Euclidean distance between state poses and
  observations are the scores; the most probable path of states (``viterbi``) gives per frame
  the proposal of the chosen class, or the class's mean pose where it was not proposed.

``viterbi`` is the decoder: log space, O(T K^2) time and O(T K) memory, compiled with numba and
batched (one call decodes many sequences, on every core). benchmarks/viterbi.py measures it
against librosa and hmmlearn, and against torbi run by an interpreter that has it (torbi needs
PyTorch 2.6-2.11; its record names that interpreter's versions, or why torbi was not measured).
"""

from __future__ import annotations

import numpy as np

from skelrnn.core.jit import lazy_kernels

__all__ = [
    "viterbi",
    "path_log_probability",
    "mpjpe",
    "pooled_mpjpe_mm",
    "top_score",
    "select_sigma",
    "track_2d",
    "actor_proposals",
    "viterbi_states",
    "transition_log_probs",
    "viterbi_smooth",
    "METHODS",
    "estimate_poses",
]

# ---------------------------------------------------------------------------------------------
# The decoder
# ---------------------------------------------------------------------------------------------
#
# One step of the recursion, delta_t(j) = log_obs[t, j] + max_i (delta_{t-1}(i) + log_trans[i, j]),
# runs with i outside and j inside: for each i the inner loop reads row i of log_trans, which is
# contiguous, and updates best[j] and its argument (back[t, j]) with a compare and a select, which the
# compiler turns into vector instructions (no loop-carried reduction, no branch). A strict ">"
# over increasing i keeps the first maximiser, as numpy's argmax does, so ties resolve as in
# librosa. A batch is spread over the cores by sequence; one sequence stays on one core (split by
# states, each step's parallel region cost more than it saved: 6 times slower at K = 1024).


def _decode(log_obs, trans, init, length, path):
    """One sequence: fills ``path[:length]`` and returns its log probability."""
    t_max, k = log_obs.shape
    back = np.empty((t_max, k), np.int32)
    delta = init + log_obs[0]
    best = np.empty(k)
    for t in range(1, length):
        for j in range(k):
            best[j] = delta[0] + trans[0, j]
            back[t, j] = 0
        for i in range(1, k):
            d = delta[i]
            for j in range(k):
                v = d + trans[i, j]
                better = v > best[j]
                best[j] = v if better else best[j]
                back[t, j] = i if better else back[t, j]
        for j in range(k):
            delta[j] = best[j] + log_obs[t, j]
    state, top = 0, delta[0]
    for j in range(1, k):
        if delta[j] > top:
            top, state = delta[j], j
    path[length - 1] = state
    for t in range(length - 1, 0, -1):
        state = back[t, state]
        path[t - 1] = state
    return top


def _decode_batch(log_obs, trans, trans_of, init, lengths, paths, scores):
    """Sequences spread over the cores; ``trans_of[b]`` indexes sequence b's transition matrix."""
    for b in _prange(log_obs.shape[0]):
        scores[b] = _decode(log_obs[b], trans[trans_of[b]], init[b], lengths[b], paths[b])


def _prange(n):  # numba.prange in the compiled kernel
    return range(n)


def _build_kernels(numba) -> tuple:
    """``(decode, decode_batch, all_below_inf)`` compiled with numba (one sequence; a batch over the
    cores; the input check)."""
    decode = numba.njit(nogil=True)(_decode)
    scope = {"_decode": decode, "_prange": numba.prange}
    # The same source, compiled with the helpers replaced by their kernels.
    batch = type(_decode_batch)(_decode_batch.__code__, scope, _decode_batch.__name__)
    below_inf = numba.njit(nogil=True)(_all_below_inf)
    return decode, numba.njit(nogil=True, parallel=True)(batch), below_inf


_kernels = lazy_kernels(_build_kernels)  # no fallback: without numba the decoder raises the ImportError


def _all_below_inf(flat):
    for v in flat:
        if not v < np.inf:
            return False
    return True


def _below_inf(flat) -> bool:
    """Every value of ``flat`` is finite or -inf (compiled: no temporary array)."""
    return _kernels()[2](flat)


def _as_log_array(name: str, value, ndim: tuple[int, ...]) -> np.ndarray:
    array = np.ascontiguousarray(value, dtype=np.float64)
    if array.ndim not in ndim:
        raise ValueError(f"{name}: expected {' or '.join(f'{d} dimensions' for d in ndim)}, got shape {array.shape}")
    if not _below_inf(array.reshape(-1)):  # one pass: NaN and +inf both fail
        raise ValueError(f"{name}: expected log probabilities (finite or -inf), found NaN or +inf")
    return array


def viterbi(log_obs, log_trans, log_init=None, lengths=None) -> tuple[np.ndarray, np.ndarray]:
    """The most probable state path of a hidden Markov model, for one sequence or a batch.

    ``log_obs``: ``(T, K)`` or ``(B, T, K)`` log observation likelihoods log p(O_t | state j).
    ``log_trans``: ``(K, K)`` log p(state j at t | state i at t - 1), rows i, shared by the batch,
    or ``(B, K, K)``, one per sequence. ``log_init``: ``(K,)`` or ``(B, K)`` log p(state j at t = 0);
    None: uniform. ``lengths``: ``(B,)`` real lengths of a padded batch (None: all T); the path
    is -1 beyond. Rows need not be normalised; -inf is an impossible move. Returns ``(paths,
    log_probs)``: int64 ``(T,)`` or ``(B, T)`` and the path's log probability, ``()`` or ``(B,)``.
    Ties go to the lowest state index, as ``numpy.argmax``.
    """
    log_obs = _as_log_array("log_obs", log_obs, (2, 3))
    single = log_obs.ndim == 2
    obs = log_obs[None] if single else log_obs
    n, t_max, k = obs.shape
    if t_max == 0 or k == 0:
        raise ValueError(f"log_obs: expected at least one step and one state, got shape {log_obs.shape}")
    trans = _as_log_array("log_trans", log_trans, (2, 3))
    if trans.shape[-2:] != (k, k) or (trans.ndim == 3 and trans.shape[0] != n):
        want = f"({k}, {k})" + ("" if single else f" or ({n}, {k}, {k})")
        raise ValueError(f"log_trans: expected shape {want} for {k} states, got {trans.shape}")
    decode, decode_batch, _ = _kernels()
    if single and lengths is None:  # the common case, without the batch's bookkeeping
        if log_init is None:
            init = np.full(k, -np.log(k))
        else:
            init = _as_log_array("log_init", log_init, (1,))
            if init.shape != (k,):
                raise ValueError(f"log_init: expected shape ({k},), got {init.shape}")
        path = np.empty(t_max, np.int64)
        return path, np.float64(decode(log_obs, trans.reshape(k, k), init, t_max, path))
    if log_init is None:
        init = np.full((n, k), -np.log(k))
    else:
        init = _as_log_array("log_init", log_init, (1, 2))
        if init.shape[-1] != k or (init.ndim == 2 and init.shape[0] != n):
            raise ValueError(f"log_init: expected shape ({k},) or ({n}, {k}), got {init.shape}")
        init = np.broadcast_to(init, (n, k))
    if lengths is None:
        lens = np.full(n, t_max, np.int64)
    else:
        lens = np.asarray(lengths).astype(np.int64).reshape(-1)
        if lens.shape != (n,) or (lens < 1).any() or (lens > t_max).any():
            raise ValueError(f"lengths: expected {n} integers in [1, {t_max}], got {np.asarray(lengths).tolist()}")
    paths = np.full((n, t_max), -1, np.int64)
    scores = np.empty(n)
    if n == 1:
        scores[0] = decode(obs[0], trans.reshape(k, k), np.ascontiguousarray(init[0]), lens[0], paths[0])
    else:
        trans = np.ascontiguousarray(trans if trans.ndim == 3 else trans[None])
        trans_of = np.arange(n) if len(trans) == n else np.zeros(n, np.int64)
        decode_batch(obs, trans, trans_of, np.ascontiguousarray(init), lens, paths, scores)
    return (paths[0], scores[0]) if single else (paths, scores)


def path_log_probability(path, log_obs, log_trans, log_init=None) -> float:
    """log p of one state ``path`` ``(T,)`` under the model of ``viterbi`` (one sequence): the
    quantity the decoder maximises, for checking it."""
    path = np.asarray(path)
    log_obs, log_trans = np.asarray(log_obs, float), np.asarray(log_trans, float)
    k = log_obs.shape[1]
    init = np.full(k, -np.log(k)) if log_init is None else np.asarray(log_init, float)
    steps = np.arange(len(path))
    return float(init[path[0]] + log_obs[steps, path].sum() + log_trans[path[:-1], path[1:]].sum())


# ---------------------------------------------------------------------------------------------
# Tracking and smoothing of pose proposals
# ---------------------------------------------------------------------------------------------


def mpjpe(estimate, truth) -> np.ndarray:
    """Mean per-joint position error of each frame, ``(T,)`` in the units of the poses: the mean over
    joints of the Euclidean distance between ``estimate`` and ``truth``, ``(T, J, 3)`` each."""
    estimate, truth = np.asarray(estimate, float), np.asarray(truth, float)
    if estimate.shape != truth.shape or estimate.ndim != 3:
        raise ValueError(f"expected two (T, J, 3) arrays of the same shape, got {estimate.shape} and {truth.shape}")
    return np.linalg.norm(estimate - truth, axis=2).mean(axis=1)


def pooled_mpjpe_mm(poses, videos) -> float:
    """MPJPE in millimetres over every frame of the ``videos`` (``hypotheses.PoseHypotheses``) that have
    true poses, ``poses[n]`` ``(T_n, J, 3)`` metres being video ``n``'s estimate; NaN when no video has
    true poses. Frames are pooled, so a long video weighs more than a short one."""
    errors = [mpjpe(p, v.truth) for p, v in zip(poses, videos, strict=True) if v.truth is not None]
    return 1000 * float(np.mean(np.concatenate(errors))) if errors else float("nan")


def _pose_distance_2d(a, b) -> np.ndarray:
    """Mean joint distance (pixels) between 2D poses ``a`` ``(..., J, 2)`` and one pose ``b`` ``(J, 2)``."""
    return np.linalg.norm(a - b, axis=-1).mean(axis=-1)


def _track(hyp, max_distance: float, first: int) -> tuple[np.ndarray, np.ndarray]:
    """2D tracking's pass: ``(chosen (T,), near (T, K) bool)``, the proposal taken per frame (-1:
    none) and the proposals within the gate of the last one taken."""
    if max_distance <= 0:
        raise ValueError(f"max_distance: expected a positive number, got {max_distance}")
    if not 0 <= first < hyp.count[0]:
        raise ValueError(f"actor: frame 0 has {hyp.count[0]} proposals, got index {first}")
    chosen = np.full(hyp.n_frames, -1, np.int64)
    near = np.zeros(hyp.score.shape, bool)
    chosen[0], near[0, first] = first, True
    last = hyp.pose_2d[0, first]
    for t in range(1, hyp.n_frames):
        n = hyp.count[t]
        size = np.linalg.norm(last.max(axis=0) - last.min(axis=0))  # the body's extent in the image
        near[t, :n] = _pose_distance_2d(hyp.pose_2d[t, :n], last) <= max_distance * size
        if near[t].any():
            candidates = np.flatnonzero(near[t])
            chosen[t] = candidates[np.argmax(hyp.score[t, candidates])]
            last = hyp.pose_2d[t, chosen[t]]
    return chosen, near


def track_2d(hyp, max_distance: float = 0.5, actor: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """2D tracking (thesis 4.1.2): the chosen proposal per frame, and its 3D poses.

    Frame 0 takes proposal ``actor`` (default ``hyp.actor``, the one the user names, as the thesis
    names the actor by hand). Every later frame takes its top-scored proposal among those whose
    2D pose is within ``max_distance`` of the last chosen one, in units of that pose's size (the
    diagonal of its 2D bounding box): 0.5 keeps a proposal whose joints lie on average within half
    the body's extent. A frame with no such proposal (a missed detection, only another person)
    keeps the last chosen 3D pose. Returns ``(chosen, poses)``: ``(T,)`` proposal indices (-1 where
    none was taken) and ``(T, 13, 3)`` metres.
    """
    chosen, _ = _track(hyp, max_distance, hyp.actor if actor is None else int(actor))
    poses = np.empty((hyp.n_frames, *hyp.pose_3d.shape[2:]))
    for t in range(hyp.n_frames):
        poses[t] = hyp.pose_3d[t, chosen[t]] if chosen[t] >= 0 else poses[t - 1]
    return chosen, poses


def actor_proposals(hyp, max_distance: float = 0.5) -> np.ndarray:
    """``(T, K)`` bool: the proposals near the actor's track in 2D, the gate of ``track_2d`` applied
    to every proposal of a frame (not only the top-scored) around the 2D pose that tracking chose
    last. What Viterbi smoothing may choose from when another person is in the picture."""
    return _track(hyp, max_distance, hyp.actor)[1]


def viterbi_states(hyp, chosen=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The states of Viterbi smoothing for one video: ``(classes, mean_poses, log_obs)``.

    ``classes`` ``(S,)``: the pose classes proposed anywhere in the sequence (among the
    proposals ``chosen`` keeps, a ``(T, K)`` bool mask; default all), sorted. ``mean_poses``
    ``(S, 13, 3)``: each class's mean 3D pose over its proposals. ``log_obs`` ``(T, S)``: log of
    the best score of the class's proposals in the frame, or of a floor (the lowest score seen
    times 1e-3) where the class was not proposed, so that a path may cross a frame where its
    class is missing.
    """
    valid = hyp.proposal_mask() if chosen is None else (np.asarray(chosen, bool) & hyp.proposal_mask())
    classes = np.unique(hyp.pose_class[valid])
    if classes.size == 0:
        raise ValueError(f"{hyp.name}: no proposal in any frame: nothing to smooth")
    state = np.searchsorted(classes, np.where(valid, hyp.pose_class, classes[0]))
    sums = np.zeros((classes.size, *hyp.pose_3d.shape[2:]))
    np.add.at(sums, state[valid], hyp.pose_3d[valid])
    mean_poses = sums / np.bincount(state[valid], minlength=classes.size)[:, None, None]
    floor = max(float(hyp.score[valid].min()), 1e-12) * 1e-3
    best = np.full((hyp.n_frames, classes.size), floor)
    frames = np.broadcast_to(np.arange(hyp.n_frames)[:, None], valid.shape)
    np.maximum.at(best, (frames[valid], state[valid]), np.maximum(hyp.score[valid], floor))
    return classes, mean_poses, np.log(best)


def transition_log_probs(mean_poses, sigma: float) -> np.ndarray:
    """log p(state j | state i) ``(S, S)``: a Gaussian of the mean per-joint distance between the
    states' mean poses, ``exp(-d_ij^2 / (2 sigma^2))``, each row normalised (``sigma`` metres)."""
    flat = np.asarray(mean_poses, float)
    d = np.linalg.norm(flat[:, None] - flat[None], axis=-1).mean(axis=-1)
    logits = -(d**2) / (2 * sigma**2)
    return logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)


def viterbi_smooth(hyp, sigma: float = 0.03, gate: float | None = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi smoothing (thesis 4.1.2): the most probable path of pose classes, and its 3D poses.

    The states are the pose classes proposed in the sequence (``viterbi_states``), transitions
    ``transition_log_probs`` with ``sigma`` metres (chapter 09 chooses it on simulated training
    videos with ``select_sigma`` and records its choice), observations the scores; the path starts in
    the class of the actor's proposal of frame 0 (as tracking does). Per frame the pose is
    the best-scored proposal of the path's class, or the class's mean pose where that class was
    not proposed. ``gate``: first keep only the proposals that ``track_2d`` with this
    ``max_distance`` would consider (the actor's, not another person's; the thesis's method is for
    one person); None smooths every proposal. Returns ``(states, poses)``: ``(T,)`` pose classes and
    ``(T, 13, 3)`` metres.
    """
    if sigma <= 0:
        raise ValueError(f"sigma: expected a positive number of metres, got {sigma}")
    keep = None if gate is None else actor_proposals(hyp, gate)
    classes, mean_poses, log_obs = viterbi_states(hyp, keep)
    start = np.full(classes.size, -np.inf)  # the path starts at the actor named in frame 0
    start[np.searchsorted(classes, hyp.pose_class[0, hyp.actor])] = 0.0
    path, _ = viterbi(log_obs, transition_log_probs(mean_poses, sigma), start)
    poses = mean_poses[path].copy()
    valid = hyp.proposal_mask() if keep is None else keep & hyp.proposal_mask()
    valid[0] = np.arange(valid.shape[1]) == hyp.actor
    for t in range(hyp.n_frames):
        same = np.flatnonzero(valid[t] & (hyp.pose_class[t] == classes[path[t]]))
        if same.size:
            poses[t] = hyp.pose_3d[t, same[np.argmax(hyp.score[t, same])]]
    return classes[path], poses


def top_score(hyp) -> tuple[np.ndarray, np.ndarray]:
    """Per frame the top-scored proposal, whoever it shows (no temporal model; frame 0: the actor).
    A frame with no proposal keeps the last pose. Returns ``(chosen, poses)`` as ``track_2d``."""
    chosen = np.full(hyp.n_frames, -1, np.int64)
    poses = np.empty((hyp.n_frames, *hyp.pose_3d.shape[2:]))
    chosen[0], poses[0] = hyp.actor, hyp.pose_3d[0, hyp.actor]
    masked = np.where(hyp.proposal_mask(), hyp.score, -np.inf)
    for t in range(1, hyp.n_frames):
        if hyp.count[t] == 0:
            poses[t] = poses[t - 1]
            continue
        chosen[t] = np.argmax(masked[t])
        poses[t] = hyp.pose_3d[t, chosen[t]]
    return chosen, poses


# The three ways of turning per-frame proposals into one pose per frame that chapter 09 compares.
METHODS = {"top score": top_score, "2D tracking": track_2d, "Viterbi smoothing": viterbi_smooth}


def estimate_poses(hyp, method: str, sigma: float | None = None) -> np.ndarray:
    """One 3D pose per frame, ``(T, 13, 3)`` metres relative to the body centre, by ``method`` (a key
    of ``METHODS``), with its default settings; ``sigma`` (metres) sets Viterbi smoothing's."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if sigma is not None and method == "Viterbi smoothing":
        return viterbi_smooth(hyp, sigma=sigma)[1]
    return METHODS[method](hyp)[1]


def select_sigma(videos, sigmas) -> dict:
    """Viterbi smoothing's ``sigma`` chosen on ``videos`` with true poses (training videos, never the
    test ones): the value of ``sigmas`` (metres) whose smoothed poses have the lowest MPJPE over every
    frame. Returns ``{"sigma": best, "mpjpe_mm": {sigma: mm}, "videos": n}`` (a record's content)."""
    videos = [v for v in videos if v.truth is not None]
    sigmas = [float(s) for s in sigmas]
    if not videos or not sigmas:
        raise ValueError("select_sigma: needs videos with true poses and at least one sigma")
    error = {sigma: pooled_mpjpe_mm([viterbi_smooth(v, sigma=sigma)[1] for v in videos], videos) for sigma in sigmas}
    return {"sigma": min(error, key=error.get), "mpjpe_mm": error, "videos": len(videos)}
