"""Audio metrics: PEAQ (ODG) basic version, ITU-R BS.1387-1, in ``metrics.audio.peaq`` (import it from there)."""
