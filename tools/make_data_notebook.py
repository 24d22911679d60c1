"""Writes notebooks/02_data.ipynb from the cells below (kept as code so diffs stay readable).

Run: python tools/make_data_notebook.py
"""

from nbtools import Chapter

chapter = Chapter()
md, code = chapter.md, chapter.code

md(r"""
# Skeleton data: from Kinect files to training batches

*Thesis sections 3.1.1 and 4.2.2.*

Every experiment of the thesis starts from the same kind of input: sequences of 3D skeletons
recorded by a Kinect v2 sensor for the NTU RGB+D dataset {cite}`shahroudy2016ntu`. This chapter
follows one sequence from its text file to the batch a network trains on, and asks what each
step is for. **What is in a file?** A few bodies per frame, 25 joints each, with sensor
failures. **What does the thesis repair?** It fills the failures with a cubic spline and moves
the origin to the actor's torso. **What must change before the model can see poses estimated
from videos?** Fewer joints, and a pose alignment that removes where the camera stood and how
tall the actor is. Finally, **how do sequences of different lengths become batches** without
wasting most of the computation on padding?

The real dataset cannot ship with the book (it needs a registration and weighs 5.8 GB). By
default the chapter runs on an embedded synthetic dataset, written as real `.skeleton` files and
read back through the very same reader. Set the `data_dir` parameter to a folder of NTU
`.skeleton` files to run it on the real thing.
""")

code(
    """
profile = "quick"  # smoke | quick | full (values in skelrnn.profiles)
seed = 0
results_dir = "results"  # result records are written under results_dir/profile/
data_dir = None  # a folder of NTU RGB+D .skeleton files; None: the embedded synthetic dataset
""",
    tags=["parameters"],
)

code("""
from pathlib import Path

import numpy as np
import pandas as pd

import skelrnn
from skelrnn import dataset, ntu, plots, preprocess, profiles, skeleton
from skelrnn.results import write_record

P = profiles.get("data", profile)
rng = np.random.default_rng(seed)
record_path = Path(results_dir) / profile / "data" / "summary.json"
print(f"skelrnn {skelrnn.__version__}, profile: {profile}, seed: {seed}")
""")

md(r"""
## What a file holds

A `.skeleton` file is plain text. It gives the number of frames; then, for every frame, the
number of bodies the sensor tracks; for every body a line of ten values (a body ID and the
tracking state among them), the joint count, and 25 lines of 12 values per joint: the position
$(x, y, z)$ in metres in the camera's frame, its pixel position in the depth and colour images,
an orientation quaternion and a tracking state. The file name is the sample's identity:
`S001C002P003R002A013` is setup 1, camera 2, performer (subject) 3, replication 2, action 13.

`dataset.load_or_generate` reads a whole folder in parallel processes, keeps the main actor
of every file (and a second body when there is one), fills sensor failures, and caches the
arrays in one compressed file keyed by the names, sizes and modification times of the files.
""")

code("""
data = dataset.load_or_generate(data_dir, P.synthetic, workers=None)
source = Path(data.manifest["source"])
print(f"source: {source}")
first_file = source / f"{data.names[0]}.skeleton"
print(f"\\nthe first lines of {first_file.name}:")
print("\\n".join(line[:100] for line in first_file.read_text().splitlines()[:5]))
counts = dataset.summary(data)
pd.Series({k: v for k, v in counts.items() if k != "per_class"}, name="count").to_frame()
""")

md(r"""
## The skeleton and the actions

The Kinect v2 skeleton has 25 joints: the spine (base, middle, neck, head, and the spine at the
shoulders), each arm (shoulder, elbow, wrist, hand, hand tip, thumb) and each leg (hip, knee,
ankle, foot). An image pose detector such as LCR-Net, which chapter 8 uses on videos, gives only
13 of them: the head, shoulders, elbows, wrists, hips, knees and ankles.

The viewer shows one sequence per class, all on the same time axis (press *play*, or drag the
slider). In the synthetic dataset the classes are chosen so that each step of the thesis
matters: *sit down* and *stand up* are the same motion in opposite time order, *hand waving*
and *cheer up* differ by one arm, *hopping* and *jump up* by one leg, *pointing* and
*punching* mostly by speed, and *jump*, *staggering* and *falling down* move the whole body.
""")

code("""
first_of_class = [int(np.flatnonzero(data.labels == k)[0]) for k in range(len(data.actions))][: P.gallery]
gallery = plots.skeleton_animation(
    [data.sequence(i) for i in first_of_class],
    [data.class_names()[data.labels[i]] for i in first_of_class],
    stride=P.gallery_stride,
)
plots.show(gallery)
""")

