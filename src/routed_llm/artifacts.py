"""Saved routers: a directory with ``config.json`` and ``model.safetensors``, never pickle.

Follows huggingface_hub's ``ModelHubMixin`` split: the public ``save_pretrained`` /
``from_pretrained`` / ``push_to_hub`` live here once, and a scorer implements only the
private halves (:meth:`ArtifactMixin._state_dict` and :meth:`ArtifactMixin._load_state`).
Loading is strict: an unknown scorer, a newer format, a missing or extra tensor, a
file that does not parse, weights whose SHA-256 is not the one ``config.json`` records, a
non-finite number anywhere in the weights, params or state, or score quantiles that could
not turn a strong-call share into a threshold is an :class:`~routed_llm.errors.ArtifactError`
(``docs/artifacts-security.md`` lists the guarantees). Format 1 artifacts carry no digest:
they load only with ``allow_unverified=True``, and saving one again upgrades it.

A scorer built on a Hugging Face model also needs that model's own non-weight files (a
tokenizer); it writes them under ``assets/`` (:meth:`ArtifactMixin._save_assets`), and
``config.json`` records each file's SHA-256 so a changed or missing one is refused too.

A router saved with ``training_prompts`` also keeps a record of what it was trained on: the
first 8 bytes of each training prompt's SHA-256, in ``assets/training_prompts.safetensors``
(no prompt text), so ``routed-llm eval`` can count evaluation rows the router has seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from routed_llm.errors import ArtifactError
from routed_llm.secrets import without_secrets

__all__ = [
    "ASSETS_DIR",
    "CONFIG_NAME",
    "FORMAT_VERSION",
    "WEIGHTS_NAME",
    "TRAINING_PROMPTS_NAME",
    "ArtifactMixin",
    "load_artifact",
    "prompt_digests",
    "read_config",
    "read_training_prompts",
]

ASSETS_DIR = "assets"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
TRAINING_PROMPTS_NAME = "training_prompts.safetensors"
"""Under ``assets/``: the sorted digests of the training prompts (tensor ``prompt_digests``)."""
_DIGESTS_TENSOR = "prompt_digests"
FORMAT_VERSION = 3
"""2 added ``sha256``: the digest of ``model.safetensors``, required from this version on.
3: transformers encoders and BERT routers keep a long text's head and tail; one saved earlier
cut from the start only and is loaded so (``_saved_params``)."""
HEAD_AND_TAIL_SINCE = 3
_QUANTILES_KEY = "score_quantiles"
_DIGESTS_KEY = "sha256"
_VERIFIED_SINCE = 2
_MAX_DEPTH = 32  # params and state nest a few levels (an encoder spec); a deeper one is hostile

T = TypeVar("T", bound="ArtifactMixin")


class ArtifactMixin:
    """Adds Hugging Face style persistence to a scorer."""

    name: str
    score_quantiles_: np.ndarray | None

    # -- the private halves a scorer implements -------------------------------------
    @classmethod
    def _saved_params(cls, params: dict[str, Any], format_version: int) -> dict[str, Any]:
        """``params`` from a config as this version reads them: a router saved by an older format
        keeps the behaviour it was trained with, not a new default."""
        return params

    def _state_dict(self) -> dict[str, np.ndarray]:
        """Learned arrays to store in ``model.safetensors``."""
        return {}

    def _extra_config(self) -> dict[str, Any]:
        """JSON-serialisable learned state that is not an array (vocabularies, labels)."""
        return {}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        """Restore learned state saved by :meth:`_state_dict` and :meth:`_extra_config`."""

    def _save_assets(self, directory: Path) -> None:
        """Write non-weight files a wrapped model needs (a tokenizer) into ``directory``."""

    def _load_assets(self, directory: Path) -> None:
        """Read what :meth:`_save_assets` wrote; called before :meth:`_load_state`."""

    # -- the public halves ------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, *, metadata: Mapping[str, Any] | None = None,
                        training_prompts: Sequence[str] | None = None) -> Path:
        """Write the router to ``directory`` (created if needed) and return its path.

        ``training_prompts``, when given, are recorded as digests (see :func:`prompt_digests`),
        so an evaluation can tell which of its rows the router was trained on.
        """
        from safetensors.numpy import save_file

        path = Path(directory)
        state = {key: np.ascontiguousarray(value) for key, value in self._state_dict().items()}
        if self.score_quantiles_ is not None:
            state[_QUANTILES_KEY] = np.asarray(self.score_quantiles_, dtype=np.float64)
        _check_tensors(f"{type(self).__name__}: cannot save", state)  # what would not load is not written
        path.mkdir(parents=True, exist_ok=True)
        self._save_assets(path / ASSETS_DIR)
        if training_prompts is not None:
            (path / ASSETS_DIR).mkdir(exist_ok=True)
            save_file({_DIGESTS_TENSOR: np.unique(prompt_digests(training_prompts))},
                      str(path / ASSETS_DIR / TRAINING_PROMPTS_NAME))
        config = {
            "format_version": FORMAT_VERSION,
            "scorer": self.name,
            # a key in an encoder spec stays in memory; the loaded router reads it from the environment
            "params": without_secrets(self.get_params()),  # type: ignore[attr-defined]
            "state": without_secrets(self._extra_config()),
            "tensors": sorted(state),
            "metadata": dict(metadata or {}),
        }
        assets = _asset_digests(path / ASSETS_DIR)
        if assets:
            config["assets"] = assets
        save_file(state, str(path / WEIGHTS_NAME))
        # written last: a save interrupted in between leaves a digest that does not match, not a mix
        config[_DIGESTS_KEY] = {WEIGHTS_NAME: hashlib.sha256((path / WEIGHTS_NAME).read_bytes()).hexdigest()}
        (path / CONFIG_NAME).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def from_pretrained(
        cls: type[T], path_or_repo_id: str | Path, *, revision: str | None = None, allow_unverified: bool = False
    ) -> T:
        """Load a router from a local directory or, failing that, a Hugging Face Hub repo id.

        ``allow_unverified`` admits a format 1 artifact, saved before weights carried a
        SHA-256: its weights are still checked for shapes and finiteness, but a changed byte
        cannot be detected. Save it again to upgrade it.
        """
        directory = _resolve_directory(path_or_repo_id, revision)
        config = read_config(directory)
        if config["scorer"] != cls.name:
            raise ArtifactError(
                f"{directory / CONFIG_NAME}: holds a {config['scorer']!r} router, not {cls.name!r}"
            )
        return cls._from_config(directory, config, allow_unverified)

    def push_to_hub(self, repo_id: str, *, private: bool = True, token: str | None = None) -> str:
        """Upload the saved router to the Hugging Face Hub; returns the commit URL."""
        import tempfile

        from huggingface_hub import HfApi

        api = HfApi(token=token)
        api.create_repo(repo_id, private=private, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            self.save_pretrained(tmp)
            return str(api.upload_folder(repo_id=repo_id, folder_path=tmp))

    @classmethod
    def _from_config(cls: type[T], directory: Path, config: Mapping[str, Any], allow_unverified: bool = False) -> T:
        try:
            scorer = cls(**cls._saved_params(dict(config["params"]), config["format_version"]))
        except TypeError as exc:
            raise ArtifactError(f"{directory / CONFIG_NAME}: params do not fit {cls.__name__}: {exc}") from exc
        state = _read_tensors(directory, config, allow_unverified)
        quantiles = state.pop(_QUANTILES_KEY, None)
        _check_assets(directory, config.get("assets", {}))
        try:
            if config.get("assets"):
                scorer._load_assets(directory / ASSETS_DIR)
            scorer._load_state(state, config["state"])
        except (KeyError, ValueError, IndexError, TypeError) as exc:  # a hostile state must not escape untyped
            raise ArtifactError(f"{directory}: state does not fit {cls.__name__}: {exc}") from exc
        scorer.score_quantiles_ = quantiles
        return scorer


def read_config(directory: str | Path) -> dict[str, Any]:
    """Parse and check ``config.json``; every problem names the file and the field."""
    config_path = Path(directory) / CONFIG_NAME
    try:
        config = json.loads(config_path.read_text(), parse_int=_bounded_int)
    except FileNotFoundError as exc:
        raise ArtifactError(f"{config_path}: not found; a saved router needs {CONFIG_NAME}") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        raise ArtifactError(f"{config_path}: not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ArtifactError(f"{config_path}: nested too deeply to be a router's config") from exc
    if not isinstance(config, dict):
        raise ArtifactError(f"{config_path}: expected a JSON object")
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:  # True is an int to Python
        raise ArtifactError(f"{config_path}: format_version must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise ArtifactError(
            f"{config_path}: format_version {version} is newer than this routed-llm supports "
            f"({FORMAT_VERSION}); upgrade routed-llm"
        )
    for field, kind in (("scorer", str), ("params", dict), ("state", dict), ("tensors", list)):
        if not isinstance(config.get(field), kind):
            raise ArtifactError(f"{config_path}: field {field!r} is missing or not a {kind.__name__}")
    if not all(isinstance(name, str) for name in config["tensors"]):
        raise ArtifactError(f"{config_path}: field 'tensors' must list tensor names")
    _check_json_values(config_path, {"params": config["params"], "state": config["state"]})
    return config


def prompt_digests(prompts: Sequence[str]) -> np.ndarray:
    """The first 8 bytes of the SHA-256 of each prompt's stripped UTF-8 text, as uint64: enough to
    count overlaps between a few million prompts without a false match, and no text to leak."""
    return np.fromiter((int.from_bytes(hashlib.sha256(prompt.strip().encode("utf-8")).digest()[:8], "big")
                        for prompt in prompts), dtype=np.uint64, count=len(prompts))


def read_training_prompts(directory: str | Path) -> np.ndarray | None:
    """The training-prompt digests a saved router records, checked against ``config.json``;
    None when it records none (saved without ``training_prompts``, or before the record existed)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = Path(directory)
    expected = read_config(path).get("assets", {})
    if not isinstance(expected, dict) or TRAINING_PROMPTS_NAME not in expected:
        return None
    record = path / ASSETS_DIR / TRAINING_PROMPTS_NAME
    if not record.is_file():
        raise ArtifactError(f"{record}: not found, but {CONFIG_NAME} lists it")
    data = record.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected[TRAINING_PROMPTS_NAME]:
        raise ArtifactError(f"{record}: content does not match its SHA-256 in {CONFIG_NAME}")
    try:
        digests = load(data).get(_DIGESTS_TENSOR)
    except (SafetensorError, ValueError) as exc:
        raise ArtifactError(f"{record}: corrupt or truncated safetensors file: {exc}") from exc
    if digests is None or digests.dtype != np.uint64 or digests.ndim != 1:
        raise ArtifactError(f"{record}: expected a uint64 vector {_DIGESTS_TENSOR!r}")
    return digests


