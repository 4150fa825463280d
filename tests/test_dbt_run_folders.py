"""dagster-dbt's folder per dbt invocation (about 20 MB each) does not pile up: the oldest go, the
newest RUN_FOLDERS_KEPT stay, and nothing else in the target folder is touched."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.lib.dbt.project import DBT_EXECUTABLE, RUN_FOLDERS_KEPT, VenvDbtCli, dbt_project, prune_run_folders


def make_run_folders(target: Path, count: int) -> list[Path]:
    """`count` run folders named as dagster-dbt names them, oldest first (one second apart)."""
    folders = []
    for i in range(count):
        folder = target / f"dbt_models-{i:07x}-{i:07x}"
        (folder / "compiled").mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (1_700_000_000 + i, 1_700_000_000 + i))
        folders.append(folder)
    return folders


def test_keeps_the_newest_run_folders_and_nothing_else_goes(tmp_path):
    folders = make_run_folders(tmp_path, 25)
    (tmp_path / "partial_parse.msgpack").write_bytes(b"saved parse")
    (tmp_path / "compiled").mkdir()  # dbt's own folders in the target folder
    (tmp_path / "my-notes").mkdir()  # not named as a run folder

    deleted = prune_run_folders(tmp_path, keep=20)

    assert sorted(deleted) == folders[:5]
    assert sorted(p for p in tmp_path.iterdir() if p.name.startswith("dbt_models-")) == folders[5:]
    assert (tmp_path / "partial_parse.msgpack").read_bytes() == b"saved parse"
    assert (tmp_path / "compiled").is_dir() and (tmp_path / "my-notes").is_dir()


def test_a_new_invocations_folder_is_among_the_newest_kept(tmp_path, monkeypatch):
    """Each invocation's folder comes from dagster-dbt's _get_unique_target_path; the resource
    prunes beside it, leaving room for it among the RUN_FOLDERS_KEPT."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    folders = make_run_folders(tmp_path, RUN_FOLDERS_KEPT + 3)

    new = VenvDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)._get_unique_target_path(context=None)

    assert new.parent == tmp_path and not new.exists()
    left = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert left == folders[4:]  # the newest RUN_FOLDERS_KEPT - 1, and the new one makes RUN_FOLDERS_KEPT


def test_a_missing_target_folder_is_no_error(tmp_path):
    assert prune_run_folders(tmp_path / "not-yet") == []


def test_the_default_target_folder_is_the_projects(tmp_path, monkeypatch):
    """Without DBT_TARGET_PATH, dagster-dbt's folder is relative ("target/..."): dbt resolves it in
    the project folder, and so does the pruning, whatever the current folder."""
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    project = tmp_path / "project"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    folders = make_run_folders(project / "target", RUN_FOLDERS_KEPT + 1)
    monkeypatch.chdir(tmp_path)

    new = VenvDbtCli(project_dir=str(project), dbt_executable=DBT_EXECUTABLE)._get_unique_target_path(context=None)

    assert not new.is_absolute() and new.parent == Path("target")
    assert sorted(p for p in (project / "target").iterdir()) == folders[2:]
