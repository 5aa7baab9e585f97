"""Model folders are replaced atomically: a crash mid-save leaves the previous model whole."""

import json

import pytest

from bizai.errors import IncompatibleModelError, UnsafeOutputError
from bizai.persistence import read_meta, save_folder, verify_checksums


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


def test_saving_refuses_to_replace_anything_but_a_model_folder_of_the_same_family(tmp_path):
    users_folder = tmp_path / "reports"
    users_folder.mkdir()
    (users_folder / "q3.xlsx").write_text("precious")
    with pytest.raises(UnsafeOutputError, match=r"not a bizai model folder .*q3\.xlsx"):
        save_folder(users_folder, {"family": "forecaster"}, lambda folder: None)
    (tmp_path / "file.csv").write_text("a\n1\n")
    with pytest.raises(UnsafeOutputError, match="is a file or a link"):
        save_folder(tmp_path / "file.csv", {"family": "forecaster"}, lambda folder: None)
    save_folder(tmp_path / "recs", {"family": "recommender"}, lambda folder: None)
    with pytest.raises(UnsafeOutputError, match="holds a 'recommender' model, not a 'forecaster' model"):
        save_folder(tmp_path / "recs", {"family": "forecaster"}, lambda folder: None)
    assert (users_folder / "q3.xlsx").read_text() == "precious" and (tmp_path / "file.csv").read_text() == "a\n1\n"


def test_checksums_are_recorded_and_a_changed_state_file_is_refused(tmp_path):
    target = tmp_path / "model"
    save_folder(target, {"family": "forecaster"}, lambda folder: (folder / "weights.bin").write_bytes(b"0123456789"))
    meta = read_meta(target)
    assert set(meta["checksums"]) == {"weights.bin"}
    verify_checksums(target, meta)
    (target / "weights.bin").write_bytes(b"01234X6789")
    with pytest.raises(IncompatibleModelError, match=r"is damaged: weights\.bin \(content differs"):
        verify_checksums(target, meta)
    (target / "weights.bin").unlink()
    with pytest.raises(IncompatibleModelError, match=r"missing: weights\.bin"):
        verify_checksums(target, meta)


def test_a_meta_json_that_is_not_an_object_is_damaged(tmp_path):
    (tmp_path / "meta.json").write_text("[1, 2]")
    with pytest.raises(IncompatibleModelError, match="expected a JSON object"):
        read_meta(tmp_path)


def test_an_output_left_only_as_its_retired_copy_is_put_back(tmp_path):
    """A run killed between atomic_folder's two renames leaves the old folder under its hidden '.old' name."""
    from bizai.io import atomic_folder, restore_retired

    retired = tmp_path / ".part.old-99999999-0123abcd"  # a process id no live process has
    retired.mkdir()
    (retired / "data.txt").write_text("old and whole")
    (tmp_path / ".part.tmp-99999999-89abcdef").mkdir()  # the killed run's half-written new folder
    restore_retired(tmp_path)
    assert (tmp_path / "part" / "data.txt").read_text() == "old and whole"
    with atomic_folder(tmp_path / "part") as folder:  # the next write cleans up and replaces it
        (folder / "data.txt").write_text("new")
    assert (tmp_path / "part" / "data.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part"]


def test_paths_beginning_with_a_tilde_mean_the_home_folder(tmp_path, monkeypatch):
    # forecaster.save("~/models/profit") made a folder named '~' in the working folder; read_table said 'does not exist'
    import pandas as pd

    from bizai.finance import ProfitForecaster
    from bizai.io import read_table, write_table
    from tests.conftest import make_panel

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    history, _ = make_panel(n_series=2, periods=24)
    write_table(history, "~/pnl.parquet")
    model = ProfitForecaster(model="naive", horizon=2).fit(read_table("~/pnl.parquet"), "store", "month", "profit")
    model.save("~/models/profit")
    assert (home / "models" / "profit" / "meta.json").is_file() and not any(work.iterdir())
    pd.testing.assert_frame_equal(ProfitForecaster.load("~/models/profit").predict(), model.predict())
