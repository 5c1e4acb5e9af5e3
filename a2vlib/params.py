"""Profiles: load, validate and hash the parameter sets that drive the notebooks.

A notebook's cell tagged ``parameters`` is the schema: its names are the only keys a profile may set, and the
type of each default is the type a value must have. ``params/<profile>/<notebook>.yaml`` overrides the defaults.
"""
from __future__ import annotations

import ast
import functools
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

from a2vlib import registry
from a2vlib.core.errors import ParamsError
from a2vlib.core.outputs import check_name, guard_file
from a2vlib.core.paths import repo_root

PROFILES = ("ci", "lab", "paper", "real")
# Parameters every notebook has that the kit itself reads: ``profile`` (a profile resolved inside the notebook, for
# plain papermill and JupyterLab), ``threads`` (torch and BLAS threads of every unit) and ``output_dir`` (the runner's).
KIT_PARAMS = ("profile", "threads", "output_dir")
# Where a value came from, as run.json records it.
FROM_DEFAULT, FROM_OVERRIDE = "notebook default", "override"
# profiles with a file for every notebook; the others (real: FSDD + MNIST digits) run the notebooks they have files for
FULL_PROFILES = ("ci", "lab", "paper", "paper-smoke")
_NUMBER = (int, float)


SMOKE_SUFFIX = "-smoke"  # params/<profile>-smoke/: the profile at smoke size, every choice unchanged


def smoke_profile(profile: str) -> str:
    """``paper`` -> ``paper-smoke``: the profile whose files extend ``profile``'s and change only sizes, so a run of
    minutes takes every code path the full profile takes. An error where the profile has no smoke twin."""
    smoke = profile if profile.endswith(SMOKE_SUFFIX) else f"{profile}{SMOKE_SUFFIX}"
    if not (repo_root() / "params" / smoke).is_dir():
        have = sorted(p.name.removesuffix(SMOKE_SUFFIX) for p in (repo_root() / "params").glob(f"*{SMOKE_SUFFIX}"))
        raise ParamsError(f"profile {profile!r} has no smoke run (no params/{smoke}/); --smoke is for: "
                          f"{', '.join(have) or 'none'}")
    return smoke


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
    return cell_defaults(cells[0].source, str(path))


def cell_defaults(source: str, where: str = "the parameters cell") -> dict[str, Any]:
    """The names and literal values assigned in a parameters cell's ``source``."""
    defaults: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            continue
        try:
            defaults[target] = ast.literal_eval(value)
        except ValueError as exc:
            raise ParamsError(f"{where}: parameter {target!r} must be a literal value in the parameters cell") from exc
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


_POSITIVE = ("n_reference n_train n_test per_class classifier_epochs image_size width epochs g_steps batch_size "
             "judge_epochs n_images score_splits n_per_instrument repr_epochs repr_width performances "
             "test_performances sample_rate encoder_epochs image_epochs autoencoder_epochs encoder_width pose_epochs "
             "pose_batch_size reader_pictures reader_epochs continuous_steps sounds_per_class clips_per_category "
             "audio_rate frame_size model_size v2ra_batch_size speed_model_size threads").split()
_NON_NEGATIVE = "seed soundnet_pairs budget_epochs bench_reps listen_per_instrument".split()
_SEED_LISTS = ("seeds", "repr_seeds")
_EMPTY_IS_NONE = ("kit_rung", "frame_encoder_fallback")  # choices where "" means none
_SHARES = ("discrepant_share", "object_target", "kit_target")  # shares and targets for accuracies, in [0, 1]
_DURATIONS = ("seconds", "performance_seconds", "clip_seconds", "peak_interval")


