"""NTU RGB+D 120 in the protocol layer: its 120 class names, its subjects and setups, the three
protocols on its names, and the authors' lists of samples without a skeleton."""

import itertools
from collections import Counter

import numpy as np
import pytest

from skelrnn.data import loading, splits
from skelrnn.data.ntu import protocols
from skelrnn.data.ntu.skeleton_format import SampleName, parse_sample_name


def ntu120_names(setups=range(1, 33), subjects=(1, 25, 38, 41, 45, 103, 106), actions=(1, 60, 61, 120)):
    """Made-up NTU RGB+D 120 sample names: every setup x camera x subject x action given, replication 1."""
    return [SampleName(s, c, p, 1, a) for s, c, p, a in itertools.product(setups, (1, 2, 3), subjects, actions)]


def skeleton_set(names, source="folder X"):
    """A SkeletonSet of ``names`` with two still frames each (enough for the split checks)."""
    n = len(names)
    return loading.SkeletonSet(
        names=list(names), xyz=np.zeros((2 * n, 25, 3), np.float32), failed=np.zeros(2 * n, bool),
        offsets=np.arange(0, 2 * n + 1, 2), second=np.zeros((2 * n, 25, 3), np.float32),
        has_second=np.zeros(n, bool), manifest={"source": source},
    )  # fmt: skip


def test_the_120_action_names():
    names = protocols.NTU120_ACTIONS
    assert list(names) == list(range(1, 121)) and len(set(names.values())) == 120
    assert {k: names[k] for k in range(1, 61)} == protocols.NTU_ACTIONS and len(protocols.NTU_ACTIONS) == 60
    assert names[61] == "put on headphone" and names[62] == "take off headphone"
    assert names[73] == "staple book" and names[99] == "running on the spot"
    assert names[106] == "hit other person with something"
    assert names[120] == "finger-guessing game (playing rock-paper-scissors)"
    assert all(v == v.strip() and not v.endswith(".") and v.isascii() for v in names.values())
    assert protocols.action_name(61) == "put on headphone" and protocols.action_name(np.int64(1)) == "drink water"
    assert protocols.action_name(121) == "A121" and protocols.action_name(0) == "A000"


def test_class_names_of_a_folder_use_the_120_names():
    data = skeleton_set([SampleName(18, 1, 41, 1, a) for a in (1, 61, 120, 121)])
    assert data.class_names() == ["drink water", "put on headphone", protocols.NTU120_ACTIONS[120], "A121"]


def test_the_cross_subject_training_subjects_of_ntu120():
    train = protocols.CROSS_SUBJECT_TRAIN_120
    assert len(train) == 53 == len(set(train)) and list(train) == sorted(train)
    assert train[:20] == protocols.CROSS_SUBJECT_TRAIN and set(protocols.CROSS_SUBJECT_TRAIN) < set(train)
    assert all(1 <= p <= 106 for p in train) and set(train) & set(range(1, 41)) == set(protocols.CROSS_SUBJECT_TRAIN)
    assert set(protocols.VALIDATION_SUBJECTS) < set(train), "the thesis's validation subjects train in NTU-120 too"
    assert protocols.CROSS_SETUP_TRAIN == tuple(s for s in range(1, 33) if protocols.cross_setup_trains(s))
    np.testing.assert_array_equal(protocols.cross_setup_trains([1, 2, 31, 32]), [False, True, False, True])


@pytest.mark.parametrize("protocol", ["cross_subject", "cross_view", "cross_setup", "xsub", "xview", "xset"])
@pytest.mark.parametrize("validation", [True, False])
def test_every_protocol_splits_ntu120_names_by_its_rule(protocol, validation):
    names = ntu120_names()
    split = protocols.split_indices(names, protocol, validation)
    assert list(split) == (["train", "validation", "test"] if validation else ["train", "test"])
    everything = np.concatenate(list(split.values()))
    assert sorted(everything) == list(range(len(names))), "every sample in exactly one part"
    rule = {
        "cross_subject": lambda n: n.subject in protocols.CROSS_SUBJECT_TRAIN_120,
        "cross_view": lambda n: n.camera in (2, 3),
        "cross_setup": lambda n: n.setup % 2 == 0,
    }[protocols.protocol_name(protocol)]
    trains = [i for i, n in enumerate(names) if rule(n)]
    assert sorted(np.concatenate([split["train"], split.get("validation", [])]).astype(int)) == trains
    assert all(not rule(names[i]) for i in split["test"])
    if validation:
        assert {names[i].subject for i in split["validation"]} == {25, 38}
        assert not {names[i].subject for i in split["train"]} & set(protocols.VALIDATION_SUBJECTS)
    assert {names[i].subject for i in split["train"]} >= ({1, 45, 103} if "sub" in protocol else {1, 41, 106})


def test_cross_subject_on_ntu60_names_is_ntu60s_protocol():
    names = [SampleName(1, c, p, 1, 1) for p in range(1, 41) for c in (1, 2, 3)]
    split = protocols.split_indices([str(n) for n in names], "cross_subject", validation=False)
    assert {names[i].subject for i in split["train"]} == set(protocols.CROSS_SUBJECT_TRAIN)
    assert protocols.ntu_protocol_sizes("xsub", validation=False) == {"train": 40_091, "test": 16_487}
    with pytest.raises(ValueError, match="not by setup"):
        protocols.ntu_protocol_sizes("cross_setup")


