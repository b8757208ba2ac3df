"""N-model quality predictors: each predicts every candidate model's quality for a prompt.

======================  =========================================================
name                    what it is
======================  =========================================================
``knn_quality``         similarity-weighted quality of the nearest training prompts
``mlp_quality``         an MLP from the prompt's embedding to every model's quality
``mf_quality``          Bradley-Terry matrix factorisation on all model pairs, calibrated
``difficulty_quality``  one difficulty per prompt, a logistic curve per model
``ensemble_quality``    logistic (embedding, TF-IDF) + MLP shrunk to the task prior, mixed with difficulty
``intent``              route probabilities from a few labelled examples per route
======================  =========================================================

A policy (:class:`routed_llm.routing.CostQualityPolicy`) picks ``argmax quality - λ · cost``.
"""

from routed_llm.scorers.multi.base import QualityPrediction, QualityPredictor
from routed_llm.scorers.multi.difficulty import DifficultyQualityPredictor
from routed_llm.scorers.multi.ensemble import EnsembleQualityPredictor
from routed_llm.scorers.multi.intent import IntentRouter
from routed_llm.scorers.multi.knn import KNNQualityPredictor
from routed_llm.scorers.multi.mf import MFQualityPredictor
from routed_llm.scorers.multi.mlp import MLPQualityPredictor

__all__ = [
    "DifficultyQualityPredictor",
    "EnsembleQualityPredictor",
    "IntentRouter",
    "KNNQualityPredictor",
    "MFQualityPredictor",
    "MLPQualityPredictor",
    "QualityPrediction",
    "QualityPredictor",
]