def _range_problem(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``key`` (a count below 1, a negative seed, a share outside [0, 1], ...), or
    None. Checked when a profile loads, so a bad value fails before any work starts."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if isinstance(value, (list, tuple)) and any(isinstance(v, float) and not math.isfinite(v) for v in value):
        return "must hold finite numbers only"
    if key == "device" and not re.fullmatch(r"auto|cpu|cuda(:\d+)?", str(value)):
        return "must be auto, cpu or cuda (or cuda:N)"
    if key in _POSITIVE and value < 1:
        return "must be at least 1"
    if key in _NON_NEGATIVE and value < 0:
        return "must be 0 or more"
    if key in _SEED_LISTS and (not value or any(not isinstance(v, int) or isinstance(v, bool) or v < 0
                                                for v in value)):
        return "must be a non-empty list of whole numbers >= 0"
    if key in _SHARES and not 0 <= value <= 1:
        return "must lie between 0 and 1"
    if key in _DURATIONS and value <= 0:
        return "must be more than 0 seconds"
    if key == "gains" and (not value or any(not isinstance(g, _NUMBER) or g <= 0 for g in value)):
        return "must be a non-empty list of gains above 0"
    return None


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
    for key, value in values.items():
        problem = _range_problem(key, value)
        if problem:
            raise ParamsError(f"{source}: key {key!r} {problem}, got {value!r}")
    for key, kind in registry.PARAM_KINDS.items():  # values that name parts of the kit must name known ones
        if key in values and values[key] is not None:
            for name in values[key] if isinstance(values[key], (list, tuple)) else [values[key]]:
                if name != "" or key not in _EMPTY_IS_NONE:
                    registry.check(kind, name, f"{source}: key {key!r}")
    return {k: float(v) if isinstance(defaults[k], float) and v is not None else v for k, v in values.items()}


def profile_path(notebook: str, profile: str) -> Path:
    """``params/<profile>/<notebook>.yaml``; both are names, never paths."""
    return repo_root() / "params" / check_name("profile", profile) / f"{check_name('notebook', notebook)}.yaml"


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a parameter YAML file (empty file -> {}); clear errors for a missing file or bad YAML."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: parameter file not found; create it or choose another profile")
    if path.is_dir():
        raise ParamsError(f"{path}: is a folder; give a parameter file (YAML)")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_unique_key_loader())  # noqa: S506 (safe)
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not a text file; give a parameter file (YAML)") from None
    except OSError as exc:
        raise ParamsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except _DuplicateKey as exc:
        raise ParamsError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({' '.join(str(exc).split())}); fix the syntax") from exc
    return {} if data is None else data


class _DuplicateKey(Exception):
    """A YAML mapping that names one key twice."""


