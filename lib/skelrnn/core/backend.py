"""The one place where skelrnn talks to the Keras backend (TensorFlow, JAX or torch) directly.

Everything else in the library is written against ``keras`` and ``keras.ops`` so that the
notebooks run unchanged with ``KERAS_BACKEND=jax`` or ``torch``. Two things cannot be said in
Keras alone: making the backend deterministic, and taking a gradient outside ``fit``; a third,
tracing a training step once for every sequence length, is a TensorFlow matter.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import socket
import subprocess
import sys
import time
import weakref
from pathlib import Path

import numpy as np

import skelrnn

# Keras (and through it TensorFlow, JAX or torch) is imported inside each function: the data
# layer's worker processes import this package without the backend.

__all__ = [
    "set_seed",
    "global_random_state",
    "set_global_random_state",
    "layer_gradients",
    "describe",
    "ScalarWriter",
    "limit_threads",
    "ignore_retracing_warnings",
    "default_pad_multiple",
    "train_step_function",
    "predict_function",
]


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend, and ask the backend for deterministic kernels.

    Same seed, same profile, same machine: same numbers (tested in ``tests/test_train.py``, on
    every backend that ``make test`` runs).
    """
    import keras  # here, not at the top: the data layer's workers import core without a backend

    keras.utils.set_random_seed(int(seed))
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf  # the backend in use, only it

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch  # the backend in use, only it

        torch.use_deterministic_algorithms(True, warn_only=True)


def global_random_state():
    """The backend's global random generator state, JSON-able, or None where the backend has none
    that training uses. Keras's torch backend draws unseeded dropout masks from torch's global
    generator, so a checkpoint must keep that state for a resumed run to equal a straight one."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    if keras.backend.backend() == "torch":
        import torch  # the backend in use, only it

        return torch.get_rng_state().tolist()
    return None


def set_global_random_state(state) -> None:
    """Restore a state returned by ``global_random_state`` (None: nothing to restore)."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    if state is not None and keras.backend.backend() == "torch":
        import torch  # the backend in use, only it

        torch.set_rng_state(torch.tensor(state, dtype=torch.uint8))


