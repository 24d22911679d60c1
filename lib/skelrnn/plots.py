"""Plotly figures of the book, and the one function that decides how a figure is displayed.

How figures reach the page (see DESIGN.md, pitfalls): ``show`` emits a MIME bundle with the
figure's JSON (``application/vnd.plotly.v1+json``, which JupyterLab draws itself) and an HTML
``<div>`` whose script calls ``Plotly.newPlot``. The book renders the HTML and serves
``plotly.min.js`` from its own ``_static`` folder, so pages draw their figures with the
network off. The div id is derived from the figure's content, so executed notebooks do not
change from run to run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

__all__ = ["show", "plotly_js_path", "gradient_norm_figure", "memory_accuracy_figure", "CELL_NAMES", "CELL_COLORS"]

CELL_NAMES = {"rnn": "standard RNN", "lstm": "LSTM", "gru": "GRU"}
CELL_COLORS = {"rnn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c"}


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` bundled with the installed plotly package (copied into the site)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: plotly.min.js is missing from the plotly package")
    return path


def show(fig) -> None:
    """Display a plotly figure in a notebook, in a form that both JupyterLab and the book render."""
    from IPython.display import display

    fig_json = fig.to_json()
    div_id = "fig-" + hashlib.sha1(fig_json.encode()).hexdigest()[:12]
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"responsive": True})
    bundle = {"application/vnd.plotly.v1+json": json.loads(fig_json), "text/html": html}
    display(bundle, raw=True)


def gradient_norm_figure(norms: dict[str, np.ndarray]):
    """Figure 1 of chapter 1: ``||dL/dh_{T-k}||`` against the distance ``k``, log scale.

    ``norms`` maps a cell name (``rnn``, ``lstm``, ``gru``) to an array (T,) as returned by
    ``rnn_math.hidden_gradient_norms``.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for cell, values in norms.items():
        values = np.asarray(values)
        fig.add_trace(
            go.Scatter(
                x=np.arange(values.size),
                y=values,
                mode="lines",
                name=CELL_NAMES.get(cell, cell),
                line={"color": CELL_COLORS.get(cell)},
            )
        )
    fig.update_layout(
        title="Gradient reaching h<sub>T-k</sub> from a loss on h<sub>T</sub>, at initialisation",
        xaxis_title="distance to the loss k (time steps)",
        yaxis_title="||dL/dh<sub>T-k</sub>|| / ||dL/dh<sub>T</sub>||",
        yaxis_type="log",
        yaxis_exponentformat="power",
        template="plotly_white",
        height=420,
    )
    return fig


def memory_accuracy_figure(records: list[dict]):
    """Figure 2 of chapter 1: test accuracy on the memory task against sequence length.

    ``records`` are the run records of ``memory_task.train_memory_task``; with several seeds
    per point the line is the mean and the error bar the min-max range.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    cells = sorted({r["cell"] for r in records}, key=list(CELL_NAMES).index)
    for cell in cells:
        lengths = sorted({r["length"] for r in records if r["cell"] == cell})
        acc = [[r["test_accuracy"] for r in records if r["cell"] == cell and r["length"] == t] for t in lengths]
        mean = np.array([np.mean(a) for a in acc])
        fig.add_trace(
            go.Scatter(
                x=lengths,
                y=mean,
                mode="lines+markers",
                name=CELL_NAMES.get(cell, cell),
                line={"color": CELL_COLORS.get(cell)},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [max(a) - m for a, m in zip(acc, mean, strict=True)],
                    "arrayminus": [m - min(a) for a, m in zip(acc, mean, strict=True)],
                },
            )
        )
    if records:
        fig.add_hline(y=records[0]["chance"], line_dash="dot", annotation_text="chance")
    fig.update_layout(
        title="Remembering the first frames: test accuracy against sequence length",
        xaxis_title="sequence length T (time steps)",
        yaxis_title="test accuracy",
        yaxis_range=[0, 1.05],
        template="plotly_white",
        height=420,
    )
    return fig
