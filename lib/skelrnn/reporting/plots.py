"""Plotly figures of the book, and the one function that decides how a figure is displayed.

Where this module sits in the library, and what it may import: ``book/library.md``.

How figures reach the page: ``show`` emits a MIME bundle with the figure's JSON
(``application/vnd.plotly.v1+json``, which JupyterLab draws itself) and an HTML ``<div>`` whose
script calls ``Plotly.newPlot``. The book renders the HTML and serves ``plotly.min.js`` from its
own ``_static`` folder, so pages draw their figures with the network off. The div id is derived
from the figure's content, so executed notebooks do not change from run to run.

plotly is imported inside the functions that use it: it comes with the ``book`` extra only
(``pyproject.toml``), and the command line imports this module (``plotly_js_path``) without it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from skelrnn.data.ntu.protocols import NTU_FPS
from skelrnn.data.preprocess import translate_first_frame
from skelrnn.data.skeleton import DETECTOR_SEGMENTS, NTU_BONES, joint_index, segments_for

__all__ = [
    "show",
    "plotly_js_path",
    "gradient_norm_figure",
    "memory_accuracy_figure",
    "skeleton_animation",
    "gap_filling_figure",
    "alignment_figure",
    "length_histogram",
    "class_counts_figure",
    "thesis_vs_measured_figure",
    "learning_curves_figure",
    "score_activity_figure",
    "transformer_weights_figure",
    "virtual_joints_figure",
    "proposals_figure",
    "detector_sweep_figure",
    "CELL_NAMES",
    "CELL_COLORS",
]

CELL_NAMES = {"rnn": "standard RNN", "lstm": "LSTM", "gru": "GRU"}
CELL_COLORS = {"rnn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c"}


def _page_layout(fig, height: int, **layout):
    """The book's layout of a 2D figure: plotly's white template, ``height`` pixels, and the figure's
    own ``layout`` fields (title, axes, legend, ...) as ``fig.update_layout`` takes them."""
    return fig.update_layout(**layout, template="plotly_white", height=height)


def _skeleton_scene_layout(fig, top: int, eye_height: float, **layout):
    """The layout of a 3D skeleton figure: 560 pixels high with no margin but ``top`` pixels, the scene
    to scale (metres) with Kinect's x growing to the camera's left, seen from the front, above the
    floor at ``eye_height`` (plotly's camera units); ``layout``: the figure's own fields."""
    return fig.update_layout(
        **layout,
        height=560,
        margin={"l": 0, "r": 0, "t": top, "b": 0},
        scene={
            "aspectmode": "data",
            "xaxis": {"title": "x (m)", "autorange": "reversed"},  # Kinect's x grows to the camera's left
            "yaxis_title": "depth (m)",
            "zaxis_title": "height (m)",
            "camera": {"eye": {"x": 0.2, "y": -2.2, "z": eye_height}},
        },
    )


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` bundled with the installed plotly package (copied into the site)."""
    import plotly  # the book extra: the library imports this module without it

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: plotly.min.js is missing from the plotly package")
    return path


def show(fig) -> None:
    """Display a plotly figure in a notebook, in a form that both JupyterLab and the book render."""
    from IPython.display import display  # the book extra: the library imports this module without it

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
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

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
    return _page_layout(
        fig,
        420,
        title="Gradient reaching h<sub>T-k</sub> from a loss on h<sub>T</sub>, at initialisation",
        xaxis_title="distance to the loss k (time steps)",
        yaxis_title="||dL/dh<sub>T-k</sub>|| / ||dL/dh<sub>T</sub>||",
        yaxis_type="log",
        yaxis_exponentformat="power",
    )


def memory_accuracy_figure(records: list[dict]):
    """Figure 2 of chapter 1: test accuracy on the memory task against sequence length.

    ``records`` are the run records of ``memory_task.train_memory_task``; with several seeds
    per point the line is the mean and the error bar the min-max range.
    """
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

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
    return _page_layout(
        fig,
        420,
        title="Remembering the first frames: test accuracy against sequence length",
        xaxis_title="sequence length T (time steps)",
        yaxis_title="test accuracy",
        yaxis_range=[0, 1.05],
    )


# ---------------------------------------------------------------------------------------------
# Skeletons (data chapter)
# ---------------------------------------------------------------------------------------------


def _bone_lines(pose: np.ndarray, segments) -> np.ndarray:
    """Bones of one pose ``(J, D)`` as a polyline with NaN breaks, ``(3 * n_bones, D)``: one plotly trace."""
    out = np.full((3 * len(segments), np.shape(pose)[-1]), np.nan)  # 3D or 2D points
    parents, children = np.array(segments).T
    out[0::3], out[1::3] = pose[parents], pose[children]
    return out


def _plot_coords(xyz: np.ndarray) -> np.ndarray:
    """Camera coordinates (x, y up, z depth) to plot coordinates (x, depth, up): plotly's 3D z axis is up."""
    return xyz[..., [0, 2, 1]]


def skeleton_animation(sequences, titles, stride: int = 2, spacing: float = 1.4, columns: int = 4):
    """An animated 3D gallery: each ``(T, J, 3)`` sequence (metres, y up) on its own spot of the floor,
    bones drawn, one frame slider for all. Sequences are placed on a grid ``spacing`` metres apart
    (their first-frame torso over the grid point); shorter ones hold their last frame.
    ``stride`` keeps every stride-th frame (the page stays small).
    """
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    if len(sequences) != len(titles) or not sequences:
        raise ValueError(f"expected as many titles as sequences (> 0), got {len(titles)} and {len(sequences)}")
    placed = _on_a_grid(sequences, spacing, columns)
    segments = segments_for(placed[0].shape[1])
    steps = list(range(0, max(len(x) for x in placed), stride))
    label_pos = np.array([[x[0, :, 0].mean(), x[0, :, 1].mean(), x[:, :, 2].max() + 0.25] for x in placed])
    labels = go.Scatter3d(
        x=label_pos[:, 0], y=label_pos[:, 1], z=label_pos[:, 2], mode="text", text=list(titles), name="class"
    )
    frames = [go.Frame(data=_skeleton_traces(placed, segments, t), traces=[0, 1], name=str(t)) for t in steps]
    fig = go.Figure(data=[*_skeleton_traces(placed, segments, 0), labels], frames=frames)
    slider, play = _frame_controls(steps, stride)
    return _skeleton_scene_layout(fig, 30, 0.9, sliders=[slider], updatemenus=[play], showlegend=False)


def _on_a_grid(sequences, spacing: float, columns: int) -> list[np.ndarray]:
    """The sequences in plot coordinates, each moved to its point of a grid ``spacing`` metres apart,
    ``columns`` wide (its first-frame torso over the point, its lowest joint on the floor), to the
    millimetre."""
    placed = []
    for k, xyz in enumerate(sequences):
        xyz = translate_first_frame(np.asarray(xyz, dtype=np.float64))
        xyz = xyz - [0.0, xyz[0, :, 1].min(), 0.0]  # feet on the floor
        # Columns run towards the camera's right (-x), rows away from it (+depth).
        placed.append(_plot_coords(xyz) + [-spacing * (k % columns), spacing * (k // columns), 0.0])
    return [np.round(x, 3) for x in placed]  # millimetres are enough, and the page is 3x smaller


def _skeleton_traces(placed: list[np.ndarray], segments, t: int) -> list:
    """Frame ``t`` of every placed sequence (a finished one holds its last frame): one trace of bones,
    one of joints."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    poses = [x[min(t, len(x) - 1)] for x in placed]
    bones = np.concatenate([_bone_lines(p, segments) for p in poses])
    joints = np.concatenate(poses)
    return [
        go.Scatter3d(x=bones[:, 0], y=bones[:, 1], z=bones[:, 2], mode="lines", line={"width": 5}, name="bones"),
        go.Scatter3d(
            x=joints[:, 0], y=joints[:, 1], z=joints[:, 2], mode="markers", marker={"size": 2.5}, name="joints"
        ),
    ]


def _frame_controls(steps: list[int], stride: int) -> tuple[dict, dict]:
    """The frame slider over ``steps`` and the play / pause buttons (playing at 30 frames a second of
    the sequences, ``stride`` frames a step)."""
    slider = {
        "steps": [
            {"label": str(t), "method": "animate", "args": [[str(t)], {"mode": "immediate", "frame": {"duration": 0}}]}
            for t in steps
        ],
        "currentvalue": {"prefix": "frame "},
        "pad": {"t": 30},
    }
    frame_ms = int(1000 * stride // NTU_FPS)  # a step of ``stride`` frames at NTU's rate
    play = {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "y": 1.0,
        "xanchor": "left",
        "yanchor": "top",
        "buttons": [
            {
                "label": "play",
                "method": "animate",
                "args": [None, {"frame": {"duration": frame_ms, "redraw": True}, "fromcurrent": True}],
            },
            {"label": "pause", "method": "animate", "args": [[None], {"mode": "immediate"}]},
        ],
    }
    return slider, play


def gap_filling_figure(raw: np.ndarray, filled: np.ndarray, failed: np.ndarray, joints=("right wrist", "head")):
    """Before and after cubic-spline filling: the height (y, metres) of a few joints against the frame.

    ``raw`` ``(T, 25, 3)`` as read (failed frames at 0), ``filled`` the same after
    ``preprocess.fill_gaps_cubic``, ``failed`` ``(T,)`` bool.
    """
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    t = np.arange(len(raw))
    fig = go.Figure()
    for k, name in enumerate(joints):
        j = joint_index(name)
        color = ["#1f77b4", "#ff7f0e", "#2ca02c"][k % 3]
        fig.add_trace(
            go.Scatter(x=t, y=raw[:, j, 1], mode="markers", name=f"{name}: as read", marker={"color": color, "size": 5})
        )
        fig.add_trace(
            go.Scatter(x=t, y=filled[:, j, 1], mode="lines", name=f"{name}: filled", line={"color": color, "width": 1})
        )
    for start, stop in _runs(failed):
        fig.add_vrect(x0=start - 0.5, x1=stop - 0.5, fillcolor="red", opacity=0.12, line_width=0)
    return _page_layout(
        fig,
        400,
        title="Kinect failures (shaded): joints read as 0, then filled by a cubic spline",
        xaxis_title="frame",
        yaxis_title="height y (m)",
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start and stop (exclusive) of each run of True in a 1-D bool array."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def alignment_figure(stages: dict, frame: int = 0, track: str = "right wrist"):
    """The same performance seen by two cameras, after each preprocessing stage, from above.

    ``stages`` maps a stage title to ``{camera label: (T, 25, 3) sequence}``. Each panel draws
    the skeleton of ``frame`` and the path of the ``track`` joint over the whole sequence in the
    horizontal plane (x against depth z): after pose alignment the two views coincide.
    """
    import plotly.graph_objects as go  # the book extra: the library imports this module without it
    from plotly.subplots import make_subplots  # the book extra: the library imports this module without it

    j = joint_index(track)
    fig = make_subplots(rows=1, cols=len(stages), subplot_titles=list(stages), horizontal_spacing=0.08)
    colors = ["#1f77b4", "#d62728", "#2ca02c"]
    for col, views in enumerate(stages.values(), start=1):
        for k, (label, xyz) in enumerate(views.items()):
            xyz = np.asarray(xyz)
            bones = _bone_lines(xyz[frame], NTU_BONES)
            show = col == 1
            fig.add_trace(
                go.Scatter(
                    x=bones[:, 0],
                    y=bones[:, 2],
                    mode="lines",
                    line={"color": colors[k]},
                    name=label,
                    legendgroup=label,
                    showlegend=show,
                ),  # fmt: skip
                row=1,
                col=col,
            )
            fig.add_trace(
                go.Scatter(
                    x=xyz[:, j, 0],
                    y=xyz[:, j, 2],
                    mode="lines",
                    line={"color": colors[k], "dash": "dot"},
                    name=f"{label}: {track} path",
                    legendgroup=label,
                    showlegend=show,
                ),  # fmt: skip
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text="x (m)", row=1, col=col)
        fig.update_yaxes(title_text="depth z (m)", scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    return _page_layout(fig, 430, title="Seen from above: two cameras, three stages")


def length_histogram(lengths_by_split: dict):
    """Histogram of sequence lengths (frames), one overlaid series per split."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    fig = go.Figure()
    for name, lengths in lengths_by_split.items():
        fig.add_trace(go.Histogram(x=np.asarray(lengths), name=name, opacity=0.6, xbins={"size": 10}))
    return _page_layout(
        fig,
        380,
        barmode="overlay",
        title="Sequence lengths",
        xaxis_title="frames (30 per second)",
        yaxis_title="sequences",
    )


def class_counts_figure(class_names, counts_by_split: dict):
    """Stacked bars: sequences per class and split."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    fig = go.Figure()
    for name, counts in counts_by_split.items():
        fig.add_trace(go.Bar(x=list(class_names), y=np.asarray(counts), name=name))
    return _page_layout(
        fig,
        400,
        barmode="stack",
        title="Sequences per class and split",
        yaxis_title="sequences",
    )


# ---------------------------------------------------------------------------------------------
# Tables of the thesis against measured values (training chapters)
# ---------------------------------------------------------------------------------------------

_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def thesis_vs_measured_figure(frame, title: str, x_title: str = ""):
    """One line per table row over its columns: measured test accuracy (solid, min-max over seeds as
    error bars) and the thesis's value (dotted, same colour). ``frame`` is ``record_tables.table_frame``."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    fig = go.Figure()
    for k, (row, part) in enumerate(frame.groupby("row", sort=False)):
        color = _PALETTE[k % len(_PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=part["column"],
                y=part["measured (%)"],
                mode="lines+markers",
                name=f"{row}: measured",
                line={"color": color},
                legendgroup=row,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part["max"] - part["measured (%)"],
                    "arrayminus": part["measured (%)"] - part["min"],
                },
            )  # fmt: skip
        )
        fig.add_trace(
            go.Scatter(
                x=part["column"],
                y=part["thesis (%)"],
                mode="lines+markers",
                name=f"{row}: thesis",
                line={"color": color, "dash": "dot"},
                marker={"symbol": "x"},
                legendgroup=row,
            )  # fmt: skip
        )
    return _page_layout(
        fig,
        440,
        title=title,
        xaxis_title=x_title,
        yaxis_title="test accuracy (%)",
        legend={"font": {"size": 10}},
    )


def learning_curves_figure(runs, title: str = "Validation accuracy during training"):
    """Validation accuracy against the update for ``(label, results.RunRecord)`` pairs; a marker on the
    best evaluation."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    fig = go.Figure()
    for k, (label, record) in enumerate(runs):
        color = _PALETTE[k % len(_PALETTE)]
        updates = [h["update"] for h in record.history]
        val = [100 * h["val_accuracy"] for h in record.history]
        fig.add_trace(go.Scatter(x=updates, y=val, mode="lines", name=label, line={"color": color}, legendgroup=label))
        best = updates.index(record.best_update)
        fig.add_trace(
            go.Scatter(
                x=[updates[best]],
                y=[val[best]],
                mode="markers",
                marker={"color": color, "size": 9},
                showlegend=False,
                legendgroup=label,
                name=f"{label}: best",
            )  # fmt: skip
        )
    return _page_layout(
        fig,
        400,
        title=title,
        xaxis_title="updates",
        yaxis_title="validation accuracy (%)",
    )


def score_activity_figure(class_names, activity: dict):
    """Grouped bars: for each class, the share of test sequences (%) on which its ReLU score is
    positive, one group per network (``activity`` maps a label to a record's ``test_score_activity``)."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    fig = go.Figure()
    for k, (label, fraction) in enumerate(activity.items()):
        fig.add_trace(
            go.Bar(
                x=list(class_names), y=100 * np.asarray(fraction), name=label, marker_color=_PALETTE[k % len(_PALETTE)]
            )
        )
    return _page_layout(
        fig,
        420,
        barmode="group",
        title="Where the score of a class is above zero",
        yaxis_title="test sequences with a positive score (%)",
        yaxis_range=[0, 100],
    )


def transformer_weights_figure(mixing: np.ndarray, joint_names, title: str = "Learned skeleton transformer W"):
    """Heat map of a skeleton transformer's mixing matrix ``(N', N)``: one row per virtual joint, one
    column per real joint (``joint_names``), diverging colours around 0 (chapter 05)."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    mixing = np.asarray(mixing, dtype=float)
    if mixing.ndim != 2 or mixing.shape[1] != len(joint_names):
        raise ValueError(f"expected a matrix (N', {len(joint_names)}), got shape {mixing.shape}")
    bound = float(np.abs(mixing).max()) or 1.0
    fig = go.Figure(go.Heatmap(
        z=np.round(mixing, 4), x=list(joint_names), y=[f"virtual {i + 1}" for i in range(len(mixing))],
        colorscale="RdBu", zmid=0.0, zmin=-bound, zmax=bound, colorbar={"title": "weight"},
        hovertemplate="%{y} <- %{x}: %{z}<extra></extra>",
    ))  # fmt: skip
    return _page_layout(
        fig, 620, title=title, yaxis={"autorange": "reversed"}, xaxis={"tickangle": -60}, margin={"b": 140}
    )


def virtual_joints_figure(pose: np.ndarray, mixing: np.ndarray, joint_names, top: int = 3,
                          title: str = "Virtual joints inside the skeleton"):  # fmt: skip
    """One frame in 3D: the skeleton's bones and joints ``pose`` ``(N, 3)`` (metres, y up) and the
    virtual joints ``mixing @ pose`` ``(N', 3)``; hovering a virtual joint lists the ``top`` real
    joints it mixes most, with their weights (chapter 05)."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    pose, mixing = np.asarray(pose, dtype=float), np.asarray(mixing, dtype=float)
    virtual = _plot_coords(mixing @ pose)
    real = _plot_coords(pose)
    bones = _bone_lines(real, segments_for(len(pose)))
    labels = []
    for i, row in enumerate(mixing):
        strongest = np.argsort(-np.abs(row))[:top]
        labels.append(f"virtual {i + 1}: " + ", ".join(f"{row[j]:+.2f} {joint_names[j]}" for j in strongest))
    fig = go.Figure([
        go.Scatter3d(x=bones[:, 0], y=bones[:, 1], z=bones[:, 2], mode="lines", line={"width": 5, "color": "#999"},
                     name="bones"),
        go.Scatter3d(x=real[:, 0], y=real[:, 1], z=real[:, 2], mode="markers", marker={"size": 3, "color": "#555"},
                     name="joints", text=list(joint_names), hoverinfo="text"),
        go.Scatter3d(x=virtual[:, 0], y=virtual[:, 1], z=virtual[:, 2], mode="markers",
                     marker={"size": 5, "color": "#d62728", "symbol": "diamond"}, name="virtual joints",
                     text=labels, hoverinfo="text"),
    ])  # fmt: skip
    return _skeleton_scene_layout(fig, 40, 0.6, title=title)


def proposals_figure(hyp, frame: int, truth_index: int | None = None):
    """The proposals of one frame of ``hypotheses.PoseHypotheses`` in the image (pixels, y down),
    each 2D pose drawn with its bones and named by its score and pose class; ``truth_index``, if
    given, is drawn thicker (the true pose of a simulation)."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it

    fig = go.Figure()
    order = np.argsort(-hyp.score[frame, : hyp.count[frame]])
    for rank, k in enumerate(order):
        lines = _bone_lines(hyp.pose_2d[frame, k], DETECTOR_SEGMENTS)
        label = f"score {hyp.score[frame, k]:.2f}, class {hyp.pose_class[frame, k]}"
        if k == truth_index:
            label += " (true pose)"
        line = {"color": _PALETTE[rank % len(_PALETTE)], "width": 5 if k == truth_index else 2}
        fig.add_trace(go.Scatter(x=lines[:, 0], y=lines[:, 1], mode="lines", name=label, line=line))
    return _page_layout(
        fig,
        460,
        title=f"{hyp.name}: the {hyp.count[frame]} proposals of frame {frame}",
        xaxis_title="x (pixels)",
        yaxis={"title": "y (pixels)", "autorange": "reversed", "scaleanchor": "x"},
    )


def detector_sweep_figure(frame):
    """MPJPE and accuracy of each pose-estimation method as one detector failure grows: ``frame``
    has columns ``knob``, ``value``, ``method``, ``MPJPE (mm)`` and ``accuracy (%)``; one column of
    panels per knob, MPJPE above, accuracy below."""
    import plotly.graph_objects as go  # the book extra: the library imports this module without it
    from plotly.subplots import make_subplots  # the book extra: the library imports this module without it

    knobs = list(dict.fromkeys(frame["knob"]))
    methods = list(dict.fromkeys(frame["method"]))
    fig = make_subplots(rows=2, cols=len(knobs), shared_xaxes="columns", vertical_spacing=0.08,
                        subplot_titles=[k.replace("_", " ") for k in knobs])  # fmt: skip
    for col, knob in enumerate(knobs, start=1):
        for k, method in enumerate(methods):
            part = frame[(frame["knob"] == knob) & (frame["method"] == method)].sort_values("value")
            for row, metric in enumerate(("MPJPE (mm)", "accuracy (%)"), start=1):
                fig.add_trace(
                    go.Scatter(x=part["value"], y=part[metric], mode="lines+markers", name=method, legendgroup=method,
                               showlegend=row == 1 and col == 1, line={"color": _PALETTE[k % len(_PALETTE)]}),
                    row=row, col=col,
                )  # fmt: skip
        fig.update_xaxes(title_text=knob.replace("_", " "), row=2, col=col)
    fig.update_yaxes(title_text="MPJPE (mm)", row=1, col=1)
    fig.update_yaxes(title_text="accuracy (%)", row=2, col=1)
    return _page_layout(fig, 620, title="What each temporal step recovers, by failure")
