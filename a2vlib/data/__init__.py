"""Datasets and the readers/writers of audio, images and manifests."""
