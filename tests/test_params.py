import nbformat
import pytest

from a2vlib.core.cache import params_hash
from a2vlib.core.errors import ParamsError
from a2vlib.core.paths import repo_root
from a2vlib.params import (FULL_PROFILES, PROFILES, SMOKE_SUFFIX, list_notebooks, load_params, notebook_defaults, notebook_path,
                           parse_override, profile_notebooks, profile_path, read_yaml)


@pytest.fixture
def nb_file(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "seed = 0\nrate: float = 0.5\nname = 'x'\nflag = False\nsizes = [1, 2]\nanything = None")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(seed)")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_defaults_are_read_from_the_parameters_cell(nb_file):
    assert notebook_defaults(nb_file) == {"seed": 0, "rate": 0.5, "name": "x", "flag": False, "sizes": [1, 2],
                                          "anything": None}


def test_unknown_key_names_file_and_key(nb_file, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\nsede: 2\n")
    with pytest.raises(ParamsError, match=r"bad\.yaml: unknown key 'sede'"):
        load_params(str(nb_file), file=bad)


@pytest.mark.parametrize("text,key", [("seed: 1.5\n", "seed"), ("flag: 1\n", "flag"), ("seed: true\n", "seed"),
                                      ("name: 3\n", "name"), ("sizes: 3\n", "sizes")])
def test_wrong_type_names_file_and_key(nb_file, tmp_path, text, key):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ParamsError, match=rf"bad\.yaml: key '{key}' must be"):
        load_params(str(nb_file), file=bad)


