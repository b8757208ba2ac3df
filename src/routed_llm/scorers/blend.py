"""Several saved routers averaged on one scale: each one's rank among typical traffic.

Routers trained on different evidence know different things: a lexical model distilled
from a fine-tuned encoder knows MMLU subjects and GSM8K well, a token-embedding model
trained on every source knows which *kinds* of prompt need the strong model. Their raw
scores are on different scales, so each is first turned into its rank among reference
traffic (its scores' quantiles there), the ranks are averaged with ``weights``, and the
average is ranked again, so a blended score of ``s`` still means "needs the strong model
more than a share ``s`` of typical traffic".

Members whose scores already share one absolute scale in [0, 1] (``rank_members=False``:
a router's rank and a classifier's confidence) are averaged as they are and the average is
the score, not ranked again: a member that gives a whole kind of prompt the same end value
then leaves the other's order among them intact, even beyond the reference traffic's
range, and ``strong_share`` still comes from the scores' quantiles on the reference.

A saved blend holds its members as complete saved routers under ``assets/members/<i>/``,
each checked (digests, shapes) when loaded, like any artifact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer, RouterScorer
from routed_llm.scorers.token_embedding import weighted_quantiles

__all__ = ["BlendScorer"]

QUANTILE_LEVELS = 101
_MEMBERS_DIR = "members"


class BlendScorer(ArtifactMixin, BaseScorer):
    """The weighted mean of member routers' ranks, ranked again; members must be saveable routers."""

    name: ClassVar[str] = "blend"

    def __init__(self, weights: Sequence[float] = (0.5, 0.5), rank_members: bool = True) -> None:
        self.weights = list(weights)
        self.rank_members = rank_members
        self.members_: list[Any] | None = None
        self.member_levels_: np.ndarray | None = None
        self.blend_levels_: np.ndarray | None = None

    def fit(self, members: Sequence[RouterScorer], reference: Sequence[str],
            sample_weight: Sequence[float] | np.ndarray | None = None) -> BlendScorer:
        """Learn each member's score quantiles (and the blend's) on ``reference``: typical traffic."""
        if len(members) != len(self.weights) or len(members) < 2:
            raise ConfigurationError("weights", f"need one weight per member (at least 2), got {len(self.weights)} "
                                     f"weights for {len(members)} members")
        weights = np.asarray(self.weights, dtype=np.float64)
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or not weights.sum() > 0:
            raise ConfigurationError("weights", f"must be non-negative and not all zero, got {self.weights!r}")
        if not all(isinstance(member, ArtifactMixin) for member in members):
            raise ConfigurationError("members", "every member must be a saveable router (save_pretrained)")
        if len(reference) < 2:
            raise ConfigurationError("reference", "need at least 2 reference prompts")
        row_weights = (np.ones(len(reference)) if sample_weight is None
                       else np.asarray(sample_weight, dtype=np.float64))
        if row_weights.shape != (len(reference),) or np.any(row_weights < 0) or not row_weights.sum() > 0:
            raise ConfigurationError("sample_weight", "need one non-negative weight per reference prompt")
        levels = np.linspace(0.0, 1.0, QUANTILE_LEVELS)
        scores = [np.asarray(member.score(list(reference)), dtype=np.float64) for member in members]
        self.members_ = list(members)
        self.member_levels_ = np.stack([weighted_quantiles(s, row_weights, levels) for s in scores])
        blended = self._mean_rank(scores, self.member_levels_)
        # ranking against the identity levels leaves an average of absolute scores as it is
        self.blend_levels_ = weighted_quantiles(blended, row_weights, levels) if self.rank_members else levels
        self.score_quantiles_ = weighted_quantiles(_rank(blended, self.blend_levels_), row_weights, levels)
        return self

    def _mean_rank(self, scores: Sequence[np.ndarray], member_levels: np.ndarray) -> np.ndarray:
        ranks = ([_rank(member_scores, levels) for member_scores, levels in zip(scores, member_levels, strict=True)]
                 if self.rank_members else [np.clip(member_scores, 0.0, 1.0) for member_scores in scores])
        return np.average(np.stack(ranks), axis=0, weights=np.asarray(self.weights, dtype=np.float64))

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        if self.members_ is None or self.member_levels_ is None or self.blend_levels_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        scores = [np.asarray(member.score(prompts), dtype=np.float64) for member in self.members_]
        return _rank(self._mean_rank(scores, self.member_levels_), self.blend_levels_)

    # -- artifact halves ----------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.member_levels_ is None or self.blend_levels_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"member_levels": self.member_levels_, "blend_levels": self.blend_levels_}

    def _extra_config(self) -> dict[str, Any]:
        if self.members_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"members": [member.name for member in self.members_]}

    def _save_assets(self, directory: Path) -> None:
        for index, member in enumerate(self.members_ or []):
            member.save_pretrained(directory / _MEMBERS_DIR / str(index))

    @classmethod
    def _saved_params(cls, params: dict[str, Any], format_version: int) -> dict[str, Any]:
        """Refuse weights that are not finite numbers >= 0 with a finite total > 0 (what :meth:`fit` accepts)."""
        weights = params.get("weights")
        if not isinstance(weights, list) or len(weights) < 2 or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0 for w in weights
        ) or not 0 < sum(weights) < math.inf:
            raise ArtifactError(f"blend: field 'weights' must list at least 2 finite numbers >= 0 with a finite sum > 0, "
                                f"got {weights!r}")
        return super()._saved_params(params, format_version)

    def _load_assets(self, directory: Path) -> None:
        from routed_llm.scorers.registry import load_scorer

        folder = directory / _MEMBERS_DIR
        saved = list(folder.iterdir()) if folder.is_dir() else []
        if len(saved) != len(self.weights):
            raise ArtifactError(f"blend: field 'weights' has {len(self.weights)} values for {len(saved)} saved members")
        self._loaded_members = [load_scorer(directory / _MEMBERS_DIR / str(index))
                                for index in range(len(self.weights))]

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        members = getattr(self, "_loaded_members", None)
        if members is None:
            raise ArtifactError(f"{self.name}: the artifact holds no member routers")
        names = [member.name for member in members]
        if list(extra.get("members", [])) != names:
            raise ArtifactError(f"{self.name}: field 'members' says {extra.get('members')!r}, found {names!r}")
        member_levels, blend_levels = state["member_levels"], state["blend_levels"]
        if member_levels.ndim != 2 or member_levels.shape[0] != len(members) or member_levels.shape[1] < 2:
            raise ArtifactError(f"{self.name}: tensor 'member_levels' has shape {member_levels.shape}, expected "
                                f"({len(members)}, >=2)")
        for name, levels in (("member_levels", member_levels), ("blend_levels", blend_levels.reshape(1, -1))):
            if np.any(np.diff(levels, axis=1) < 0):
                raise ArtifactError(f"{self.name}: tensor {name!r} must be non-decreasing")
        self.members_, self.member_levels_, self.blend_levels_ = members, member_levels, blend_levels


def _rank(scores: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Where ``scores`` fall among quantile ``levels`` (0..1); tied levels (a score many prompts
    share) are spread by a hair so interpolation stays monotone."""
    spread = np.asarray(levels, dtype=np.float64) + np.arange(len(levels)) * 1e-12
    return np.interp(scores, spread, np.linspace(0.0, 1.0, len(levels)))
