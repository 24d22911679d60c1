"""Recurrent cells from scratch in NumPy (thesis section 2.3, eq. 1-4).

Defined for the chapter "Recurrent networks from scratch" (``notebooks/01_rnn_math.md``).

Every cell is written in the thesis's notation: the input of a step is the stacked vector
``H_t = [x_t; h_{t-1}; 1]`` (eq. 2) and each weight matrix ``W_*`` has shape ``(H, D + H + 1)``:
the input weights, the recurrent weights and the bias side by side. Batches are row vectors,
so a step computes ``H_t @ W.T``.

Shapes used throughout::

    x    (N, T, D)   N sequences of T steps with D features
    h    (N, T, H)   hidden state after every step
    dh   (N, T, H)   gradient of the loss with respect to each h_t, coming from outside
                     the recurrence (e.g. a classifier reading h_T)

The module also loads the weights of Keras ``SimpleRNN``, ``LSTM`` and ``GRU`` layers into
these cells, so the chapter can show that both compute the same thing, and it backpropagates
through time by hand (``bptt``) for all three cells.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import keras
import numpy as np

from skelrnn.core.backend import layer_gradients

__all__ = [
    "RNNWeights",
    "LSTMWeights",
    "GRUWeights",
    "stack_inputs",
    "forward",
    "bptt",
    "weights_from_keras",
    "weights_from_arrays",
    "Gradients",
    "hidden_gradient_norms",
    "sigmoid",
    "numerical_gradient",
    "relative_error",
    "keras_layer",
    "keras_agreement",
    "gradient_checks",
]


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function, computed without overflow for large negative ``a``."""
    out = np.empty_like(a)
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    ea = np.exp(a[~pos])
    out[~pos] = ea / (1.0 + ea)
    return out


