"""Writes notebooks/04_regularization.ipynb from the cells below (kept as code so diffs stay readable).

Run: python tools/make_regularization_notebook.py
"""

from nbtools import TRAINING_PARAMETERS, Chapter

chapter = Chapter()
md, code = chapter.md, chapter.code

md(r"""
# Regularization: dropout, weight decay, early stopping

*Thesis section 3.2, tables 6 and 7.*

A network of 150,000 weights trained on tens of thousands of sequences can learn its training
set by heart. The thesis fights that with three standard tools and measures each on the
improved baseline of the previous chapter. **How much dropout?** Six keep probabilities from
1 (none) to 0.1. **Do weight decay and early stopping help, alone and together?** The four
combinations. As before, every cell is trained again here and shown beside the thesis's value.
""")

code(TRAINING_PARAMETERS, tags=["parameters"])

code("""
import time

import pandas as pd

from skelrnn import experiments, plots, train
from skelrnn.backend import describe

chapter_start = time.perf_counter()
chapter = experiments.TrainingChapter("regularization", profile, seed, results_dir, data_dir, runs_dir)
P = chapter.P
print(chapter.header())
spread = experiments.baseline_spread(chapter.baseline())  # shared with the baselines chapter
print(f"{sum(len(y) for _x, y in chapter.splits.values())} sequences; improved baseline over {spread['seeds']} "
      f"seeds: {spread['mean']:.1f} % (range {spread['min']:.1f}-{spread['max']:.1f})")  # fmt: skip
""")

md(r"""
## Dropout

Dropout {cite}`goodfellow2016` multiplies each output of a layer by a random mask during
training: with keep probability $q$, a unit is kept (and scaled by $1/q$) with probability $q$
and set to zero otherwise,

$$\tilde{h} = \frac{m \odot h}{q}, \qquad m_i \sim \text{Bernoulli}(q).$$

At test time nothing is dropped. A network trained this way cannot rely on any single unit,
and it behaves like an average over the many thinned networks it samples. Here the mask is
applied to the output of each recurrent layer (the connections between layers and into the
classifier), not to the recurrent connections inside a layer; $q = 1$ switches it off.
""")

md(r"""
Entries read *thesis / measured* (%); ‡ marks a cell where, for at least one seed, the ReLU
score of some class is zero on every test sequence, so that class is never predicted (a dead
score, see the baselines chapter).
""")

code("""
runs6 = chapter.run(experiments.TABLES["table 6"])
table6 = experiments.table_frame(runs6)
experiments.display_table(table6)
""")

code("""
plots.show(plots.thesis_vs_measured_figure(table6, "Table 6: thesis (dotted) and measured (solid)", "keep probability"))
claims6 = [("keep 0.5 beats no dropout", ("keep probability", "0.5"), ("keep probability", "1")),
           ("keep 0.5 beats keep 0.1", ("keep probability", "0.5"), ("keep probability", "0.1"))]  # fmt: skip
experiments.compare_claims(table6, claims6, spread).round(2)
""")

md(r"""
## Weight decay and early stopping

An L2 penalty adds $\lambda \sum_k \theta_k^2$ to the loss, pulling every weight towards zero
unless the data push back. The thesis does not state its $\lambda$; the book uses the value in
the profile table below, on every kernel of the network.

Early stopping watches the accuracy on the validation subjects after every epoch. When it has
not improved for a number of epochs (the *patience*), the learning rate is divided by 10; when
the rate would fall below its minimum, training stops, and the weights of the best validation
epoch are the result (thesis 3.2). Without early stopping the network trains for the maximum
number of epochs at the initial rate and the last weights are kept.
""")

code("""
settings = train.TrainConfig(**P.train)
pd.Series({"L2 weight": P.baseline_model["l2"], "max epochs": settings.max_epochs, "patience": settings.patience,
           "initial learning rate": settings.learning_rate, "minimum learning rate": settings.min_learning_rate},
          dtype=object).to_frame("value")  # fmt: skip
""")

code("""
runs7 = chapter.run(experiments.TABLES["table 7"])
table7 = experiments.table_frame(runs7)
experiments.display_table(table7)
""")

code("""
plots.show(plots.thesis_vs_measured_figure(table7, "Table 7: thesis (dotted) and measured (solid)", "early stopping"))
curves = [(f"{c.row}, {c.column}", r) for c, s, r in runs7 if s == chapter.seeds[0]]
plots.show(plots.learning_curves_figure(curves, "Validation accuracy while training (table 7)"))
""")

code("""
with_l2, no_l2 = "L2 with", "L2 without"
es, no_es = "early stopping with", "early stopping without"
claims7 = [("L2 helps (no early stopping)", (with_l2, no_es), (no_l2, no_es)),
           ("early stopping helps (no L2)", (no_l2, es), (no_l2, no_es)),
           ("both beat neither", (with_l2, es), (no_l2, no_es))]  # fmt: skip
experiments.compare_claims(table7, claims7, spread).round(2)
""")

md(r"""
Whether early stopping can matter depends on the run: if validation accuracy still improves at
the last epoch, the rate is never divided and the best epoch is the last one, so a run with
early stopping ends with the same weights as one without. The record of each run says what
happened:
""")

code("""
pd.DataFrame([
    {"cell": f"{c.row}, {c.column}", "seed": s, "epochs": r["epochs"], "best epoch": r["best_epoch"],
     "rate divided": sum(b["learning_rate"] < a["learning_rate"] for a, b in zip(r["history"], r["history"][1:])),
     "stopped": r["stopped"], "test accuracy (%)": round(100 * r["test_accuracy"], 1)}
    for c, s, r in runs7
]).set_index("cell")  # fmt: skip
""")

md(r"""
## Discussion
""")

code("""
agree = pd.concat([experiments.compare_claims(t, c, spread) for t, c in ((table6, claims6), (table7, claims7))])
minutes = (time.perf_counter() - chapter_start) / 60
print(f"Of {len(agree)} claims of the thesis about regularization, {int(agree['same sign'].sum())} point the same way "
      f"here, {int((agree['same sign'] & agree['beyond seed range']).sum())} of them by more than the seed range "
      f"of the improved baseline ({spread['range']:.1f} points over {spread['seeds']} seeds).")
print(f"Tables 6 and 7: {experiments.dead_score_cells(table6, table7)}")
print(f"This chapter took {minutes:.1f} min here on {describe()['device']}.")
""")

md(r"""
The thesis finds dropout the most sensitive of its settings: too little and the network
overfits, too much (a keep probability of 0.1) and it can hardly learn. Weight decay and early
stopping each help and help more together, and the thesis reads early stopping as a constraint
on how far the weights travel from their initial values, like the L2 penalty
{cite}`goodfellow2016`.

On a small profile the same effects compete with two others. With few epochs, early stopping
rarely has time to decay the learning rate, so its main effect is to pick the best validation
epoch instead of the last one. And with a synthetic dataset that is easier than NTU the
network overfits less, so the benefit of each regularizer is smaller than on NTU. The table of
claims above says which of the thesis's differences are larger than the variation between two
seeds of the same network; the others should not be read as confirmed or refuted by this run.
The full profile (thesis sizes, several seeds) is the one to compare with the thesis.
""")

chapter.write("04_regularization.ipynb")
