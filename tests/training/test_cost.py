"""The cost estimate before a run: each room's trainings build, take one timed iteration through the one trainer on
samples of their shapes, and scale to the whole run by plain arithmetic."""
import math

import pytest

from a2vlib import registry
from a2vlib.params import load_params
from a2vlib.training.cost import Training, describe, estimate, iterations


def test_iterations_count_the_last_partial_batch():
    assert iterations(100, 32, 3) == 12 and iterations(64, 32, 1) == 2 and iterations(0, 32, 2) == 2


@pytest.mark.parametrize("name", ["02_feature_comparison", "03_s2i_instruments", "04_ablation", "05_volume_study",
                                  "06_i2s_spectrograms", "07_v2ra_optimisation"])
def test_every_training_notebook_states_its_trainings_and_they_run(name):
    """At ci sizes (seconds): the networks build, one iteration of each kind runs, and the hours are the product."""
    assert name in registry.names("cost")
    params = load_params(name, "ci")
    trainings = registry.get("cost", name)(params)
    assert trainings and all(isinstance(t, Training) and t.models >= 1 and t.iterations >= 1 for t in trainings)
    result = estimate(trainings[:1], "cpu")
    row = result["trainings"][0]
    assert math.isfinite(row["s_per_iteration"]) and row["s_per_iteration"] > 0
    assert row["hours"] == pytest.approx(row["s_per_iteration"] * row["iterations"] * row["models"] / 3600)
    assert result["hours"] == pytest.approx(row["hours"]) and "on cpu" in describe(result)


def test_the_ablation_counts_its_rungs_seeds_budget_and_public_code():
    params = {**load_params("04_ablation", "paper")}
    rows = {t.name: t for t in registry.get("cost", "04_ablation")(params)}
    seeds = len(params["seeds"])
    assert rows["ladder rungs, timed as (g)"].models == len(params["rungs"]) * seeds
    assert rows["public-code rungs, timed as its (g)"].models == len(params["public_code_rungs"]) * seeds
    pairs = round(params["n_train"] * (1 - params["discrepant_share"]))
    assert rows["ladder rungs, timed as (g)"].iterations == params["epochs"] * math.ceil(pairs / params["batch_size"])
    assert rows["budget curve (g)"].iterations == params["budget_epochs"] * math.ceil(pairs / params["batch_size"])


def test_no_estimate_for_profiles_that_run_in_minutes():
    from a2vlib.estimates import notebook_estimate

    assert notebook_estimate("04_ablation", "ci") is None and notebook_estimate("00_datasets_tour", "paper") is None