md(r"""
## Kinect failures and cubic-spline filling

The sensor sometimes loses the actor: a frame then has no body at all, or a body whose 25
joints all read 0. The NTU authors keep those frames as they are; the thesis finds this
unsatisfactory and fills them (section 3.1.1). For every joint coordinate, a cubic spline
through the frames that were measured gives the missing values:

$$\hat{p}_{j,c}(t) = S_{j,c}(t), \qquad
S_{j,c} \text{ the natural cubic spline through } \{(t, p_{j,c}(t)) : t \text{ measured}\}.$$

Inside the sequence this follows the motion smoothly. Before the first and after the last
measured frame a spline would extrapolate a cubic far away, so `fill_gaps_cubic` holds the
nearest measured pose instead. The figure shows the sample with the longest failure.
""")

code("""
failed_frames = [int(data.failed_frames(i).sum()) for i in range(len(data))]
worst = int(np.argmax(failed_frames))
filled = data.sequence(worst)
failed = data.failed_frames(worst)
as_read = np.where(failed[:, None, None], 0.0, filled)
print(f"{data.names[worst]}: {failed.sum()} of {len(failed)} frames failed")
plots.show(plots.gap_filling_figure(as_read, filled, failed))
""")

code("""
reasons = pd.Series(
    [why.split(":")[0] for bodies in data.manifest["rejected_bodies"].values() for why in bodies.values()],
    dtype=str,
).value_counts()
skipped = pd.Series(data.manifest["skipped"], dtype=str)
print(f"files read: {data.manifest['files']}, usable samples: {len(data)}")
print(f"skipped (no skeleton in the file): {len(skipped)}")
print(f"samples with filled frames: {len(data.manifest['repaired'])}, frames filled: {sum(failed_frames)}")
print(f"samples with a second body kept: {int(data.has_second.sum())}")
print("bodies rejected by the main-actor rule:", {k: int(v) for k, v in reasons.items()} or "none")
""")

md(r"""
A file may hold more than one body: a second actor in the two-person classes, but also
*ghosts*, bodies the sensor imagines for a few frames, and furniture it takes for a person.
`dataset.choose_actors` applies the rules shared by the public NTU pipelines: a track with
joints in 11 frames or fewer is noise; a track wider than it is tall (horizontal spread above
0.8 times the vertical one) in most of its frames is not a person; among the remaining tracks
the main actor is the one whose joints travel furthest over the sequence, which favours the
body that stays longest and moves most. Files without any skeleton (302 of them in the NTU
release) are found by reading them, skipped, and listed in the manifest.
""")

md(r"""
## Translation and pose alignment

Where the camera stands changes every coordinate of a pose. The thesis's baseline only
translates each sequence so that the torso joint (middle of the spine) of its first frame is at
the origin (section 3.1.1):

$$P'_t = P_t - P_1^{\text{torso}}.$$

That leaves the camera's viewing direction in the data. To carry a model to poses estimated
from videos, section 4.2.2 adds a **pose alignment** of three steps:

1. *translation* of every frame to its own torso, $P'_t = P_t - P_t^{\text{torso}}$ (a moving
   camera hides the actor's displacement, so the model must not rely on it);
2. *rotation* of the whole sequence into a body frame taken from the first frame: $x$ from the
   right to the left shoulder, $y$ in the plane of the two shoulders and the hip centre,
   $z = x \times y$, so that $P''_t = R P'_t$ with $R = [x\; y\; z]^\top$;
3. *scaling* by one factor per sequence, $s = \langle \ell, r \rangle / \langle \ell, \ell \rangle$,
   that brings the sequence's mean bone lengths $\ell$ closest to the mean bone lengths $r$ of
   the training set.

Below, one performance is seen by two cameras. In camera coordinates the two copies are far
apart; translation superimposes their torsos but not their orientations; after alignment they
coincide up to sensor noise. The table measures it: the mean distance between corresponding
joints of the two views, and, as a floor, what remains after the best rigid motion between the
two raw views, which no alignment can remove.
""")

code("""
splits = data.split("cross_subject")
reference = preprocess.reference_bone_lengths(data.sequence(i) for i in splits["train"])
views = dataset.same_performance(data, first_of_class[0])
cam_a, cam_b = sorted(views)[:2]
stages = {
    "camera coordinates": lambda x: x,
    "first-frame translation": preprocess.translate_first_frame,
    "pose alignment": lambda x: preprocess.align_sequence(x, reference),
}
seen = {name: {f"camera {c}": f(data.sequence(views[c])) for c in (cam_a, cam_b)} for name, f in stages.items()}
gap_mm = {name: 1000 * float(np.linalg.norm(v[f"camera {cam_a}"] - v[f"camera {cam_b}"], axis=-1).mean())
          for name, v in seen.items()}  # fmt: skip
# The floor: what remains after the best rigid motion between the two raw views (sensor noise).
gap_mm["best rigid fit (noise floor)"] = 1000 * preprocess.rigid_residual(*seen["camera coordinates"].values())
print(f"{data.names[views[cam_a]]} and {data.names[views[cam_b]]}")
pd.Series(gap_mm, name="mean joint distance between the views (mm)").round(1).to_frame()
""")