def test_protocol_names_both_spellings_and_a_clear_error():
    assert protocols.PROTOCOLS == {"xsub": "cross_subject", "xview": "cross_view", "xset": "cross_setup"}
    for short, long in protocols.PROTOCOLS.items():
        assert protocols.protocol_name(short) == protocols.protocol_name(long) == long
        assert protocols.protocol_name(short.upper()) == protocols.protocol_name(long.replace("_", "-")) == long
    with pytest.raises(ValueError, match=r"unknown protocol 'cross_room'; expected one of cross_subject \(xsub\), "
                                         r"cross_view \(xview\), cross_setup \(xset\)"):  # fmt: skip
        protocols.protocol_name("cross_room")
    with pytest.raises(ValueError, match="unknown protocol"):
        protocols.split_indices(ntu120_names(setups=[1]), "cross_room")


def test_dataset_of_tells_the_releases_apart():
    assert protocols.dataset_of([]) == "NTU RGB+D"
    assert protocols.dataset_of(["S017C003P040R002A060", SampleName(1, 1, 1, 1, 1)]) == "NTU RGB+D"
    for name in ("S018C001P001R001A001", "S001C001P041R001A001", "S001C001P001R001A061"):
        assert protocols.dataset_of(["S001C001P001R001A001", name]) == "NTU RGB+D 120", name
    assert protocols.NTU60_RANGES["setup"] == (1, 17) and protocols.NTU120_RANGES["subject"] == (1, 106)


def test_the_authors_lists_of_samples_without_a_skeleton():
    ntu60, ntu120 = protocols.missing_skeletons("ntu60"), protocols.missing_skeletons()
    assert len(ntu60) == 302 and len(ntu120) == 535 and ntu60 < ntu120
    assert protocols.missing_skeletons("NTU RGB+D 120") is ntu120 and protocols.missing_skeletons("NTU RGB+D") is ntu60
    assert "S001C002P005R002A008" in ntu60 and "S032C003P067R002A077" in ntu120 - ntu60
    for name in ntu120:
        n = parse_sample_name(name)
        assert str(n) == name
        limits = protocols.NTU60_RANGES if name in ntu60 else protocols.NTU120_RANGES
        assert all(lo <= getattr(n, f) <= hi for f, (lo, hi) in limits.items()), name
    assert all(parse_sample_name(name).setup >= 18 for name in ntu120 - ntu60), "NTU-120's own are S018-S032"
    with pytest.raises(ValueError, match="unknown dataset 'kinetics'"):
        protocols.missing_skeletons("kinetics")


def test_ntu60_samples_are_the_full_release_less_the_302_without_a_skeleton():
    # every subject performs the 60 actions twice before each of the 3 cameras in every setup it
    # appears in: 120 samples a camera and setup, less the listed ones, camera by camera
    missing = Counter((n.subject, n.camera) for n in map(parse_sample_name, protocols.missing_skeletons("ntu60")))
    setups = {}
    for subject, per_camera in protocols.NTU60_SAMPLES.items():
        full = [count + missing[subject, camera] for camera, count in zip((1, 2, 3), per_camera, strict=True)]
        assert len(set(full)) == 1 and full[0] % 120 == 0, (subject, per_camera, full)
        setups[subject] = full[0] // 120
    assert sum(missing.values()) == 302 and 120 * 3 * sum(setups.values()) == 56_880
    assert sum(map(sum, protocols.NTU60_SAMPLES.values())) == 56_880 - 302


def test_check_splits_names_what_cross_setup_and_ntu120s_cross_subject_need():
    odd_only = skeleton_set(ntu120_names(setups=[1, 3]))
    with pytest.raises(ValueError, match=r"folder X: the cross_setup train split is empty: .*even setups"):
        splits.check_splits(odd_only, odd_only.split("xset"), "xset")
    even_only = skeleton_set(ntu120_names(setups=[2, 4]))
    with pytest.raises(ValueError, match=r"cross_setup test split is empty: it needs sequences of odd setups"):
        splits.check_splits(even_only, even_only.split("cross_setup"), "cross_setup")
    both = skeleton_set(ntu120_names(setups=[1, 2]))
    splits.check_splits(both, both.split("cross_setup"), "cross_setup")  # passes
    testers = skeleton_set(ntu120_names(subjects=(3, 42, 106)))
    with pytest.raises(ValueError, match=r"cross_subject train split is empty: .*1, 2, 4, .*45, 46, .*103"):
        splits.check_splits(testers, testers.split("cross_subject"), "cross_subject")
    ntu60_testers = skeleton_set(ntu120_names(setups=[1], subjects=(3, 6), actions=(1, 2)))
    with pytest.raises(ValueError, match=r"train split is empty: it needs sequences of subjects 1, 2, 4, .*19$"):
        splits.check_splits(ntu60_testers, ntu60_testers.split("xsub"), "xsub")
