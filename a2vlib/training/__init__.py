"""The one GAN trainer (:mod:`a2vlib.training.trainer`) and the one loss module (:mod:`a2vlib.training.losses`)."""
