"""Model folders are replaced atomically: a crash mid-save leaves the previous model whole."""

import json

import pytest

from bizai.persistence import read_meta, save_folder


def test_crash_mid_save_leaves_the_old_model_intact(tmp_path):
    target = tmp_path / "model"
    save_folder(target, {"family": "forecaster", "model": "old"}, lambda folder: (folder / "weights.bin").write_text("old"))

    def crash(folder):
        (folder / "weights.bin").write_text("half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing

    with pytest.raises(KeyboardInterrupt):
        save_folder(target, {"family": "forecaster", "model": "new"}, crash)
    assert read_meta(target)["model"] == "old"
    assert (target / "weights.bin").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temporary folder left behind


def test_a_successful_save_replaces_the_old_model(tmp_path):
    target = tmp_path / "model"
    for name in ("first", "second"):
        save_folder(target, {"family": "recommender", "model": name}, lambda folder: None)
    assert json.loads((target / "meta.json").read_text())["model"] == "second"