@functools.lru_cache(maxsize=1)
def _unique_key_loader() -> type:
    """yaml's safe loader, refusing a mapping that names one key twice (plain YAML keeps the last silently)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)  # YAML merge keys (<<: *base) first, as the safe loader does
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise _DuplicateKey(f"line {key_node.start_mark.line + 1}: a key must be a name, got {key!r}")
                if key in seen:
                    raise _DuplicateKey(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice; keep one")
                seen.add(key)
            return super().construct_mapping(node, deep)

    return Loader


def read_profile_file(path: str | os.PathLike, defaults: dict[str, Any], _seen: tuple[Path, ...] = ()
                      ) -> dict[str, Any]:
    """A profile file with the files it ``extends:`` merged under it (a name or a list, relative to the file's
    folder, applied in order; the file's own keys win). Every key is checked against the notebook's ``defaults``,
    and an error names the file that holds the bad key."""
    return _read_chain(path, defaults, _seen)[0]


def _read_chain(path: str | os.PathLike, defaults: dict[str, Any], _seen: tuple[Path, ...] = ()
                ) -> tuple[dict[str, Any], dict[str, str]]:
    """:func:`read_profile_file` and, per key, the file (relative to the repository when inside it) that set it."""
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
    sources: dict[str, str] = {}
    for parent in parents:
        values, where = _read_chain(path.parent / parent, defaults, (*_seen, path))
        merged.update(values)
        sources.update(where)
    own = validate(data, defaults, str(path))
    merged.update(own)
    sources.update({key: _shown(path) for key in own})
    return merged, sources


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(repo_root()))
    except ValueError:
        return str(path)


def resolve_params(notebook: str, profile: str | None = None, file: str | os.PathLike | None = None,
                   overrides: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    """The full, validated parameter set for ``notebook`` and where each value came from: the notebook default,
    a profile file (named), or an override. Order: defaults < profile file (with what it extends, or ``file``) <
    ``overrides``. The one resolver behind ``a2v run``, ``a2v params`` and a notebook's own ``profile`` parameter.
    ``defaults`` (a parameters cell already read) spares looking the notebook up under ``notebooks/``."""
    if defaults is None:
        path = notebook_path(notebook)
        defaults = notebook_defaults(path)
    else:
        path = Path(f"{Path(str(notebook)).name.removesuffix('.ipynb')}.ipynb")
    params = dict(defaults)
    sources = {key: FROM_DEFAULT for key in defaults}
    if file is not None or profile:
        source = Path(file) if file is not None else profile_path(path.stem, profile)  # type: ignore[arg-type]
        if file is None and profile not in PROFILES and not source.exists():
            raise ParamsError(f"unknown profile {profile!r}; known profiles: {', '.join(PROFILES)}")
        values, where = _read_chain(source, defaults)
        params.update(values)
        sources.update(where)
    if overrides and "profile" in overrides and (file is not None or profile):
        raise ParamsError(f"override profile={overrides['profile']!r} beside "
                          f"{'--params-file ' + str(file) if file is not None else '--profile ' + str(profile)}: "
                          "name the profile once, with --profile")
    if overrides:
        values = validate(overrides, defaults, "command-line override")
        params.update(values)
        sources.update({key: FROM_OVERRIDE for key in values})
    if "profile" in params:  # what the run is: the profile named, and nothing left for the notebook to resolve
        params["profile"] = profile or ""
    return params, sources


def load_params(notebook: str, profile: str | None = None, file: str | os.PathLike | None = None,
                overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The full, validated parameter set for ``notebook`` (see :func:`resolve_params`)."""
    return resolve_params(notebook, profile, file, overrides)[0]


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` from the command line; the value is read as YAML (so 3, 0.5, true, [1, 2] work)."""
    import yaml

    if "=" not in text:
        raise ParamsError(f"override {text!r}: write it as key=value")
    key, raw = text.split("=", 1)
    if not key.strip():
        raise ParamsError(f"override {text!r}: the key is missing; write it as key=value")
    if not raw.strip():
        raise ParamsError(f"override {text!r}: the value is missing; write it as {key.strip()}=VALUE (null for none)")
    try:
        return key.strip(), yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ParamsError(f"override {text!r}: value is not valid YAML ({exc})") from exc


FLAT_HEADER = "# a2v params: "  # how a flat file the kit wrote begins (so it may write it again)


def write_flat(path: str | Path, notebook: str, profile: str, params: Mapping[str, Any], force: bool = False
               ) -> Path:
    """A flat parameter file for ``papermill -f``: every value resolved, no ``extends``, nothing to merge. It never
    replaces a folder or a source, nor a file the kit did not write unless ``force``."""
    import yaml

    from a2vlib.core.atomic import write_text

    guard_file(path, "the parameter file (--write)", force=force, kit_header=FLAT_HEADER)
    flat = {k: v for k, v in params.items() if k != "output_dir"}
    head = (f"{FLAT_HEADER}{notebook}, parameters of the {profile} profile, resolved (every value flat, for "
            "papermill -f)\n")
    return write_text(path, head + yaml.safe_dump(flat, sort_keys=False))


def shown(params: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> str:
    """The parameters as YAML; with ``sources``, one line each with where its value came from."""
    import yaml

    if sources is None:
        return yaml.safe_dump(dict(params), sort_keys=False)
    return "".join(f"{key}: {yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"
                   f"    # {sources.get(key, '')}\n" for key, value in params.items())
