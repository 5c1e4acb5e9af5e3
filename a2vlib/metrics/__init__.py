"""Metrics by modality: ``metrics.image`` (classifier/Inception score, FID/KID, accuracy, diversity) and, with V2RA,
``metrics.audio``."""
