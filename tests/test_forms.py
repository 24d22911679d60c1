"""The toolkits' forms of NTU RGB+D: each written from the embedded data and read back as the
``.skeleton`` folder reads, their faults, their pickles refused, and NTU-120-shaped data."""

import pickle
import re
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skelrnn import cli
from skelrnn.core import safe_pickle
from skelrnn.data import loading, splits
from skelrnn.data.ntu import forms, protocols, skeleton_format
from skelrnn.data.ntu.forms import samples as form_samples
from skelrnn.data.synthetic import generator
from skelrnn.data.synthetic.config import SyntheticConfig

# Two one-person and two two-person actions, the thesis's validation subjects among others.
ACTIONS = (8, 23, 50, 58)
SUBJECTS = (1, 2, 3, 25, 27)
# Where each form rounds the coordinates: float16 keeps about 2 mm at 3 m; the others are exact.
TOLERANCE = {"annotation_pickle": 4e-3, "sample_npy": 1e-6, "nctvm": 1e-6, "npz": 1e-6, "h5": 1e-6}
NAMELESS = ("npz", "h5")
FILE_NAMES = {
    "annotation_pickle": "ntu60_3danno.pkl",
    "sample_npy": "nturgb+d_npy",
    "nctvm": "xsub",
    "npz": "NTU60_CS.npz",
    "h5": "NTU_CS.h5",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("skeletons")
    generator.write_folder(out, SyntheticConfig(actions=ACTIONS, n_subjects=27), SUBJECTS, workers=1)
    return out


@pytest.fixture(scope="module")
def reference(folder, tmp_path_factory):
    return loading.load(folder, cache_dir=tmp_path_factory.mktemp("cache"), workers=1, log=lambda line: None)


@pytest.fixture(scope="module")
def exported(reference):
    return loading.export_samples(reference)


def write_and_load(form, samples, tmp_path, protocol="cross_subject"):
    path = tmp_path / FILE_NAMES[form]
    forms.write_form(form, path, samples, protocol)
    notes = []
    return loading.load(path, cache_dir=tmp_path / "cache", workers=1, log=notes.append), notes


def reference_order(reference, form):
    """The reference's sample indices in the order a form writes them: name order, or the parts'
    order for the forms without names (training with its validation, then test)."""
    if form not in NAMELESS:
        return np.arange(len(reference))
    parts = reference.split("cross_subject")
    if form == "h5":  # SGN's file keeps a validation part of its own
        return np.concatenate([parts["train"], parts["validation"], parts["test"]])
    return np.concatenate([np.sort(np.concatenate([parts["train"], parts["validation"]])), parts["test"]])


@pytest.mark.parametrize("form", sorted(TOLERANCE))
def test_each_form_gives_back_the_sequences_labels_and_names_of_the_skeleton_files(form, reference, exported, tmp_path):
    back, notes = write_and_load(form, exported, tmp_path)
    order = reference_order(reference, form)
    assert len(back) == len(reference) and back.manifest["form"] == form
    assert notes[0] == f"data: {forms.FORMS[form]}"
    np.testing.assert_array_equal(back.field("action"), reference.field("action")[order])
    np.testing.assert_array_equal(back.labels, reference.labels[order])
    for k, i in enumerate(order):
        np.testing.assert_allclose(back.sequence(k), reference.sequence(i), atol=TOLERANCE[form], rtol=0)
        np.testing.assert_array_equal(back.failed_frames(k), reference.failed_frames(i))
        assert back.has_second[k] == reference.has_second[i]
    if form in NAMELESS:
        assert not back.has_names and back.protocols() == ["cross_subject"]
        assert back.sample_id(0) == ("x_train[0]" if form == "npz" else "x[0]")
        carved = any("no subjects to take the thesis's validation subjects from" in n for n in notes)
        assert carved == (form == "npz")  # SGN's .h5 has a validation part
    else:
        assert back.names == reference.names and back.has_names
        for protocol in ("cross_subject", "cross_view"):
            for part, idx in back.split(protocol).items():
                np.testing.assert_array_equal(idx, reference.split(protocol)[part])


@pytest.mark.parametrize("form", NAMELESS)
def test_a_form_without_names_keeps_its_parts_and_validates_on_a_fixed_share_of_each_class(
    form, reference, exported, tmp_path
):
    back, _ = write_and_load(form, exported, tmp_path)
    parts = back.split("cross_subject")
    given_train = back.split("cross_subject", validation=False)["train"]
    assert len(parts["test"]) == len(reference.split("cross_subject")["test"])
    if form == "h5":  # SGN's file has its own validation part: the book's, written back
        assert len(parts["validation"]) == len(reference.split("cross_subject")["validation"])
    else:
        np.testing.assert_array_equal(np.sort(np.concatenate([parts["train"], parts["validation"]])), given_train)
        assert not set(parts["train"]) & set(parts["validation"])
        for c in np.unique(back.labels[given_train]):
            n = int((back.labels[given_train] == c).sum())
            held = int((back.labels[parts["validation"]] == c).sum())
            assert held == min(n - 1, max(1, round(loading.VALIDATION_SHARE * n)))
    again = back.split("cross_subject")
    for part in parts:
        np.testing.assert_array_equal(parts[part], again[part])
    assert splits.two_views(back, 0) is None
    with pytest.raises(ValueError, match="keeps no sample names.*not cross_view"):
        back.split("cross_view")


def test_a_toolkits_centring_is_seen_and_said(exported, tmp_path):
    centred = [b - b[0, 0, 1] * (b != 0).any(axis=(2, 3), keepdims=True) for b in exported.bodies]
    samples = form_samples.FormSamples(**{**vars(exported), "bodies": [c.astype(np.float32) for c in centred]})
    back, notes = write_and_load("npz", samples, tmp_path)
    assert "first frame" in back.manifest["centring"] and any("moves nothing" in n for n in notes)
    first = back.sequence(0)
    np.testing.assert_allclose(first[0, 1], 0, atol=1e-6)
    assert "turned" not in back.manifest["centring"]


def test_a_toolkits_turn_and_per_frame_centring_are_seen(exported, tmp_path):
    def normalise(bodies):  # 2s-AGCN: the main body's spine middle at 0 in every frame, its first spine along z
        holds = (bodies != 0).any(axis=(2, 3), keepdims=True)
        out = (bodies - bodies[0, :, None, 1]) * holds
        spine = out[0, 0, 1] - out[0, 0, 0]
        axis = np.cross(spine, [0, 0, 1.0])
        angle = np.arctan2(np.linalg.norm(axis), spine[2])
        k = axis / np.linalg.norm(axis)
        cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
        turn = np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross
        return (out @ turn.T).astype(np.float32)

    samples = form_samples.FormSamples(**{**vars(exported), "bodies": [normalise(b) for b in exported.bodies]})
    back, notes = write_and_load("annotation_pickle", samples, tmp_path)
    assert "in every frame" in back.manifest["centring"] and "turned" in back.manifest["centring"]


def test_cross_setup_is_refused_on_ntu60s_setups(reference):
    assert reference.protocols() == ["cross_subject", "cross_view"]
    with pytest.raises(ValueError, match="the cross_setup protocol is NTU RGB\\+D 120's.*cross_subject, cross_view"):
        splits.choose_splits(reference, "xset", log=lambda line: None)


def test_ntu120_shaped_data_reads_with_its_names_classes_and_cross_setup(tmp_path):
    source = tmp_path / "ntu120"
    generator.write_folder(source, SyntheticConfig(actions=(8, 9), n_subjects=28), (1, 4, 7, 25, 27, 28),
                           rename=generator.ntu120_shaped, workers=1)  # fmt: skip
    data = loading.load(source, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    back, _ = write_and_load("annotation_pickle", loading.export_samples(data), tmp_path)
    assert set(back.field("action")) == {9, 68}
    assert back.class_names() == [protocols.action_name(9), protocols.NTU120_ACTIONS[68]] and len(back.actions) == 2
    assert {n.setup for n in back.names} <= set(range(18, 33)) and max(back.field("subject")) > 40
    assert back.protocols() == ["cross_subject", "cross_view", "cross_setup"]
    parts = back.split("xset")
    assert all(back.names[i].setup % 2 == 0 for i in parts["train"])
    assert all(back.names[i].setup % 2 == 1 for i in parts["test"])
    with open(tmp_path / FILE_NAMES["annotation_pickle"], "rb") as f:
        written = pickle.load(f)  # our own file, written just above
    assert {"xsub_train", "xsub_val", "xset_train", "xset_val"} <= set(written["split"])


# ---------------------------------------------------------------------------------------------
# Faults: a file-level fault stops the read, naming the file and the field; a sample's fault
# quarantines that sample.
# ---------------------------------------------------------------------------------------------


def annotation_file(tmp_path, content, protocol=4):
    path = tmp_path / "ntu60_3danno.pkl"
    path.write_bytes(pickle.dumps(content, protocol=protocol))
    return path


def good_annotations(n=3, frames=20):
    rng = np.random.default_rng(0)
    return {
        "split": {"xsub_train": [f"S001C001P001R001A00{i + 1}" for i in range(n - 1)],
                  "xsub_val": [f"S001C001P001R001A00{n}"]},
        "annotations": [
            {"frame_dir": f"S001C001P001R001A00{i + 1}", "label": i, "total_frames": frames,
             "keypoint": (rng.normal(size=(1, frames, 25, 3)) + [0, 0, 3]).astype(np.float16)}
            for i in range(n)
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda c: c.pop("annotations"), "expected a dict with 'annotations'"),
        (lambda c: c["annotations"][1].pop("keypoint"), r"field 'annotations\[1\]': expected a dict with keys"),
        (lambda c: c["annotations"][0].update(keypoint=np.zeros((20, 25, 3))), r"annotations\[0\].keypoint.*rank 4"),
        (lambda c: c["split"]["xsub_val"].append("S009C001P001R001A001"), r"split\['xsub_val'\].*1 that are not"),
        (lambda c: c["annotations"].append(dict(c["annotations"][0])), "one entry per frame_dir"),
    ],
)
def test_a_pickle_of_another_schema_stops_with_the_file_and_the_field(change, match, tmp_path):
    content = good_annotations()
    change(content)
    path = annotation_file(tmp_path, content)
    with pytest.raises(forms.FormError, match=match) as err:
        loading.load(path, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda c: c["annotations"][1].update(label=130), r"annotations\[1\].label: expected a class index in 0..119"),
        (lambda c: c["annotations"][1].update(label=5), r"annotations\[1\].label: expected 1 for"),
        (lambda c: c["annotations"][1]["keypoint"].__setitem__((0, 3, 4, 0), np.nan), "not finite"),
        (lambda c: c["annotations"][1]["keypoint"].__setitem__((0, 3, 4, 0), np.inf), "not finite"),
        (lambda c: c["annotations"][1].update(total_frames=7), "total_frames: expected the keypoint's 20 frames"),
    ],
)
def test_a_faulty_sample_is_quarantined_and_the_others_load(change, match, tmp_path):
    content = good_annotations()
    change(content)
    path = annotation_file(tmp_path, content)
    data = loading.load(path, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    assert len(data) == 2 and list(data.manifest["bad_files"]) == ["S001C001P001R001A002"]
    assert str(path) in data.manifest["bad_files"]["S001C001P001R001A002"]
    assert re.search(match, data.manifest["bad_files"]["S001C001P001R001A002"])
    with pytest.raises(loading.BadFilesError, match="1 file"):
        loading.load(path, cache_dir=tmp_path / "cache", workers=1, strict=True, log=lambda line: None)


def test_a_truncated_pickle_stops_with_the_file(tmp_path):
    path = annotation_file(tmp_path, good_annotations())
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(safe_pickle.PickleFormatError, match=str(path)):
        loading.load(path, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)


def flat_file(tmp_path, arrays, name="NTU60_CS.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def flat_arrays(n_train=3, n_test=2, frames=30):
    rng = np.random.default_rng(1)

    def x(n):
        out = np.zeros((n, frames, 150), np.float32)
        out[:, :20, :75] = rng.normal(size=(n, 20, 75)) + 3
        return out

    def y(n):
        return np.eye(60, dtype=np.float32)[np.arange(n) % 3]

    return {"x_train": x(n_train), "y_train": y(n_train), "x_test": x(n_test), "y_test": y(n_test)}


def test_npz_faults(tmp_path):
    arrays = flat_arrays()
    with pytest.raises(forms.FormError, match=r"field 'y_train': expected one label for each of the 3 rows"):
        loading.load(flat_file(tmp_path, {**arrays, "y_train": arrays["y_train"][:2]}), cache_dir=tmp_path)
    with pytest.raises(forms.FormError, match="field 'x_test'"):
        loading.load(flat_file(tmp_path, {k: v for k, v in arrays.items() if k != "x_test"}), cache_dir=tmp_path)
    with pytest.raises(forms.FormError, match=r"field 'x_train': expected a numeric array \(N, frames, 150\)"):
        loading.load(flat_file(tmp_path, {**arrays, "x_train": arrays["x_train"][..., :75]}), cache_dir=tmp_path)
    objects = np.empty(3, dtype=object)
    with pytest.raises(forms.FormError, match="field 'y_train'.*object array is not read"):
        loading.load(flat_file(tmp_path, {**arrays, "y_train": objects}), cache_dir=tmp_path)
    y = arrays["y_train"].copy()
    y[1, 5] = 1  # two ones
    data = loading.load(flat_file(tmp_path, {**arrays, "y_train": y}), cache_dir=tmp_path, log=lambda line: None)
    assert list(data.manifest["bad_files"]) == ["x_train[1]"] and "one-hot" in data.manifest["bad_files"]["x_train[1]"]
    path = flat_file(tmp_path, arrays)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(forms.FormError, match="NumPy .npz archive"):
        loading.load(path, cache_dir=tmp_path / "c2")


def test_h5_faults(tmp_path):
    import h5py

    arrays = flat_arrays()
    path = tmp_path / "NTU_CS.h5"
    with h5py.File(path, "w") as f:
        for name, value in {"x": arrays["x_train"], "y": arrays["y_train"], "test_x": arrays["x_test"],
                            "test_y": arrays["y_test"], "valid_x": arrays["x_test"]}.items():  # fmt: skip
            f.create_dataset(name, data=value)
    with pytest.raises(forms.FormError, match=f"{path}: field 'valid_y'"):
        loading.load(path, cache_dir=tmp_path)


def test_an_st_gcn_data_file_holding_objects_is_refused_unread(exported, tmp_path):
    folder = tmp_path / "xsub"
    forms.write_form("nctvm", folder, exported)
    np.save(folder / "train_data_joint.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(forms.FormError, match="train_data_joint.npy.*object array is not read"):
        loading.load(folder, cache_dir=tmp_path)
    forms.write_form("nctvm", folder, exported)
    names, labels = pickle.loads((folder / "val_label.pkl").read_bytes())
    (folder / "val_label.pkl").write_bytes(pickle.dumps((names[:-1], labels[:-1])))
    with pytest.raises(forms.FormError, match="val_label.pkl.*one name and label for each of the"):
        loading.load(folder, cache_dir=tmp_path)


def test_detection_names_each_form_and_refuses_the_rest(exported, folder, tmp_path):
    assert forms.detect_form(folder) == forms.SKELETON_FOLDER
    for form, name in FILE_NAMES.items():
        forms.write_form(form, tmp_path / name, exported)
        assert forms.detect_form(tmp_path / name) == form
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match="notes.txt: not a form of NTU RGB\\+D that the book reads"):
        forms.detect_form(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match="point at the folder"):
        forms.detect_form(tmp_path / "xsub" / "train_data_joint.npy")
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        forms.detect_form(tmp_path / "missing.pkl")


# ---------------------------------------------------------------------------------------------
# Malicious pickles: every reader that unpickles refuses them, and nothing runs.
# ---------------------------------------------------------------------------------------------


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_every_reader_that_unpickles_refuses_a_payload_and_runs_nothing(exported, tmp_path):
    marker = tmp_path / "ran"
    payload = pickle.dumps({"annotations": [RunsACommand(marker)]})
    path = tmp_path / "ntu60_3danno.pkl"
    path.write_bytes(payload)
    with pytest.raises(safe_pickle.UnsafePickleError, match=f"{path}.*(posix|os).system"):
        loading.load(path, cache_dir=tmp_path)
    folder = tmp_path / "xsub"
    forms.write_form("nctvm", folder, exported)
    (folder / "train_label.pkl").write_bytes(pickle.dumps((["S001C001P001R001A001"], [RunsACommand(marker)])))
    with pytest.raises(safe_pickle.UnsafePickleError, match="train_label.pkl"):
        loading.load(folder, cache_dir=tmp_path)
    npy_folder = tmp_path / "npy"
    forms.write_form("sample_npy", npy_folder, exported)
    np.save(npy_folder / "S001C001P001R001A001.skeleton.npy", np.array(RunsACommand(marker), dtype=object),
            allow_pickle=True)  # fmt: skip
    with pytest.raises(safe_pickle.UnsafePickleError, match="S001C001P001R001A001.skeleton.npy"):
        loading.load(npy_folder, cache_dir=tmp_path)
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------
# Fuzzing: damaged files never raise anything but the readers' errors.
# ---------------------------------------------------------------------------------------------

READER_ERRORS = (ValueError, FileNotFoundError)


def small_export():
    """Three samples in both parts of cross-subject, as a writer takes them."""
    rng = np.random.default_rng(2)
    bodies = [(rng.normal(size=(1, 20, 25, 3)) + [0, 0, 3]).astype(np.float32) for _ in range(3)]
    names = ["S001C001P001R001A001", "S001C001P001R001A002", "S001C001P003R001A001"]
    return form_samples.FormSamples(
        form="export", source="test", bodies=bodies, labels=np.array([0, 1, 0]), ids=names,
        names=[skeleton_format.parse_sample_name(n) for n in names],
        splits={"cross_subject": {"train": np.array([0, 1]), "test": np.array([2])}},
    )  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_pickles_and_archives_raise_only_the_readers_errors(data, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    kind = data.draw(st.sampled_from(["pickle", "npz", "h5", "label pickle"]))
    if kind == "pickle":
        raw = pickle.dumps(good_annotations(n=2, frames=20), protocol=data.draw(st.integers(2, 5)))
        path = tmp_path / "ntu60_3danno.pkl"
    elif kind == "npz":
        path = flat_file(tmp_path, flat_arrays(2, 1, 24))
        raw = path.read_bytes()
    else:
        form = "h5" if kind == "h5" else "nctvm"
        forms.write_form(form, tmp_path / FILE_NAMES[form], small_export())
        path = tmp_path / FILE_NAMES[form] if form == "h5" else tmp_path / "xsub"
        raw = path.read_bytes() if form == "h5" else (path / "train_label.pkl").read_bytes()
        path = path if form == "h5" else path / "train_label.pkl"
    position = data.draw(st.integers(1, len(raw) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=8))
    damaged = raw[:position] + junk + raw[position + len(junk) :]
    path.write_bytes(damaged if data.draw(st.booleans()) else raw[:position])
    try:
        target = path.parent if path.name == "train_label.pkl" else path
        loaded = loading.load(target, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    except READER_ERRORS:
        return
    except zipfile.BadZipFile:
        pytest.fail("a damaged archive must be a FormError")
    assert len(loaded) >= 1 and np.isfinite(loaded.xyz).all()


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.integers(-3, 125), min_size=1, max_size=4),
    frames=st.integers(1, 15),
    bodies=st.integers(1, 3),
)
def test_annotation_pickles_of_any_labels_and_shapes_load_or_quarantine(labels, frames, bodies, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(len(labels) * 31 + frames)
    content = {"split": {}, "annotations": [
        {"frame_dir": f"S001C001P001R00{k + 1}A{max(1, min(label + 1, 120)):03d}", "label": label,
         "total_frames": frames, "keypoint": (rng.normal(size=(bodies, frames, 25, 3)) + 3).astype(np.float16)}
        for k, label in enumerate(labels)]}  # fmt: skip
    path = annotation_file(tmp_path, content)
    try:
        data = loading.load(path, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    except ValueError as err:
        assert str(path) in str(err)
        return
    good = [k for k, label in enumerate(labels) if 0 <= label <= 119]
    assert len(data) + len(data.manifest["bad_files"]) + len(data.manifest["skipped"]) == len(labels)
    assert len(data) <= len(good)


def test_the_command_line_inspects_and_exports_a_form(folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SKELRNN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "NTU60_CV.npz"
    assert cli.main(["data", "export", "--data-dir", str(folder), "--form", "npz", "--protocol", "xview",
                     "--output", str(out)]) == 0  # fmt: skip
    assert cli.main(["data", "inspect", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"form: {forms.FORMS['npz']}" in printed and "keeps no sample names" in printed
    data = loading.load(out, cache_dir=tmp_path / "cache", log=lambda line: None)
    assert data.protocols() == ["cross_view"]
    with pytest.raises(SystemExit, match="no form of NTU RGB\\+D in this folder"):
        cli.main(["data", "inspect", str(tmp_path / "cache" / "..")])


def test_a_skipped_file_on_the_authors_missing_list_says_so(folder, tmp_path):
    source = tmp_path / "few"
    source.mkdir()
    first = sorted(folder.glob("*.skeleton"))[0]
    (source / first.name).write_bytes(first.read_bytes())
    (source / "S001C002P005R002A008.skeleton").write_text("0\n")  # on NTU RGB+D's list of 302
    (source / "S001C002P005R002A009.skeleton").write_text("0\n")  # not on it
    data = loading.load(source, cache_dir=tmp_path / "cache", workers=1, log=lambda line: None)
    assert "S001C002P005R002A008" in protocols.missing_skeletons("ntu60")
    assert data.manifest["skipped"] == {
        "S001C002P005R002A008": "the file has 0 frames; the authors list it among the samples without a skeleton",
        "S001C002P005R002A009": "the file has 0 frames",
    }
