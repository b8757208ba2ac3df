"""The documented import path of the battle labels, which live in :mod:`routed_llm.data.battles`.

Scorers learn from battles too, so the type sits below them in ``routed_llm.data``; this
module keeps ``from routed_llm.training.labels import golden_battles`` working.
"""

from routed_llm.data.battles import Battles, battle_classes, concat_battles, golden_battles, read_battles, strong_gains

__all__ = ["Battles", "battle_classes", "concat_battles", "golden_battles", "read_battles", "strong_gains"]
