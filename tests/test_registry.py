"""The registry of named parts: every entry resolves, unknown names are errors naming the known ones, and the
parameter files name only registered parts."""
import pytest

from a2vlib import registry
from a2vlib.core.errors import ParamsError
from a2vlib.params import PROFILES, list_notebooks, load_params, profile_notebooks


# kinds whose names are choices a parameter makes, registered with their definition (a rung) or the name alone
VALUE_KINDS = ("rung", "proportions", "v2ra_join", "peak_reference_bank", "score_protocol")


@pytest.mark.parametrize("kind", list(registry.PROVIDERS))
def test_every_entry_resolves(kind):
    for name in registry.names(kind):
        part = registry.get(kind, name)
        assert (callable(part) or kind == "loss" and callable(part.d) and callable(part.g)
                or kind in VALUE_KINDS), (kind, name)


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


def test_each_name_is_its_own_implementation():
    """The registry dispatches: every name of a kind is a different implementation, registered where it is
    defined; the modules' name lists are the registry's (one list)."""
    from a2vlib.studies.chen2017.time_frequency import REPRESENTATIONS
    from a2vlib.studies.wan2019.conditioning import FEATURES, SUMMARIES
    from a2vlib.training.losses import LOSSES

    for kind in registry.PROVIDERS:
        found = [registry.get(kind, name) for name in registry.names(kind)]
        assert len({id(f) for f in found}) == len(found), f"{kind}: two names share one implementation"
    assert registry.names("feature") == FEATURES and registry.names("feature_summary") == SUMMARIES
    assert registry.names("representation") == REPRESENTATIONS == ("stft", "cqt", "mfcc", "ms", "lms")
    assert tuple(LOSSES) == registry.names("loss")


def test_a_registered_part_is_what_the_code_runs():
    import numpy as np

    from a2vlib.studies.wan2019.conditioning import sound_vectors

    calls = []

    @registry.register("feature", "test-double")
    def double(clips, sr, summary, device):
        calls.append((len(clips), sr, summary))
        return np.zeros((len(clips), 3))

    try:
        out = sound_vectors([np.zeros(100, np.float32)] * 2, 8000, "test-double")
        assert out.shape == (2, 3) and out.dtype == np.float32 and calls == [(2, 8000, "mean")]
        assert "test-double" in registry.names("feature")
    finally:
        del registry._ENTRIES["feature"]["test-double"]
    with pytest.raises(ParamsError, match="unknown kind 'colour'"):
        registry.register("colour", "red")


@pytest.mark.parametrize("profile", PROFILES)
def test_profiles_name_registered_parts(profile):
    for notebook in profile_notebooks(profile):
        params = load_params(notebook, profile)
        for key, kind in registry.PARAM_KINDS.items():
            values = params.get(key)
            for value in values if isinstance(values, list) else [values] if values is not None else []:
                if value != "":  # an empty name is 'none' (no fallback encoder, no kit rung)
                    registry.check(kind, value, f"{profile}/{notebook}")


def test_a_misspelt_part_fails_when_the_parameters_load(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("feature: soundet\n")
    with pytest.raises(ParamsError, match=r"bad.yaml: key 'feature': unknown feature 'soundet'"):
        load_params("04_ablation", file=bad)
