"""Metrics for generated images: Inception Score / classifier score, FID / KID, within-class diversity, and
classification accuracy by independent judges (scene judge and background-blind object judge)."""
from a2vlib.metrics.image.accuracy import (classification_accuracy, object_mask, row_background, shuffle_backgrounds,
                                     train_judges)
from a2vlib.metrics.image.diversity import diversity_ratio, mean_pairwise_distance, within_class_spread, z_diversity_ratio
from a2vlib.metrics.image.distances import (InceptionFeatures, classifier_features, feature_statistics, fid, fid_from_features,
                                fid_inception_path, frechet_distance, kernel_inception_distance, kid, mmd2_unbiased)
from a2vlib.metrics.image.scores import (classifier_score, generation_score, inception_score, inception_weights_path,
                                   score_with_best_backbone)

__all__ = ["InceptionFeatures", "classification_accuracy", "classifier_features", "classifier_score",
           "diversity_ratio", "feature_statistics", "fid", "fid_from_features", "fid_inception_path",
           "frechet_distance", "generation_score", "inception_score", "inception_weights_path",
           "kernel_inception_distance", "kid", "mean_pairwise_distance", "mmd2_unbiased", "object_mask",
           "row_background", "score_with_best_backbone", "shuffle_backgrounds", "train_judges",
           "within_class_spread", "z_diversity_ratio"]