code("""
plots.show(plots.alignment_figure(seen))
""")

md(r"""
Dropping to the 13 joints of an image detector keeps the alignment well defined: the
shoulders and hips are among them, and the torso becomes the centre of those four joints.
""")

code("""
pose13 = preprocess.drop_to_detector_joints(data.sequence(views[cam_a]))
aligned13 = preprocess.align_sequence(pose13, preprocess.reference_bone_lengths(
    preprocess.drop_to_detector_joints(data.sequence(i)) for i in splits["train"][:200]))
print(f"13-joint sequence: {pose13.shape} -> aligned, torso at the origin in every frame: "
      f"{np.allclose(preprocess.torso(aligned13), 0)}")
""")

md(r"""
## Splits

NTU RGB+D defines two protocols. **Cross-subject**: 20 performers train and the other 20
test. **Cross-view**: cameras 2 and 3 train and camera 1 tests. The authors' own validation set
was a random 5 % that they could not share, so the thesis builds one from subjects 25, 27, 28,
31, 34, 35 and 38, taken out of the training subjects (section 3.1.1): validation then differs
from training the way the test set does, by who performs.
""")

code("""
table = {}
for protocol in ("cross_subject", "cross_view"):
    for part, idx in data.split(protocol).items():
        table[(protocol, part)] = {"sequences": len(idx), "subjects": len(np.unique(data.field("subject")[idx])),
                                   "cameras": len(np.unique(data.field("camera")[idx]))}  # fmt: skip
pd.DataFrame(table).T
""")

code("""
plots.show(plots.length_histogram({part: data.lengths[idx] for part, idx in splits.items()}))
per_class = {part: np.bincount(data.labels[idx], minlength=len(data.actions)) for part, idx in splits.items()}
plots.show(plots.class_counts_figure(data.class_names(), per_class))
""")

md(r"""
## From sequences to batches

A recurrent network runs over every time step of a batch, padding included. With sequences
between one and ten seconds, a random batch of 256 is as long as its longest member, and most
of what it computes is padding. **Length bucketing** shuffles the training set, cuts it into
pools of a few batches, sorts each pool by length and cuts it into batches, then shuffles the
batches: the batches still change from epoch to epoch, but each holds sequences of similar
length. `dataset.SequenceBatches` serves such batches to Keras; a `Masking` layer tells the
network which steps are padding. On the training split of this dataset:
""")

code("""
lengths = data.lengths[splits["train"]]
random_steps = dataset.padded_steps(lengths, dataset.random_batches(len(lengths), P.batch_size, rng))
bucket_steps = dataset.padded_steps(lengths, dataset.bucket_batches(lengths, P.batch_size, rng))
padding = {"real steps": int(lengths.sum()), "random batches": random_steps, "length bucketing": bucket_steps,
           "batch_size": P.batch_size}
print(f"useful steps: random batches {lengths.sum() / random_steps:.0%}, bucketing {lengths.sum() / bucket_steps:.0%}; "
      f"bucketing computes {random_steps / bucket_steps:.2f}x fewer steps")
write_record(record_path, {"profile": profile, "seed": seed, "source": str(source), "summary": counts,
                           "alignment_gap_mm": gap_mm, "padding_steps": padding,
                           "skipped": data.manifest["skipped"], "cache": data.manifest.get("cache")})  # fmt: skip
print(f"record: {record_path}")
""")

md(r"""
## Discussion

The data path is the same for the synthetic files and for NTU RGB+D: files are parsed by one
reader that rejects malformed input with the file and line at fault, the main actor is chosen
by explicit rules, failures are filled rather than fed to the network as zeros, and the
manifest lists every file that was skipped or repaired, so that the counts can be checked
against the dataset's documentation rather than taken on trust.

The alignment table is the reason the thesis needs pose alignment for videos: after the
baseline's first-frame translation the same performance still differs between two cameras by
a distance comparable to a limb, and a network trained on some viewpoints must learn the
others from data. After alignment the two views are about as close as the best rigid motion
can bring them: what is left is sensor noise, plus the error of taking the body frame from a
single noisy first frame. The price,
which the alignment chapter measures (thesis table 9), is that information is removed too:
the actor's displacement and the absolute orientation of the body, which some classes need.
The synthetic *staggering* and *falling down* classes are built to make that visible.

Bucketing is a pure speed-up: it changes which sequences share a batch, not what the network
computes for a sequence, since the mask hides the padding. The training chapters use it, and
`benchmarks/bucketing.py` measures the saving on NTU's length distribution.
""")

chapter.write("02_data.ipynb")