def load_artifact(
    path_or_repo_id: str | Path,
    scorer_classes: Mapping[str, Callable[[], Any]],
    *,
    revision: str | None = None,
    allow_unverified: bool = False,
) -> Any:
    """Load a saved router whose class ``scorer_classes[name]()`` gives, ``name`` read from its config.

    ``allow_unverified`` admits a format 1 artifact (no SHA-256), as in ``from_pretrained``.

    Which scorers exist is the scorer registry's knowledge
    (:func:`routed_llm.scorers.load_scorer` passes it in), so this layer never imports a scorer.
    """
    directory = _resolve_directory(path_or_repo_id, revision)
    config = read_config(directory)
    factory = scorer_classes.get(config["scorer"])
    if factory is None:
        raise ArtifactError(
            f"{directory / CONFIG_NAME}: unknown scorer {config['scorer']!r}; "
            f"known: {', '.join(sorted(scorer_classes))}"
        )
    cls = factory()
    if not (isinstance(cls, type) and issubclass(cls, ArtifactMixin)):
        raise ArtifactError(f"{directory / CONFIG_NAME}: scorer {config['scorer']!r} cannot be loaded from disk")
    return cls._from_config(directory, config, allow_unverified)


def _resolve_directory(path_or_repo_id: str | Path, revision: str | None) -> Path:
    path = Path(path_or_repo_id).expanduser()
    if path.is_dir():
        return path
    if path.exists() or isinstance(path_or_repo_id, Path) or str(path_or_repo_id).count("/") != 1:
        raise ArtifactError(f"{path}: not a saved router directory (and not a Hub repo id 'owner/name')")
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ArtifactError(
            f"{path_or_repo_id}: no such directory; loading from the Hub needs huggingface_hub"
        ) from exc
    try:
        return Path(snapshot_download(str(path_or_repo_id), revision=revision, allow_patterns=[CONFIG_NAME, WEIGHTS_NAME, f"{ASSETS_DIR}/*"]))
    except Exception as exc:  # hub errors are many and version-dependent
        raise ArtifactError(f"{path_or_repo_id}: could not download from the Hub: {exc}") from exc


