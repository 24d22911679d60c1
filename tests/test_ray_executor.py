"""The Ray executor: the records of local processes, a node lost mid-sweep, an interrupted driver, bad input."""

import os
import re
import shutil
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
import ray
from ray.cluster_utils import Cluster

from skelrnn.core.identity import record_key
from skelrnn.data import loading
from skelrnn.data.splits import prepare_splits
from skelrnn.data.synthetic import generator
from skelrnn.data.synthetic.config import SyntheticConfig
from skelrnn.experiments.thesis_tables import Cell
from skelrnn.runs import executors, local, planning
from skelrnn.runs.ray_executor import RayExecutor, node_run_dir, node_runs_dir
from skelrnn.training import records

SYNTHETIC = {"n_replications": 2, "n_cameras": 1, "actions": (8, 9), "max_frames": 40}
BASELINE = {"cell": "gru", "units": 8, "layers": 1, "bidirectional": False, "keep_prob": 0.8, "l2": 1e-4}
SHORT = {"batch_size": 8, "max_epochs": 2, "eval_every": 3, "patience": 1, "min_learning_rate": 5e-5, "pad_multiple": 8}
# Long enough for a node to die mid-run: 40 evaluations, a checkpoint after each.
LONG = {**SHORT, "max_epochs": 40, "eval_every": 3, "patience": 100}


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    generator.generate(folder, SyntheticConfig(**SYNTHETIC), workers=1)
    data = loading.load(folder, cache_dir=folder / "cache", workers=1)
    return prepare_splits(data, max_train=24, max_eval=16, frame_step=5)


def run(cells, seeds, splits, train, results_dir, runs_dir, executor, log):
    return executors.run_cells(
        cells, seeds, splits, baseline_model=BASELINE, train_settings=train, n_classes=2, results_dir=results_dir,
        runs_dir=runs_dir, profile="test", dataset_name="tiny", executor=executor, log=log,
    )  # fmt: skip


def outcomes(runs) -> list:
    return [records.outcome(record.to_dict()) for _cell, _seed, record in runs]


CELLS = [Cell("t", "a", "x", "1.0"), Cell("t", "b", "y", "2.0", model={"keep_prob": 1.0})]


def test_bad_addresses_fail_fast_and_name_the_address():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        RayExecutor(f"127.0.0.1:{port}").start()
    assert time.monotonic() - start < 30
    assert not ray.is_initialized(), "nothing started before the address was checked"
    with pytest.raises(ValueError, match="host:port"):
        RayExecutor("cluster-without-port").start()
    with pytest.raises(ValueError, match="gpus_per_run"):
        RayExecutor(gpus_per_run=1.5)