def stack_inputs(x_t: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
    """The thesis's ``H_t = [x_t; h_{t-1}; 1]`` (eq. 2) for a batch: ``(N, D + H + 1)``."""
    ones = np.ones((x_t.shape[0], 1), dtype=x_t.dtype)
    return np.concatenate([x_t, h_prev, ones], axis=1)


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Weights:
    """Common shape logic: every matrix is ``(H, D + H + 1)``."""

    @property
    def units(self) -> int:
        return getattr(self, fields(self)[0].name).shape[0]

    @property
    def input_dim(self) -> int:
        m = getattr(self, fields(self)[0].name)
        return m.shape[1] - m.shape[0] - 1

    def matrices(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def __post_init__(self) -> None:
        shape = None
        for name, m in self.matrices().items():
            if name == "b_hh":
                continue
            if m.ndim != 2 or m.shape[1] <= m.shape[0]:
                raise ValueError(f"{type(self).__name__}.{name}: expected shape (H, D + H + 1), got {m.shape}")
            if shape is not None and m.shape != shape:
                raise ValueError(f"{type(self).__name__}.{name}: shape {m.shape} differs from {shape}")
            shape = m.shape


@dataclass(frozen=True)
class RNNWeights(_Weights):
    """Standard RNN (eq. 1-2): ``h_t = tanh(W H_t)``. ``W`` is ``(H, D + H + 1)``."""

    W: np.ndarray


@dataclass(frozen=True)
class LSTMWeights(_Weights):
    """LSTM (eq. 3): forget, input and output gates and the candidate cell, each ``(H, D + H + 1)``."""

    W_f: np.ndarray
    W_i: np.ndarray
    W_o: np.ndarray
    W_c: np.ndarray


@dataclass(frozen=True)
class GRUWeights(_Weights):
    """GRU (eq. 4): reset gate, update gate and candidate state, each ``(H, D + H + 1)``.

    With ``b_hh`` left to ``None`` this is the thesis's GRU: the reset gate multiplies
    ``h_{t-1}`` *before* the matrix product. With a vector ``b_hh`` of shape ``(H,)`` it is the
    variant that Keras calls ``reset_after=True`` (the cuDNN form): the reset gate multiplies the
    already transformed state, ``r_t * (W_hh h_{t-1} + b_hh)``, which needs its own recurrent bias.
    """

    W_r: np.ndarray
    W_z: np.ndarray
    W_h: np.ndarray
    b_hh: np.ndarray | None = None

    @property
    def reset_after(self) -> bool:
        return self.b_hh is not None


def _check_inputs(w: _Weights, x: np.ndarray, h0: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x: expected shape (N, T, D), got {x.shape}")
    if x.shape[2] != w.input_dim:
        raise ValueError(f"x: last axis has {x.shape[2]} features, the weights expect {w.input_dim}")
    n, h = x.shape[0], w.units
    if h0 is None:
        h0 = np.zeros((n, h), dtype=x.dtype)
    elif np.shape(h0) != (n, h):
        raise ValueError(f"h0: expected shape {(n, h)}, got {np.shape(h0)}")
    return x, np.asarray(h0)


# ---------------------------------------------------------------------------------------------
# Forward passes. Each returns the hidden states (N, T, H) and a cache that bptt reuses.
# ---------------------------------------------------------------------------------------------


def _rnn_forward(w: RNNWeights, x, h0):
    n, t_len, _ = x.shape
    h = np.empty((n, t_len, w.units), dtype=x.dtype)
    stacked = []
    h_prev = h0
    for t in range(t_len):
        s = stack_inputs(x[:, t], h_prev)  # (N, D+H+1)
        h_prev = np.tanh(s @ w.W.T)  # eq. 2
        h[:, t] = h_prev
        stacked.append(s)
    return h, {"stacked": stacked}


def _lstm_forward(w: LSTMWeights, x, h0, c0=None):
    n, t_len, _ = x.shape
    units = w.units
    h = np.empty((n, t_len, units), dtype=x.dtype)
    c = np.empty_like(h)
    h_prev = h0
    c_prev = np.zeros_like(h0) if c0 is None else c0
    cache = {k: [] for k in ("stacked", "f", "i", "o", "g", "c_prev")}
    for t in range(t_len):
        s = stack_inputs(x[:, t], h_prev)
        f = sigmoid(s @ w.W_f.T)  # eq. 3, gates
        i = sigmoid(s @ w.W_i.T)
        o = sigmoid(s @ w.W_o.T)
        g = np.tanh(s @ w.W_c.T)  # candidate memory C~_t
        for key, val in (("stacked", s), ("f", f), ("i", i), ("o", o), ("g", g), ("c_prev", c_prev)):
            cache[key].append(val)
        c_prev = f * c_prev + i * g
        h_prev = o * np.tanh(c_prev)
        h[:, t], c[:, t] = h_prev, c_prev
    cache["c"] = c
    return h, cache


def _gru_forward(w: GRUWeights, x, h0):
    n, t_len, d = x.shape
    units = w.units
    h = np.empty((n, t_len, units), dtype=x.dtype)
    h_prev = h0
    cache = {k: [] for k in ("stacked", "stacked_reset", "r", "z", "cand", "h_prev", "u")}
    for t in range(t_len):
        s = stack_inputs(x[:, t], h_prev)
        r = sigmoid(s @ w.W_r.T)
        z = sigmoid(s @ w.W_z.T)
        if w.reset_after:
            # Keras reset_after=True: r_t * (W_hh h_{t-1} + b_hh), with the input part and its
            # bias added outside the product.
            u = h_prev @ w.W_h[:, d : d + units].T + w.b_hh
            s_reset = stack_inputs(x[:, t], np.zeros_like(h_prev))
            cand = np.tanh(s_reset @ w.W_h.T + r * u)
        else:
            # Thesis eq. 4: the reset gate acts on h_{t-1} before the matrix product.
            u = None
            s_reset = stack_inputs(x[:, t], h_prev * r)
            cand = np.tanh(s_reset @ w.W_h.T)
        for key, val in (
            ("stacked", s),
            ("stacked_reset", s_reset),
            ("r", r),
            ("z", z),
            ("cand", cand),
            ("h_prev", h_prev),
            ("u", u),
        ):
            cache[key].append(val)
        h_prev = z * h_prev + (1.0 - z) * cand
        h[:, t] = h_prev
    return h, cache


def forward(w: RNNWeights | LSTMWeights | GRUWeights, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
    """Run a cell over a batch of sequences.

    Parameters
    ----------
    w : RNNWeights, LSTMWeights or GRUWeights
        The cell (thesis eq. 1-2, 3 or 4).
    x : array (N, T, D)
    h0 : array (N, H), optional
        Initial hidden state; zeros by default. The LSTM memory cell always starts at zero.

    Returns
    -------
    h : array (N, T, H), the hidden state after every step.
    """
    x, h0 = _check_inputs(w, x, h0)
    return _forward_with_cache(w, x, h0)[0]


def _forward_with_cache(w, x, h0):
    if isinstance(w, RNNWeights):
        return _rnn_forward(w, x, h0)
    if isinstance(w, LSTMWeights):
        return _lstm_forward(w, x, h0)
    if isinstance(w, GRUWeights):
        return _gru_forward(w, x, h0)
    raise TypeError(f"expected RNNWeights, LSTMWeights or GRUWeights, got {type(w).__name__}")


# ---------------------------------------------------------------------------------------------
# Backpropagation through time
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gradients:
    """What ``bptt`` returns.

    weights : same type as the cell, each matrix the gradient of its twin ``(H, D + H + 1)``
    x       : (N, T, D)  dL/dx_t
    h0      : (N, H)     dL/dh_0
    hidden  : (N, T, H)  total dL/dh_t, through every later step: the quantity whose norm
              shrinks with the distance to the loss when gradients vanish
    """

    weights: RNNWeights | LSTMWeights | GRUWeights
    x: np.ndarray
    h0: np.ndarray
    hidden: np.ndarray


def bptt(w, x: np.ndarray, dh: np.ndarray, h0: np.ndarray | None = None) -> Gradients:
    """Backpropagation through time, by hand, for a loss ``L(h_1, ..., h_T)``.

    ``dh[:, t]`` is the gradient of the loss with respect to ``h_t`` *directly* (not through
    later steps), shape (N, T, H). For a classifier on the last step only ``dh[:, -1]`` is
    non-zero. For a scalar loss ``L = sum(G * h)`` it is ``G``: that is how the tests and the
    chapter compare with finite differences and with Keras.
    """
    x, h0 = _check_inputs(w, x, h0)
    dh = np.asarray(dh)
    n, t_len, _ = x.shape
    if dh.shape != (n, t_len, w.units):
        raise ValueError(f"dh: expected shape {(n, t_len, w.units)}, got {dh.shape}")
    h, cache = _forward_with_cache(w, x, h0)
    if isinstance(w, RNNWeights):
        return _rnn_bptt(w, x, h, cache, dh)
    if isinstance(w, LSTMWeights):
        return _lstm_bptt(w, x, h, cache, dh)
    return _gru_bptt(w, x, h, cache, dh)


def _rnn_bptt(w, x, h, cache, dh):
    d = x.shape[2]
    units = w.units
    dW = np.zeros_like(w.W)
    dx = np.empty_like(x)
    hidden = np.empty_like(h)
    carry = np.zeros_like(h[:, 0])  # dL/dh_t arriving from step t+1
    for t in reversed(range(x.shape[1])):
        total = dh[:, t] + carry
        hidden[:, t] = total
        da = total * (1.0 - h[:, t] ** 2)  # tanh'
        dW += da.T @ cache["stacked"][t]
        ds = da @ w.W  # gradient w.r.t. H_t = [x_t; h_{t-1}; 1]
        dx[:, t] = ds[:, :d]
        carry = ds[:, d : d + units]
    return Gradients(RNNWeights(dW), dx, carry, hidden)


def _lstm_bptt(w, x, h, cache, dh):
    d = x.shape[2]
    units = w.units
    grads = {k: np.zeros_like(v) for k, v in w.matrices().items()}
    dx = np.empty_like(x)
    hidden = np.empty_like(h)
    carry_h = np.zeros_like(h[:, 0])
    carry_c = np.zeros_like(h[:, 0])
    c = cache["c"]
    for t in reversed(range(x.shape[1])):
        f, i, o, g = (cache[k][t] for k in ("f", "i", "o", "g"))
        total = dh[:, t] + carry_h
        hidden[:, t] = total
        tc = np.tanh(c[:, t])
        dc = carry_c + total * o * (1.0 - tc**2)
        da = {
            "W_o": total * tc * o * (1.0 - o),
            "W_f": dc * cache["c_prev"][t] * f * (1.0 - f),
            "W_i": dc * g * i * (1.0 - i),
            "W_c": dc * i * (1.0 - g**2),
        }
        s = cache["stacked"][t]
        ds = np.zeros_like(s)
        for name, a in da.items():
            grads[name] += a.T @ s
            ds += a @ getattr(w, name)
        dx[:, t] = ds[:, :d]
        carry_h = ds[:, d : d + units]
        carry_c = dc * f
    return Gradients(LSTMWeights(**grads), dx, carry_h, hidden)


def _gru_bptt(w, x, h, cache, dh):
    d = x.shape[2]
    units = w.units
    dW_r, dW_z, dW_h = np.zeros_like(w.W_r), np.zeros_like(w.W_z), np.zeros_like(w.W_h)
    db_hh = None if w.b_hh is None else np.zeros_like(w.b_hh)
    dx = np.empty_like(x)
    hidden = np.empty_like(h)
    carry = np.zeros_like(h[:, 0])
    for t in reversed(range(x.shape[1])):
        r, z, cand, h_prev = (cache[k][t] for k in ("r", "z", "cand", "h_prev"))
        total = dh[:, t] + carry
        hidden[:, t] = total
        da_z = total * (h_prev - cand) * z * (1.0 - z)
        da_h = total * (1.0 - z) * (1.0 - cand**2)
        s_reset = cache["stacked_reset"][t]
        dW_h += da_h.T @ s_reset
        ds_reset = da_h @ w.W_h
        dh_prev = total * z
        if w.reset_after:
            u = cache["u"][t]
            du = da_h * r
            da_r = da_h * u * r * (1.0 - r)
            dW_h[:, d : d + units] += du.T @ h_prev
            db_hh += du.sum(axis=0)
            dh_prev = dh_prev + du @ w.W_h[:, d : d + units]
        else:
            d_reset_h = ds_reset[:, d : d + units]  # gradient w.r.t. r * h_{t-1}
            da_r = d_reset_h * h_prev * r * (1.0 - r)
            dh_prev = dh_prev + d_reset_h * r
        s = cache["stacked"][t]
        dW_r += da_r.T @ s
        dW_z += da_z.T @ s
        ds = da_r @ w.W_r + da_z @ w.W_z
        dx[:, t] = ds[:, :d] + ds_reset[:, :d]
        carry = dh_prev + ds[:, d : d + units]
    return Gradients(GRUWeights(dW_r, dW_z, dW_h, db_hh), dx, carry, hidden)


def hidden_gradient_norms(w, x: np.ndarray, dh_last: np.ndarray | None = None, rng=None) -> np.ndarray:
    """Norm of dL/dh_t against the distance ``T - t`` to a loss that reads only ``h_T``.

    The loss gradient at the last step is ``dh_last`` (N, H), by default a random unit vector
    per sequence. Returns the mean over the batch of ``||dL/dh_{T-k}||`` for k = 0 .. T-1,
    shape (T,), normalised so that k = 0 gives 1. This is the quantity behind the vanishing
    gradient problem (thesis 2.3.2, Bengio et al. 1994).
    """
    x = np.asarray(x)
    n, t_len, _ = x.shape
    if dh_last is None:
        rng = np.random.default_rng(0) if rng is None else rng
        dh_last = rng.standard_normal((n, w.units))
        dh_last /= np.linalg.norm(dh_last, axis=1, keepdims=True)
    dh = np.zeros((n, t_len, w.units), dtype=x.dtype)
    dh[:, -1] = dh_last
    hidden = bptt(w, x, dh).hidden
    norms = np.linalg.norm(hidden, axis=2).mean(axis=0)  # (T,)
    return norms[::-1] / norms[-1]


# ---------------------------------------------------------------------------------------------
# Keras -> NumPy
# ---------------------------------------------------------------------------------------------


def _thesis_matrix(kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Keras keeps ``x @ kernel + h @ recurrent + bias``; the thesis writes ``W [x; h; 1]``."""
    return np.concatenate([kernel.T, recurrent.T, bias[:, None]], axis=1)


def weights_from_keras(layer) -> RNNWeights | LSTMWeights | GRUWeights:
    """Copy the weights of a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` layer into a cell.

    Keras stacks the gates of a layer side by side along the last axis of its kernels: LSTM in
    the order input, forget, candidate, output; GRU in the order update (z), reset (r),
    candidate. A GRU built with ``reset_after=True`` (the Keras default) has two bias rows,
    input and recurrent; the gates can add them, the candidate cannot (its recurrent bias sits
    inside the reset product), so it is kept in ``GRUWeights.b_hh``.
    """

    cell = getattr(layer, "cell", layer)
    if not layer.built:
        raise ValueError(f"{layer.name}: build the layer (call it on an input) before reading its weights")
    kind = type(cell).__name__
    if kind not in ("SimpleRNNCell", "LSTMCell", "GRUCell"):
        raise TypeError(f"{layer.name}: expected a SimpleRNN, LSTM or GRU layer, got {type(layer).__name__}")
    if kind == "SimpleRNNCell":
        if cell.activation is not keras.activations.tanh:
            raise ValueError(f"{layer.name}: the thesis's standard RNN uses tanh (eq. 1)")
    elif cell.activation is not keras.activations.tanh or cell.recurrent_activation is not keras.activations.sigmoid:
        raise ValueError(f"{layer.name}: the thesis's cells use tanh and sigmoid (eq. 3-4)")

    arrays = [keras.ops.convert_to_numpy(v) for v in (cell.kernel, cell.recurrent_kernel)]
    if cell.use_bias:
        arrays.append(keras.ops.convert_to_numpy(cell.bias))
    return weights_from_arrays(kind, arrays, reset_after=bool(getattr(cell, "reset_after", False)))


def weights_from_arrays(kind: str, arrays: list[np.ndarray], reset_after: bool = False, for_gradients: bool = False):
    """Arrange arrays in Keras's layout ``[kernel (D, kH), recurrent (H, kH), bias]`` as a NumPy cell.

    ``kind`` is ``SimpleRNNCell``, ``LSTMCell`` or ``GRUCell``; the bias may be absent. With
    ``for_gradients`` the arrays are gradients: the two gate-bias rows of a ``reset_after`` GRU
    each receive the full gradient of the one bias they add up to, so the first row is used
    instead of their sum.
    """
    kernel = np.asarray(arrays[0], dtype=np.float64)
    recurrent = np.asarray(arrays[1], dtype=np.float64)
    units = recurrent.shape[0]
    n_blocks = kernel.shape[1] // units
    if len(arrays) > 2:
        bias = np.asarray(arrays[2], dtype=np.float64)
    else:
        bias = np.zeros((2, n_blocks * units) if reset_after else n_blocks * units)

    def block(k: int, b: np.ndarray) -> np.ndarray:
        sl = slice(k * units, (k + 1) * units)
        return _thesis_matrix(kernel[:, sl], recurrent[:, sl], b[sl])

    if kind == "SimpleRNNCell":
        return RNNWeights(block(0, bias))
    if kind == "LSTMCell":
        return LSTMWeights(W_f=block(1, bias), W_i=block(0, bias), W_o=block(3, bias), W_c=block(2, bias))
    if kind != "GRUCell":
        raise ValueError(f"unknown cell kind {kind!r}")
    if reset_after:
        b_in, b_rec = bias[0], bias[1]
        gates = b_in if for_gradients else b_in + b_rec
        return GRUWeights(W_r=block(1, gates), W_z=block(0, gates), W_h=block(2, b_in), b_hh=b_rec[2 * units :])
    return GRUWeights(W_r=block(1, bias), W_z=block(0, bias), W_h=block(2, bias))


# ---------------------------------------------------------------------------------------------
# Checks shown in the chapter and asserted by the tests
# ---------------------------------------------------------------------------------------------


def numerical_gradient(f, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar function ``f`` at ``array`` (float64), same shape."""
    array = np.array(array, dtype=np.float64)
    grad = np.empty_like(array)
    for idx in np.ndindex(array.shape):
        saved = array[idx]
        array[idx] = saved + eps
        up = f(array)
        array[idx] = saved - eps
        down = f(array)
        array[idx] = saved
        grad[idx] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max|a - b| / max(max|b|, tiny)``: the tolerance measure of the gradient checks."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def keras_layer(cell: str, units: int, input_dim: int, rng: np.random.Generator, scale: float = 0.5):
    """A built Keras layer of kind ``rnn``, ``lstm``, ``gru`` (thesis form) or ``gru_reset_after``
    returning every step, with weights drawn from ``scale * N(0, 1)`` by ``rng``."""
    layers = {
        "rnn": lambda: keras.layers.SimpleRNN(units, return_sequences=True),
        "lstm": lambda: keras.layers.LSTM(units, return_sequences=True),
        "gru": lambda: keras.layers.GRU(units, return_sequences=True, reset_after=False),
        "gru_reset_after": lambda: keras.layers.GRU(units, return_sequences=True, reset_after=True),
    }
    if cell not in layers:
        raise ValueError(f"cell must be one of {sorted(layers)}, got {cell!r}")
    layer = layers[cell]()
    layer.build((None, None, input_dim))
    layer.set_weights([(scale * rng.standard_normal(w.shape)).astype("float32") for w in layer.get_weights()])
    return layer


def keras_agreement(cell: str, shape: tuple[int, int, int, int], seed: int = 0) -> float:
    """Max abs difference between a Keras layer and its NumPy twin on random weights and inputs.

    ``shape`` is (N, T, D, H). The Keras layer computes in float32, so agreement is to ~1e-6.
    """
    n, t_len, d, units = shape
    rng = np.random.default_rng(seed)
    layer = keras_layer(cell, units, d, rng)
    x = rng.standard_normal((n, t_len, d)).astype("float32")
    ours = forward(weights_from_keras(layer), x.astype(np.float64))
    theirs = keras.ops.convert_to_numpy(layer(x))
    return float(np.abs(ours - theirs).max())


def gradient_checks(cell: str, shape: tuple[int, int, int, int], seed: int = 0) -> dict[str, float]:
    """Relative error of ``bptt`` against finite differences and against Keras's autodiff.

    The loss is ``L = sum(G * h)`` with a random ``G``, so ``dh = G``. Returns the relative
    errors of dL/dx and of the weight gradients (all matrices stacked) for both references.
    """
    n, t_len, d, units = shape
    rng = np.random.default_rng(seed)
    layer = keras_layer(cell, units, d, rng)
    w = weights_from_keras(layer)
    x = rng.standard_normal((n, t_len, d))
    g = rng.standard_normal((n, t_len, units))
    ours = bptt(w, x, g)

    def loss_of(name):
        def f(m):
            return float(np.sum(g * forward(type(w)(**{**w.matrices(), name: m}), x)))

        return f

    fd_x = numerical_gradient(lambda xv: float(np.sum(g * forward(w, xv))), x)
    fd_w = np.concatenate([numerical_gradient(loss_of(k), m).ravel() for k, m in w.matrices().items()])
    our_w = np.concatenate([m.ravel() for m in ours.weights.matrices().values()])

    keras_dx, keras_dweights = layer_gradients(layer, x, g)
    cell_layer = getattr(layer, "cell", layer)
    keras_w = weights_from_arrays(
        type(cell_layer).__name__, keras_dweights, getattr(cell_layer, "reset_after", False), for_gradients=True
    )
    keras_flat = np.concatenate([m.ravel() for m in keras_w.matrices().values()])
    return {
        "dx vs finite differences": relative_error(ours.x, fd_x),
        "dW vs finite differences": relative_error(our_w, fd_w),
        "dx vs Keras": relative_error(ours.x, keras_dx),
        "dW vs Keras": relative_error(our_w, keras_flat),
    }