def _read_tensors(directory: Path, config: Mapping[str, Any], allow_unverified: bool) -> dict[str, np.ndarray]:
    """The checked tensors; the bytes are read once, so the ones hashed are the ones parsed."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    weights = directory / WEIGHTS_NAME
    digest = _expected_digest(directory / CONFIG_NAME, config, allow_unverified)
    if not weights.is_file():
        raise ArtifactError(f"{weights}: not found")
    data = weights.read_bytes()
    try:  # parsing safetensors runs no code, and a file that does not parse is named as such
        state = load(data)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ArtifactError(f"{weights}: corrupt or truncated safetensors file: {exc}") from exc
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise ArtifactError(f"{weights}: content does not match its SHA-256 in {CONFIG_NAME} (tampered or corrupted)")
    expected = config["tensors"]
    if sorted(state) != sorted(expected):
        raise ArtifactError(
            f"{weights}: tensors {sorted(state)} do not match config.json's {sorted(expected)}"
        )
    _check_tensors(str(weights), state)
    return state


def _expected_digest(config_path: Path, config: Mapping[str, Any], allow_unverified: bool) -> str | None:
    if config["format_version"] < _VERIFIED_SINCE:
        if allow_unverified:
            return None
        raise ArtifactError(
            f"{config_path}: format_version {config['format_version']} records no SHA-256 of {WEIGHTS_NAME}, "
            "so a changed byte could not be detected; if you trust these files, load them with "
            "allow_unverified=True and save the router again (see docs/artifacts-security.md)"
        )
    digests = config.get(_DIGESTS_KEY)
    digest = digests.get(WEIGHTS_NAME) if isinstance(digests, dict) else None
    if (not isinstance(digests, dict) or set(digests) != {WEIGHTS_NAME} or not isinstance(digest, str)
            or len(digest) != 64 or digest.strip("0123456789abcdef")):
        raise ArtifactError(f"{config_path}: field {_DIGESTS_KEY!r} must map {WEIGHTS_NAME!r} to its "
                            "SHA-256 (64 lowercase hex digits)")
    return digest


def _check_tensors(where: str, state: Mapping[str, np.ndarray]) -> None:
    """Numbers a router could act on: finite everywhere, and quantiles that can set a threshold."""
    for name, tensor in state.items():
        if tensor.dtype.kind not in "biuf":
            raise ArtifactError(f"{where}: tensor {name!r} has dtype {tensor.dtype}, not a number type")
        if tensor.dtype.kind == "f" and not np.all(np.isfinite(tensor)):
            raise ArtifactError(f"{where}: tensor {name!r} holds NaN or infinite values")
    quantiles = state.get(_QUANTILES_KEY)
    if quantiles is None:
        return
    if quantiles.ndim != 1 or len(quantiles) < 2:
        raise ArtifactError(f"{where}: tensor {_QUANTILES_KEY!r} must be a vector of at least 2 values, "
                            f"got shape {quantiles.shape}")
    if quantiles.min() < 0.0 or quantiles.max() > 1.0 or np.any(np.diff(quantiles) < 0):
        raise ArtifactError(f"{where}: tensor {_QUANTILES_KEY!r} must be non-decreasing scores in [0, 1]")
    if quantiles[0] == quantiles[-1]:
        raise ArtifactError(f"{where}: tensor {_QUANTILES_KEY!r} are all {quantiles[0]}, which would send "
                            "every prompt the same way whatever strong_share is asked for (calibrate on more "
                            "varied prompts, or set score_quantiles_ = None to save without them)")


_MAX_INT_DIGITS = 19
"""Integers in a config are counts and sizes; one longer than this (past int64) is hostile."""


class _OversizedInt:
    """An integer literal too long to be any field's value, kept unconverted (converting a
    5,000-digit literal is a ValueError of its own) so that the check reading it names its field."""

    def __init__(self, literal: str) -> None:
        self.digits = len(literal.lstrip("-"))

    def __repr__(self) -> str:
        return f"<an integer of {self.digits} digits>"


def _bounded_int(literal: str) -> int | _OversizedInt:
    return int(literal) if len(literal.lstrip("-")) <= _MAX_INT_DIGITS else _OversizedInt(literal)


def _check_json_values(config_path: Path, fields: Mapping[str, Any]) -> None:
    """No NaN or infinity (Python's json reads them) and no absurd nesting in what builds the scorer."""
    pending: list[tuple[str, Any, int]] = [(name, value, 1) for name, value in fields.items()]
    while pending:
        where, value, depth = pending.pop()
        if depth > _MAX_DEPTH:
            raise ArtifactError(f"{config_path}: field {where!r} is nested more than {_MAX_DEPTH} levels deep")
        if isinstance(value, float) and not np.isfinite(value):
            raise ArtifactError(f"{config_path}: field {where!r} is {value}, not a finite number")
        if isinstance(value, _OversizedInt):
            raise ArtifactError(f"{config_path}: field {where!r} is {value!r}, larger than any count a router holds")
        if isinstance(value, dict):
            pending.extend((f"{where}.{key}", item, depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]", item, depth + 1) for index, item in enumerate(value))


def _asset_digests(assets: Path) -> dict[str, str]:
    if not assets.is_dir():
        return {}
    return {
        file.relative_to(assets).as_posix(): hashlib.sha256(file.read_bytes()).hexdigest()
        for file in sorted(assets.rglob("*"))
        if file.is_file()
    }


def _check_assets(directory: Path, expected: Any) -> None:
    config_path = directory / CONFIG_NAME
    if not isinstance(expected, dict):
        raise ArtifactError(f"{config_path}: field 'assets' is not an object of file digests")
    found = _asset_digests(directory / ASSETS_DIR)
    for name, digest in expected.items():
        if name not in found:
            raise ArtifactError(f"{directory / ASSETS_DIR / name}: not found, but {CONFIG_NAME} lists it")
        if found[name] != digest:
            raise ArtifactError(f"{directory / ASSETS_DIR / name}: content does not match its SHA-256 in {CONFIG_NAME}")