def layer_gradients(layer, x: np.ndarray, upstream: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Gradient of ``L = sum(upstream * layer(x))`` by the backend's automatic differentiation.

    Parameters
    ----------
    layer : a built Keras layer
    x : array (N, T, D)
    upstream : array shaped like ``layer(x)``

    Returns
    -------
    dx : array shaped like ``x``
    dweights : list of arrays, one per ``layer.trainable_weights`` in that order
    """
    import keras  # here, not at the top: the data layer's workers import core without a backend

    backend = keras.backend.backend()
    x = np.asarray(x, dtype="float32")
    upstream = np.asarray(upstream, dtype="float32")
    if backend == "tensorflow":
        import tensorflow as tf  # the backend in use, only it

        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            loss = tf.reduce_sum(layer(xt) * upstream)
        grads = tape.gradient(loss, [xt] + [v.value for v in layer.trainable_weights])
        grads = [g.numpy() for g in grads]
    elif backend == "jax":
        import jax  # the backend in use, only it

        trainable = [v.value for v in layer.trainable_variables]
        # stateless_call wants every non-trainable *variable*, the dropout seed generator's state
        # included, which non_trainable_weights leaves out (a SimpleRNN has one).
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss_fn(xv, tv):
            out, _ = layer.stateless_call(tv, non_trainable, xv)
            return (out * upstream).sum()

        gx, gw = jax.grad(loss_fn, argnums=(0, 1))(x, trainable)
        grads = [np.asarray(gx)] + [np.asarray(g) for g in gw]
    elif backend == "torch":
        import torch  # the backend in use, only it

        xt = torch.tensor(x, requires_grad=True)
        for v in layer.trainable_weights:
            v.value.grad = None
        loss = (layer(xt) * torch.tensor(upstream)).sum()
        loss.backward()
        grads = [xt.grad.numpy()] + [v.value.grad.detach().cpu().numpy() for v in layer.trainable_weights]
    else:
        raise NotImplementedError(f"gradients for the Keras backend {backend!r}")
    return grads[0], grads[1:]


def library_commit(package: str | Path | None = None) -> str:
    """The git commit of the library's code (``lib/skelrnn``), with " + uncommitted changes" when its
    files differ from that commit; "unknown (...)" outside a git checkout or without git.

    ``package`` is the folder whose commit is wanted; only changes inside it count. The default,
    the installed ``skelrnn`` package, is looked up once per process; a given folder every call."""
    if package is None:
        return _installed_commit()
    return _commit_of(Path(package))


@functools.lru_cache(maxsize=1)
def _installed_commit() -> str:
    return _commit_of(Path(skelrnn.__file__).resolve().parent)


def _commit_of(package: Path) -> str:
    def git(*args) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(package), *args], capture_output=True, text=True, timeout=20)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"unknown ({type(err).__name__}: git not usable)"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def describe() -> dict[str, str]:
    """Versions, commit and device, printed at the top of every chapter and stored in result records."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    backend = keras.backend.backend()
    info = {
        "skelrnn": skelrnn.__version__,
        "commit": library_commit(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": backend,
        "platform": platform.platform(terse=True),
        "cpu_count": str(os.cpu_count()),
    }
    if backend == "tensorflow":
        import tensorflow as tf  # the backend in use, only it

        info["tensorflow"] = tf.__version__
        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    elif backend == "jax":
        import jax  # the backend in use, only it

        info["jax"] = jax.__version__
        gpus = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    elif backend == "torch":
        import torch  # the backend in use, only it

        info["torch"] = torch.__version__
        gpus = [torch.cuda.get_device_name(k) for k in range(torch.cuda.device_count())]
    else:
        gpus = []
    info["device"] = f"{len(gpus)} GPU ({', '.join(sorted(set(gpus)))})" if gpus else "CPU"
    return info


class ScalarWriter:
    """``writer(step, {name: value})`` logs scalars for TensorBoard in ``log_dir``, on every backend.

    The event file is written with TensorBoard's own record format and protocol buffers (the
    ``tensorboard`` package), without TensorFlow: a JAX or torch machine logs the same curves.
    The file is opened on the first call, so a run that logs nothing leaves no file.
    """

    def __init__(self, log_dir):
        self.log_dir = Path(log_dir)
        self._records = None

    def _open(self):
        # tensorboard's protocol buffers load in a second: only a run that logs pays for them
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        self.log_dir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self._records = RecordWriter(open(self.log_dir / name, "wb"))  # noqa: SIM115 (closed in close())
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event) -> None:
        self._records.write(event.SerializeToString())
        self._records.flush()

    def __call__(self, step: int, scalars: dict) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2  # a run that logs: _open loaded them

        if self._records is None:
            self._open()
        values = [summary_pb2.Summary.Value(tag=name, simple_value=float(v)) for name, v in scalars.items()]
        self._write(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary_pb2.Summary(value=values)))

    def close(self) -> None:
        if self._records is not None:
            self._records.close()
            self._records = None


def limit_threads(n: int) -> None:
    """Let the backend use at most ``n`` CPU threads (call before it runs anything)."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # the backend in use, only it

        tf.config.threading.set_intra_op_parallelism_threads(int(n))
        tf.config.threading.set_inter_op_parallelism_threads(int(n))
    elif keras.backend.backend() == "torch":
        import torch  # the backend in use, only it

        torch.set_num_threads(int(n))


class _DropRetracingWarnings:
    """A logging filter for TensorFlow's "triggered tf.function retracing" warning."""

    def filter(self, record) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


def ignore_retracing_warnings() -> None:
    """Drop TensorFlow's warning that many calls traced a function again (idempotent).

    A process that trains one model after another (a table's worker) builds new models, hence new
    traced functions, and TensorFlow counts those traces against "the last calls" and warns. The
    warning is expected there and would land in a chapter's output as stderr.
    """
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _DropRetracingWarnings) for f in logger.filters):
        logger.addFilter(_DropRetracingWarnings())


