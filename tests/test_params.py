import nbformat
import pytest

from a2vlib.core.errors import ParamsError
from a2vlib.core.cache import params_hash
from a2vlib.params import (PROFILES, list_notebooks, load_params, notebook_defaults, parse_override,
                           profile_path)


@pytest.fixture
def nb_file(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("seed = 0\nrate: float = 0.5\nname = 'x'\nflag = False\nsizes = [1, 2]\nanything = None")
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


@pytest.mark.parametrize("profile", PROFILES)
def test_every_notebook_has_a_valid_file_in_every_profile(profile):
    for name in list_notebooks():
        assert profile_path(name, profile).exists(), f"missing params/{profile}/{name}.yaml"
        load_params(name, profile)  # raises on an unknown key or a wrong type


def test_ci_profile_equals_the_notebook_defaults():
    """nbval runs the notebooks with their defaults; the ci profile must be the same run."""
    from a2vlib.params import notebook_path, read_yaml

    for name in list_notebooks():
        defaults = notebook_defaults(notebook_path(name))
        for key, value in read_yaml(profile_path(name, "ci")).items():
            assert defaults[key] == value, f"{name}: ci sets {key}={value!r}, notebook default {defaults[key]!r}"
