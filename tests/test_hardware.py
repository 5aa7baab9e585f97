"""Threads follow the CPUs this process may use: affinity, a container's quota, BIZAI_THREADS, model_params."""

from __future__ import annotations

import os

import pytest

from bizai import DataContractError, hardware
from bizai.finance.base import ModelSettings
from bizai.finance.lightgbm_model import LightGBMModel


@pytest.mark.parametrize("files,expected", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu/cpu.cfs_quota_us": "400000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4.0),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_cgroup_cpu_limit_reads_v2_and_v1(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert hardware.cgroup_cpu_limit(tmp_path) == expected


def test_available_cpus_is_the_affinity_capped_by_the_quota(monkeypatch):
    affinity = len(os.sched_getaffinity(0))
    monkeypatch.setattr(hardware, "cgroup_cpu_limit", lambda: None)
    assert hardware.available_cpus() == affinity
    monkeypatch.setattr(hardware, "cgroup_cpu_limit", lambda: 0.5)
    assert hardware.available_cpus() == 1  # a fraction of a CPU still runs one thread
    monkeypatch.setattr(hardware, "cgroup_cpu_limit", lambda: affinity + 8.0)
    assert hardware.available_cpus() == affinity


def test_bizai_threads_overrides_and_is_checked(monkeypatch):
    monkeypatch.setenv("BIZAI_THREADS", "3")
    assert hardware.compute_threads() == 3
    monkeypatch.setenv("BIZAI_THREADS", "lots")
    with pytest.raises(DataContractError, match="BIZAI_THREADS must be a positive integer, got 'lots'"):
        hardware.compute_threads()


def test_lightgbm_threads_follow_the_machine_unless_given(monkeypatch):
    monkeypatch.delenv("BIZAI_THREADS", raising=False)
    monkeypatch.setattr(hardware, "available_cpus", lambda: 7)
    settings = ModelSettings(horizon=3, quantiles=(0.1, 0.5, 0.9), random_state=0)
    assert LightGBMModel(settings).lightgbm_params()["n_jobs"] == 7
    assert LightGBMModel(settings, n_jobs=1).lightgbm_params()["n_jobs"] == 1
    monkeypatch.setenv("BIZAI_THREADS", "2")
    assert LightGBMModel(settings).lightgbm_params()["n_jobs"] == 2
