"""Profiles: load, validate and hash the parameter sets that drive the notebooks.

A notebook's cell tagged ``parameters`` is the schema: its names are the only keys a profile may set, and the
type of each default is the type a value must have. ``params/<profile>/<notebook>.yaml`` overrides the defaults.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

from a2vlib import registry
from a2vlib.core.errors import ParamsError
from a2vlib.core.paths import repo_root

PROFILES = ("ci", "lab", "paper", "real")
# profiles with a file for every notebook; the others (real: FSDD + MNIST digits) run the notebooks they have files for
FULL_PROFILES = ("ci", "lab", "paper")
_NUMBER = (int, float)


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


def notebook_path(name: str | os.PathLike) -> Path:
    """The notebook ``name`` (``01_data_cleaning`` or ``01_data_cleaning.ipynb``) under ``notebooks/``, or the
    path of an existing ``.ipynb`` file."""
    name = str(name)
    if name.endswith(".ipynb") and Path(name).is_file():
        return Path(name).resolve()
    stem = Path(name).name[:-6] if name.endswith(".ipynb") else name
    path = notebooks_dir() / f"{stem}.ipynb"
    if not path.exists():
        known = ", ".join(list_notebooks()) or "none"
        raise ParamsError(f"no notebook named {stem!r} in {notebooks_dir()}; known notebooks: {known}")
    return path


def list_notebooks() -> list[str]:
    """Names of the numbered notebooks, in order."""
    return sorted(p.stem for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def profile_notebooks(profile: str) -> list[str]:
    """The notebooks a profile runs: every one for a full profile, else those with a file in ``params/<profile>/``."""
    if profile in FULL_PROFILES:
        return list_notebooks()
    names = [n for n in list_notebooks() if profile_path(n, profile).exists()]
    if not names:
        raise ParamsError(f"profile {profile!r}: no notebook has a file in {repo_root() / 'params' / profile}; "
                          f"known profiles: {', '.join(PROFILES)}")
    return names


def notebook_defaults(path: str | os.PathLike) -> dict[str, Any]:
    """The names and default values of the notebook's ``parameters`` cell (plain literal assignments)."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ParamsError(f"{path}: expected exactly one code cell tagged 'parameters', found {len(cells)}")
    defaults: dict[str, Any] = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            continue
        try:
            defaults[target] = ast.literal_eval(value)
        except ValueError as exc:
            raise ParamsError(f"{path}: parameter {target!r} must be a literal value in the parameters cell") from exc
    return defaults


def _type_ok(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True  # None means 'any' (or 'not set')
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, _NUMBER)
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def validate(values: dict[str, Any], defaults: dict[str, Any], source: str) -> dict[str, Any]:
    """Check ``values`` against the notebook ``defaults``; unknown keys and wrong types are errors.

    Returns ``values`` with ints given for float parameters turned into floats.
    """
    if not isinstance(values, dict):
        raise ParamsError(f"{source}: expected a mapping of parameter names to values, got {type(values).__name__}")
    for key, value in values.items():
        if key not in defaults:
            raise ParamsError(
                f"{source}: unknown key {key!r}; the notebook's parameters are: {', '.join(sorted(defaults))}"
            )
        if not _type_ok(defaults[key], value):
            raise ParamsError(
                f"{source}: key {key!r} must be {type(defaults[key]).__name__} "
                f"(like the notebook default {defaults[key]!r}), got {type(value).__name__} {value!r}"
            )
    for key, kind in registry.PARAM_KINDS.items():  # values that name parts of the kit must name known ones
        if key in values and values[key] is not None:
            for name in values[key] if isinstance(values[key], (list, tuple)) else [values[key]]:
                registry.check(kind, name, f"{source}: key {key!r}")
    return {k: float(v) if isinstance(defaults[k], float) and v is not None else v for k, v in values.items()}


def profile_path(notebook: str, profile: str) -> Path:
    return repo_root() / "params" / profile / f"{notebook}.yaml"


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a parameter YAML file (empty file -> {}); clear errors for a missing file or bad YAML."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: parameter file not found; create it or choose another profile")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc}); fix the syntax") from exc
    return {} if data is None else data


def read_profile_file(path: str | os.PathLike, defaults: dict[str, Any], _seen: tuple[Path, ...] = ()
                      ) -> dict[str, Any]:
    """A profile file with the files it ``extends:`` merged under it (a name or a list, relative to the file's
    folder, applied in order; the file's own keys win). Every key is checked against the notebook's ``defaults``,
    and an error names the file that holds the bad key."""
    path = Path(path).resolve()
    if path in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path))
        raise ParamsError(f"{path}: 'extends' goes round in a circle ({chain}); remove one of the links")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of parameter names to values, got {type(data).__name__}")
    data = dict(data)
    parents = data.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ParamsError(f"{path}: 'extends' must be a file name or a list of file names, got {parents!r}")
    merged: dict[str, Any] = {}
    for parent in parents:
        merged.update(read_profile_file(path.parent / parent, defaults, (*_seen, path)))
    merged.update(validate(data, defaults, str(path)))
    return merged


def load_params(notebook: str, profile: str | None = None, file: str | os.PathLike | None = None,
                overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The full, validated parameter set for ``notebook``: defaults < profile file (with what it extends, or
    ``file``) < ``overrides``."""
    path = notebook_path(notebook)
    defaults = notebook_defaults(path)
    params = dict(defaults)
    if file is not None or profile is not None:
        source = Path(file) if file is not None else profile_path(path.stem, profile)  # type: ignore[arg-type]
        if file is None and profile not in PROFILES and not source.exists():
            raise ParamsError(f"unknown profile {profile!r}; known profiles: {', '.join(PROFILES)}")
        params.update(read_profile_file(source, defaults))
    if overrides:
        params.update(validate(overrides, defaults, "command-line override"))
    return params


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` from the command line; the value is read as YAML (so 3, 0.5, true, [1, 2] work)."""
    import yaml

    if "=" not in text:
        raise ParamsError(f"override {text!r}: write it as key=value")
    key, raw = text.split("=", 1)
    try:
        return key.strip(), yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ParamsError(f"override {text!r}: value is not valid YAML ({exc})") from exc
