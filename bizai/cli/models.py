"""`bizai models list | show`: what a model folder is and how it was made."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bizai.errors import DataContractError, IncompatibleModelError
from bizai.persistence import find_model_folders, read_meta

app = typer.Typer(help="Inspect saved model folders.", no_args_is_help=True)


@app.command("list")
def list_models(folder: Path = typer.Argument(Path("models"), help="Folder holding model folders.")) -> None:
    """List model folders under FOLDER (default ./models) with kind, size of data and creation time.

    Example: bizai models list bizai-demo/models
    """
    if not folder.is_dir():
        raise DataContractError(f"{str(folder)!r} is not a folder{' (it is a file)' if folder.exists() else ''}; "
                                "pass the folder that holds your model folders.")
    found = find_model_folders(folder)
    if not found:
        typer.echo(f"no models under {folder}")
        return
    for path in found:
        try:
            meta = read_meta(path)
        except IncompatibleModelError as exc:
            typer.echo(f"{path}  (unreadable: {exc})")
            continue
        size = f"{meta.get('series', meta.get('users', '?'))} {'series' if 'series' in meta else 'users'}"
        typer.echo(f"{path}  {meta.get('family')}/{meta.get('model')}  {size}  created {meta.get('created_at')}")


@app.command("show")
def show(path: Path = typer.Argument(..., help="A model folder.")) -> None:
    """Print a model folder's meta.json: versions, parameters, columns, data fingerprint, metrics.

    Example: bizai models show models/profit
    """
    typer.echo(json.dumps(read_meta(path), indent=2))
