"""The registry of named parts: every entry resolves, unknown names are errors naming the known ones, and the
parameter files name only registered parts."""
import pytest

from a2vlib import registry
from a2vlib.core.errors import ParamsError
from a2vlib.params import PROFILES, list_notebooks, load_params, profile_notebooks


@pytest.mark.parametrize("kind", list(registry.REGISTRY))
def test_every_entry_resolves(kind):
    for name in registry.names(kind):
        assert callable(registry.get(kind, name)), (kind, name)


def test_unknown_names_are_clear_errors():
    with pytest.raises(ParamsError, match=r"params/x.yaml: unknown feature 'soundet'; known: spectrogram, fbank"):
        registry.check("feature", "soundet", "params/x.yaml")
    with pytest.raises(ParamsError, match=r"^unknown feature 'soundet'; known: "):  # no source: no prefix
        registry.check("feature", "soundet")
    with pytest.raises(ParamsError, match="unknown kind 'colour'"):
        registry.names("colour")
    with pytest.raises(ParamsError, match="unknown loss 'hing'"):
        registry.get("loss", "hing")
    assert registry.check("feature", "soundnet", "params/x.yaml") == "soundnet"


def test_registry_matches_the_code_it_names():
    from a2vlib.studies.wan2019.conditioning import FEATURES, SUMMARIES
    from a2vlib.studies.chen2017.time_frequency import REPRESENTATIONS
    from a2vlib.training.losses import LOSSES

    assert registry.names("feature") == tuple(FEATURES)
    assert registry.names("feature_summary") == tuple(SUMMARIES)
    assert registry.names("representation") == tuple(REPRESENTATIONS)
    assert set(registry.names("loss")) == set(LOSSES)


@pytest.mark.parametrize("profile", PROFILES)
def test_profiles_name_registered_parts(profile):
    for notebook in profile_notebooks(profile):
        params = load_params(notebook, profile)
        for key, kind in registry.PARAM_KINDS.items():
            values = params.get(key)
            for value in values if isinstance(values, list) else [values] if values is not None else []:
                registry.check(kind, value, f"{profile}/{notebook}")


def test_a_misspelt_part_fails_when_the_parameters_load(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("feature: soundet\n")
    with pytest.raises(ParamsError, match=r"bad.yaml: key 'feature': unknown feature 'soundet'"):
        load_params("04_ablation", file=bad)