def test_the_book_command_refuses_a_cluster_it_cannot_use_before_any_chapter_runs(tmp_path, monkeypatch, repo_root):
    from skelrnn.cli import main

    monkeypatch.chdir(repo_root)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = ["--output", str(tmp_path / "out"), "--results-dir", str(tmp_path / "results")]
    with pytest.raises(SystemExit, match="--ray-address: options of the Ray executor"):
        main(["book", "--ray-address", f"127.0.0.1:{port}", *out])
    with pytest.raises(SystemExit, match=f"--executor ray: no Ray cluster at 127.0.0.1:{port}"):
        main(["book", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}", *out])
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists(), "nothing ran"
    with pytest.raises(SystemExit, match="ray address 'nonsense': expected host:port"):
        main(["book", "--executor", "ray", "--ray-address", "nonsense", *out])


def test_ray_trains_the_records_of_local_processes_and_an_interrupt_stops_its_runs(splits, tmp_path):
    logs = []
    reference = run(CELLS, [0, 1], splits, SHORT, tmp_path / "local", tmp_path / "runs-local",
                    local.LocalProcesses(2), logs.append)  # fmt: skip
    # a new Ray instance on this machine, its runs' folders on each node (not shared with the driver)
    executor = RayExecutor("local", cpus_per_run=1, workers=2, shared_storage=False)
    try:
        executor.start()
        with pytest.raises(RuntimeError, match=r"no GPU \(1 nodes, \d+ CPUs, 0 GPUs\)"):
            RayExecutor(gpus_per_run=0.25).start()  # at once, not a run that waits for a GPU forever
        got = run(CELLS, [0, 1], splits, SHORT, tmp_path / "ray", tmp_path / "runs-ray", executor, logs.append)
        assert outcomes(got) == outcomes(reference)
        for _cell, _seed, record in got:
            assert record.environment["executor"] == "ray (this machine)" and "Ray node" in record.environment["node"]
            # no storage shared with the driver: the best weights came back with the record
            assert (tmp_path / "runs-ray" / f"{record_key(record)}" / "best.weights.h5").is_file()
        assert reference[0][2].environment["executor"] == "local processes (2)"
        assert "Ray (this machine): 2 workers of 1 CPU a run" == executor.describe()

        # An interrupted driver: the caller stops reading after the first record.
        _plan, jobs = planning.plan_runs(
            CELLS, [2, 3, 4], splits, baseline_model=BASELINE, train_settings=LONG, n_classes=2,
            results_dir=tmp_path / "ray", runs_dir=tmp_path / "runs-ray", profile="test", dataset_name="tiny",
        )  # fmt: skip
        stream = executor.run(list(jobs.values()), splits)
        next(stream)
        training = executor.running()
        actors = dict(executor._actors)
        assert training, "other runs were training when the driver stopped"
        stream.close()
        for path, w in training.items():  # each run ended (its record kept) or its worker is gone
            if not Path(path).is_file():
                with pytest.raises(ray.exceptions.RayActorError):
                    ray.get(actors[w].where.remote(), timeout=30)
        trained_before = sum(Path(path).is_file() for path in jobs)
        logs.clear()
        run(CELLS, [2, 3, 4], splits, LONG, tmp_path / "ray", tmp_path / "runs-ray", executor, logs.append)
        assert logs[-1] == f"runs: {len(jobs) - trained_before} trained, {trained_before} reused"
        assert len(executor._actors) == 2, "the workers the interrupt killed were replaced"

        nodes = {place["node_id"] for place in executor.worker_places().values()}
    finally:
        executor.close()
    for node in nodes:
        shutil.rmtree(node_runs_dir(node), ignore_errors=True)
    assert not ray.is_initialized(), "the executor shuts down the Ray instance it started"


@pytest.mark.parametrize("shared", [None, False], ids=["runs_dir shared", "runs_dir on each node"])
def test_a_node_lost_mid_sweep_costs_no_record_and_its_run_resumes_or_restarts(splits, tmp_path, shared):
    reference = run(CELLS[:1], [0, 1, 2], splits, LONG, tmp_path / "ref", tmp_path / "runs-ref", local.InProcess(),
                    lambda line: None)  # fmt: skip
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    logs, killed = [], {}
    # A checkpoint after every evaluation. The nodes share tmp_path: the workers find it out, or are told not to use it.
    executor = RayExecutor(cluster.address, checkpoint_seconds=0, shared_storage=shared, log=logs.append)

    def kill_a_node_mid_run():  # as a machine dies: its raylet and every process on it
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for path, w in executor.running().items():
                place = executor.worker_places().get(w)
                if place is None:
                    continue
                run_dir = tmp_path / "runs" / Path(path).stem
                state = (run_dir if shared is None else node_run_dir(place["node_id"], run_dir)) / "state.json"
                if state.is_file() and '"update": 6' in state.read_text():
                    node = next(n for n in nodes if n.node_id == place["node_id"])
                    cluster.remove_node(node, allow_graceful=False)
                    try:
                        os.kill(place["pid"], signal.SIGKILL)
                    except ProcessLookupError:
                        pass  # gone with its raylet already
                    killed[Path(path).stem] = place["node"]
                    return
            time.sleep(0.01)

    try:
        killer = threading.Thread(target=kill_a_node_mid_run)
        killer.start()
        got = run(CELLS[:1], [0, 1, 2], splits, LONG, tmp_path / "ray", tmp_path / "runs", executor, logs.append)
        killer.join()
        joined = RayExecutor()  # no address: the cluster this driver is connected to, named as such
        joined.capacity()
        assert joined.describe().startswith(f"Ray ({ray.get_runtime_context().gcs_address})")
    finally:
        for node in nodes:
            shutil.rmtree(node_runs_dir(node.node_id), ignore_errors=True)
        executor.close()
        cluster.shutdown()
    assert killed, "a node was removed while a run trained there"
    ((key, node),) = killed.items()
    assert outcomes(got) == outcomes(reference), "every record arrived, equal to the in-process ones"
    retried = next(record for _c, _s, record in got if record_key(record) == key)
    assert retried.resumed == (shared is None) and retried.environment["node"] != node
    assert any(f"lost while training run {key}" in line and node in line for line in logs)
    finished = [line for line in logs if f"run {key} finished on" in line]
    assert len(finished) == 1
    if shared is None:  # the checkpoint the lost node wrote to the shared runs_dir
        assert int(re.search(r"resumed from its checkpoint after update (\d+)", finished[0])[1]) >= 6
    else:  # the checkpoints were on the lost node
        assert finished[0].endswith("trained again from the first update")