def default_pad_multiple() -> int:
    """What batches' padded lengths are rounded up to where a profile leaves it to the backend
    (``settings.TrainConfig.pad_multiple`` None). JAX compiles its step for every padded length, so
    lengths go to multiples of 16 (a few shapes, each compiled once); TensorFlow traces one step
    for every length (``train_step_function``) and torch runs eagerly, so they pad each batch to
    its own longest sequence and compute no step beyond it (19 % fewer steps than multiples of 16
    on the quick profile's data, ``benchmarks/results/trace_costs.json``)."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    return 16 if keras.backend.backend() == "jax" else 1


# The traced functions of a model, kept while the model lives (train.ModelPool reuses models).
_TRAIN_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PREDICT_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _traced_per_batch_size(function, model, labels: bool):
    """``function`` traced once for each batch size it is called with, the time dimension left
    open (a graph that knows its batch size is specialised more; the engine's batches have one
    size, so this is one trace). Returns ``call(x[, y])`` and ``count()``, the graphs traced so
    far."""
    import tensorflow as tf  # the backend in use, only it

    features = tuple(model.input.shape)[2:]
    graphs: dict[int, object] = {}

    def call(x, *y):
        size = int(x.shape[0])
        if size not in graphs:
            signature = [tf.TensorSpec((size, None, *features), tf.float32)]
            if labels:
                signature.append(tf.TensorSpec((size,), tf.int64))
            graphs[size] = tf.function(function, input_signature=signature)
        return graphs[size](x, *y)

    def count() -> int:
        return sum(g.experimental_get_tracing_count() for g in graphs.values())

    return call, count


def train_step_function(model):
    """``step(x, y) -> {"loss": float, "accuracy": float, ...}``: one update of the compiled
    ``model`` on a batch ``x`` ``(B, T, D)`` float32, ``y`` ``(B,)`` int, with that batch's metrics
    only (as ``model.train_on_batch`` gives them).

    TensorFlow: one graph for every length, traced on the first call with a batch size (Keras's
    ``train_on_batch`` traces the first length it sees, then again once it has seen a second:
    two traces a model, 2-3 s each on a CPU). Before tracing, the optimizer, the loss and the
    metrics are built eagerly on a one-step slice of the batch (Keras's public ``compute_loss``
    and ``compute_metrics``, whose state is reset), so that the traced step creates no variable.
    JAX (a jitted step per padded length) and torch (eager) use ``train_on_batch``."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    if keras.backend.backend() != "tensorflow":
        return lambda x, y: model.train_on_batch(x, y, return_dict=True)
    if model not in _TRAIN_STEPS:
        import tensorflow as tf  # the backend in use, only it

        @tf.autograph.experimental.do_not_convert  # Keras's step is plain Python, as Keras traces it
        def one_update(x, y):
            return model.train_step((x, y))

        traced, count = _traced_per_batch_size(one_update, model, labels=True)

        def step(x, y):
            x, y = np.asarray(x, np.float32), np.asarray(y, np.int64)
            if not count():  # build what the step would create
                if not model.optimizer.built:
                    model.optimizer.build(model.trainable_variables)
                y_pred = model(x[:, :1], training=False)
                model.compute_loss(x=x[:, :1], y=y, y_pred=y_pred)
                model.compute_metrics(x[:, :1], y, y_pred, sample_weight=None)
            model.reset_metrics()
            return {k: float(v) for k, v in traced(x, y).items()}

        step.tracing_count = count  # graphs traced so far: one per batch size
        _TRAIN_STEPS[model] = step
    return _TRAIN_STEPS[model]


def predict_function(model):
    """``predict(x) -> [np.ndarray, ...]``: ``model``'s outputs on a batch ``x`` ``(B, T, D)`` in
    inference mode, as ``model.predict_on_batch`` gives them; on TensorFlow one graph for every
    length (see ``train_step_function``)."""
    import keras  # here, not at the top: the data layer's workers import core without a backend

    if keras.backend.backend() != "tensorflow":
        return lambda x: [np.asarray(a) for a in keras.tree.flatten(model.predict_on_batch(x))]
    if model not in _PREDICT_STEPS:
        import tensorflow as tf  # the backend in use, only it

        @tf.autograph.experimental.do_not_convert
        def outputs(x):
            return model(x, training=False)

        traced, _count = _traced_per_batch_size(outputs, model, labels=False)
        _PREDICT_STEPS[model] = lambda x: [a.numpy() for a in keras.tree.flatten(traced(np.asarray(x, np.float32)))]
    return _PREDICT_STEPS[model]
