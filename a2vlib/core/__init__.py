"""Shared machinery that every room of the kit stands on: errors, paths, device, cache, atomic writes, provenance.

Nothing in ``a2vlib.core`` imports another part of ``a2vlib``: it is the bottom layer.
"""
