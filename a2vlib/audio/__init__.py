"""Audio processing shared by the studies: Liu et al.'s optimisation schemes (de-noising, peak-match)."""