def test_int_is_accepted_for_float_and_converted(nb_file, tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text("rate: 2\nanything: [1]\n")
    params = load_params(str(nb_file), file=f)
    assert params["rate"] == 2.0 and isinstance(params["rate"], float)
    assert params["anything"] == [1] and params["seed"] == 0


def test_bad_yaml_and_missing_file(nb_file, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("seed: [1,\n")
    with pytest.raises(ParamsError, match="broken.yaml: not valid YAML"):
        load_params(str(nb_file), file=bad)
    with pytest.raises(ParamsError, match="missing.yaml: parameter file not found"):
        load_params(str(nb_file), file=tmp_path / "missing.yaml")
    top = tmp_path / "list.yaml"
    top.write_text("- 1\n- 2\n")
    with pytest.raises(ParamsError, match="expected a mapping"):
        load_params(str(nb_file), file=top)


def test_overrides_are_validated_too(nb_file):
    assert load_params(str(nb_file), overrides={"seed": 3})["seed"] == 3
    with pytest.raises(ParamsError, match="override.*unknown key 'nope'"):
        load_params(str(nb_file), overrides={"nope": 3})
    assert parse_override("rate=0.25") == ("rate", 0.25)
    with pytest.raises(ParamsError, match="key=value"):
        parse_override("rate")


def test_unknown_notebook_and_profile():
    with pytest.raises(ParamsError, match="no notebook named 'zz_nothing'"):
        load_params("zz_nothing", "lab")
    with pytest.raises(ParamsError, match="unknown profile 'huge'"):
        load_params(list_notebooks()[0], "huge")


def test_hash_is_stable_and_order_free():
    assert params_hash({"a": 1, "b": [1, 2]}) == params_hash({"b": [1, 2], "a": 1})
    assert params_hash({"a": 1}) != params_hash({"a": 2})
    assert len(params_hash({"a": 1})) == 12


@pytest.mark.parametrize("profile", FULL_PROFILES)
def test_every_notebook_has_a_valid_file_in_every_full_profile(profile):
    for name in list_notebooks():
        assert profile_path(name, profile).exists(), f"missing params/{profile}/{name}.yaml"
        load_params(name, profile)  # raises on an unknown key or a wrong type


def test_the_real_profile_runs_00_02_04_on_digits():
    """The real profile is the same notebooks with the dataset as a parameter: 00, 02 and 04 on spoken digits."""
    names = profile_notebooks("real")
    assert [n[:2] for n in names] == ["00", "02", "04"]
    for name in names:
        params = load_params(name, "real")
        assert params["dataset"] == "digits", name
    folder = repo_root() / "params" / "real"
    assert read_yaml(folder / "digits.yaml")["dataset"] == "digits"
    for path in _profile_files("real"):
        if path.name != "digits.yaml":
            assert "dataset" not in read_yaml(path), f"{path}: the dataset belongs in digits.yaml alone"


def test_a_profile_with_no_files_is_an_error(tmp_path):
    with pytest.raises(ParamsError, match="no notebook has a file"):
        profile_notebooks("nosuchprofile")


@pytest.mark.parametrize("name", list_notebooks())
def test_ci_profile_equals_the_notebook_defaults(name):
    """nbval runs the notebooks with their defaults; the ci profile (with everything it extends) must be the same
    run: it resolves to exactly the parameters cell."""
    resolved, defaults = load_params(name, "ci"), notebook_defaults(notebook_path(name))
    assert resolved.pop("profile") == "ci" and defaults.pop("profile") == ""  # what the run is, not a setting
    differ = {k: (resolved[k], defaults[k]) for k in defaults if resolved[k] != defaults[k]}
    assert not differ, f"params/ci/{name}.yaml resolves to (ci, notebook default): {differ}"
    assert resolved == defaults


# ---------------------------------------------------------------------------------------------------------------
# extends: a profile file merged over the files it names

@pytest.fixture
def profiles(tmp_path):
    """Write YAML files under tmp_path: ``profiles({"a.yaml": "seed: 1"})``; returns the folder."""
    def write(files):
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path
    return write


def test_extends_a_name_own_keys_win(nb_file, profiles):
    folder = profiles({"base.yaml": "seed: 1\nrate: 0.25\nname: base\n",
                       "top.yaml": "extends: base.yaml\nseed: 2\n"})
    params = load_params(str(nb_file), file=folder / "top.yaml")
    assert (params["seed"], params["rate"], params["name"]) == (2, 0.25, "base")
    assert "extends" not in params and params["flag"] is False  # unset keys keep the notebook default


def test_extends_a_list_in_order_with_relative_paths(nb_file, profiles):
    folder = profiles({"shared/data.yaml": "seed: 1\nrate: 0.25\n",
                       "shared/model.yaml": "extends: data.yaml\nrate: 0.75\nsizes: [3]\n",  # next to itself
                       "sub/run.yaml": "extends: [../shared/model.yaml, local.yaml]\nflag: true\n",
                       "sub/local.yaml": "sizes: [4, 5]\n"})
    params = load_params(str(nb_file), file=folder / "sub" / "run.yaml")
    # data < model (its own keys win) < local (later in the list wins) < run itself
    assert (params["seed"], params["rate"], params["sizes"], params["flag"]) == (1, 0.75, [4, 5], True)
    assert isinstance(params["rate"], float)


def test_extends_cycle_names_the_chain(nb_file, profiles):
    folder = profiles({"a.yaml": "extends: b.yaml\nseed: 1\n", "b.yaml": "extends: [c.yaml]\n",
                       "c.yaml": "extends: a.yaml\n"})
    with pytest.raises(ParamsError, match="goes round in a circle") as err:
        load_params(str(nb_file), file=folder / "a.yaml")
    chain = [str((folder / n).resolve()) for n in ("a.yaml", "b.yaml", "c.yaml", "a.yaml")]
    assert " -> ".join(chain) in str(err.value)
    folder = profiles({"self.yaml": "extends: self.yaml\n"})
    with pytest.raises(ParamsError, match=r"self\.yaml -> .*self\.yaml"):
        load_params(str(nb_file), file=folder / "self.yaml")


def test_unknown_key_in_an_extended_file_names_that_file(nb_file, profiles):
    folder = profiles({"deep.yaml": "seed: 1\nsede: 2\n", "mid.yaml": "extends: deep.yaml\n",
                       "top.yaml": "extends: mid.yaml\nseed: 3\n"})
    with pytest.raises(ParamsError) as err:
        load_params(str(nb_file), file=folder / "top.yaml")
    message = str(err.value)
    assert message.startswith(f"{(folder / 'deep.yaml').resolve()}: unknown key 'sede'")
    assert "top.yaml" not in message and "mid.yaml" not in message
    folder = profiles({"typed.yaml": "seed: 0.5\n", "user.yaml": "extends: typed.yaml\n"})
    with pytest.raises(ParamsError, match=r"typed\.yaml: key 'seed' must be"):
        load_params(str(nb_file), file=folder / "user.yaml")


def test_missing_extended_file_is_named(nb_file, profiles):
    folder = profiles({"top.yaml": "extends: nowhere.yaml\n"})
    with pytest.raises(ParamsError, match=r"nowhere\.yaml: parameter file not found"):
        load_params(str(nb_file), file=folder / "top.yaml")


@pytest.mark.parametrize("value", ["3", "{base.yaml: 1}", "[base.yaml, 3]", "[[base.yaml]]", "true"])
def test_bad_extends_type(nb_file, profiles, value):
    folder = profiles({"base.yaml": "seed: 1\n", "top.yaml": f"extends: {value}\n"})
    with pytest.raises(ParamsError, match=r"top\.yaml: 'extends' must be a file name or a list of file names"):
        load_params(str(nb_file), file=folder / "top.yaml")


def test_extends_empty_list_and_empty_base(nb_file, profiles):
    folder = profiles({"empty.yaml": "", "top.yaml": "extends: []\nseed: 4\n",
                       "on_empty.yaml": "extends: empty.yaml\n"})
    assert load_params(str(nb_file), file=folder / "top.yaml")["seed"] == 4
    assert load_params(str(nb_file), file=folder / "on_empty.yaml") == notebook_defaults(nb_file)


# ---------------------------------------------------------------------------------------------------------------
# The repository's own profiles

# The SceneSynth-9 definition and the cleaning that 01 does for 02-05: one dataset per profile.
SCENESYNTH_KEYS = ("seed", "n_reference", "n_train", "n_test", "proportions", "discrepant_share", "seconds")
CLEANING_KEYS = ("classifier_epochs",)
# The instrument pairs and Chen et al.'s encoders that 03 and 06 share (seed and image size are shared names, set there
# too, and soundfont by 02 as well, but not the family's alone).
INSTRUMENT_KEYS = ("performances", "test_performances", "performance_seconds", "sample_rate",
                   "sub_urmp_root", "encoder_epochs", "image_epochs", "autoencoder_epochs", "encoder_width")
DATASET_FILES = {"scenesynth.yaml": SCENESYNTH_KEYS, "cleaned.yaml": CLEANING_KEYS,
                 "instruments.yaml": INSTRUMENT_KEYS}


def _profile_files(profile):
    return sorted((repo_root() / "params" / profile).glob("*.yaml"))


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_file_is_a_mapping_of_known_keys(profile):
    assert _profile_files(profile), f"params/{profile}/ holds no file"
    known = set().union(*(notebook_defaults(notebook_path(n)) for n in list_notebooks())) | {"extends"}
    for path in _profile_files(profile):
        data = read_yaml(path)
        assert isinstance(data, dict), f"{path}: not a mapping"
        assert set(data) <= known, f"{path}: keys no notebook has: {sorted(set(data) - known)}"


# a smoke profile's files extend the full profile's (its dataset is defined there, and a test in
# tests/notebooks/test_paper_smoke.py holds its own files to sizes)
DATASET_PROFILES = [p for p in FULL_PROFILES if not p.endswith(SMOKE_SUFFIX)]


@pytest.mark.parametrize("profile", DATASET_PROFILES)
def test_the_dataset_is_defined_once_per_profile(profile):
    resolved = {name: load_params(name, profile) for name in list_notebooks()}
    for key in SCENESYNTH_KEYS + CLEANING_KEYS:
        values = {name: params[key] for name, params in resolved.items() if key in params}
        assert values, f"no notebook has {key!r}"
        assert len({repr(v) for v in values.values()}) == 1, f"{profile}: {key} differs between notebooks: {values}"
    folder = repo_root() / "params" / profile
    for file, keys in DATASET_FILES.items():
        data = read_yaml(folder / file)
        assert set(keys) <= set(data), f"{folder / file}: should define {sorted(set(keys) - set(data))}"
    for path in _profile_files(profile):
        for file, keys in DATASET_FILES.items():
            if path.name != file:
                stray = sorted(set(keys) & set(read_yaml(path)))
                assert not stray, f"{path}: sets {stray}, which belong in {folder / file} alone (extend it instead)"


@pytest.mark.parametrize("profile", DATASET_PROFILES)
def test_notebook_files_take_the_dataset_by_extends(profile):
    """Every notebook that has the dataset keys gets them from scenesynth.yaml (directly or through another file)."""
    for name in list_notebooks():
        defaults = notebook_defaults(notebook_path(name))
        if not set(SCENESYNTH_KEYS) <= set(defaults):
            continue
        scenesynth = read_yaml(repo_root() / "params" / profile / "scenesynth.yaml")
        resolved = load_params(name, profile)
        assert {k: resolved[k] for k in SCENESYNTH_KEYS} == {k: scenesynth[k] for k in SCENESYNTH_KEYS}, name


def test_parameters_cells_agree_on_shared_keys():
    """A name two notebooks share has the same default in both (output_dir aside: the runner sets it)."""
    cells = {name: notebook_defaults(notebook_path(name)) for name in list_notebooks()}
    seen: dict[str, tuple[str, object]] = {}
    for name, defaults in cells.items():
        for key, value in defaults.items():
            first = seen.setdefault(key, (name, value))
            assert repr(first[1]) == repr(value), f"{key}: {first[0]} has {first[1]!r}, {name} has {value!r}"


@pytest.mark.parametrize("profile", [p for p in FULL_PROFILES if p != "ci"])
def test_volume_study_loads_the_budget_curve_model(profile):
    """05 loads, from the cache, the model that 04's budget curve trained: same epochs (and the same S2I sizes)."""
    nb04, nb05 = (next(n for n in list_notebooks() if n.startswith(p)) for p in ("04_", "05_"))
    p04, p05 = load_params(nb04, profile), load_params(nb05, profile)
    assert p05["epochs"] == p04["budget_epochs"], (
        f"{profile}: 05 epochs={p05['epochs']} but 04 budget_epochs={p04['budget_epochs']}")
    shared = set(p04) & set(p05) - {"output_dir", "epochs"}
    assert {k: p04[k] for k in shared} == {k: p05[k] for k in shared}


@pytest.mark.parametrize("profile", FULL_PROFILES)
def test_every_notebook_of_a_profile_uses_one_dataset(profile):
    """01 cleans what 02-05 train on: every notebook's parameters define the same SceneSynth-9 (a model's image
    size, say, must not leak into the dataset's definition)."""
    import json

    from a2vlib.studies.wan2019 import catalog

    from a2vlib.studies.chen2017.data import dataset_key as instruments_key

    for family, key_of, marker in (("SceneSynth-9", catalog.dataset_key, "n_train"),
                                   ("instruments", instruments_key, "performances")):
        users = [nb for nb in list_notebooks() if marker in notebook_defaults(notebook_path(nb))]
        keys = {json.dumps(key_of(load_params(nb, profile)), sort_keys=True) for nb in users}
        assert len(users) >= 2 and len(keys) == 1, (family, keys)


@pytest.mark.parametrize("key, value, problem", [
    ("seed", -3, "must be 0 or more"), ("n_train", 0, "must be at least 1"), ("threads", 0, "must be at least 1"),
    ("discrepant_share", 1.5, "between 0 and 1"), ("seconds", 0.0, "more than 0 seconds"),
    ("seeds", [], "non-empty list"), ("seeds", [0, -1], "non-empty list"), ("gains", [1.0, 0.0], "above 0"),
])
def test_out_of_range_values_fail_when_the_profile_loads(key, value, problem):
    name = "04_ablation" if key in ("seeds",) else "05_volume_study"
    with pytest.raises(ParamsError, match=rf"command-line override: key {key!r} .*{problem}"):
        load_params(name, "ci", overrides={key: value})


def test_every_profile_file_is_in_range():
    for profile in PROFILES:
        for name in profile_notebooks(profile):
            load_params(name, profile)
