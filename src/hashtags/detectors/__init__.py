"""The built-in detectors, registered explicitly in the order they run."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from hashtags.review.detector import Detector, DetectorFactory, Registry

# detector id -> "module:factory". Ids are persisted with reviews: never rename one.
BUILTIN: dict[str, str] = {
    "packs": "hashtags.detectors.packs:build",
    "pii": "hashtags.detectors.pii:build",
    "secrets": "hashtags.detectors.secrets:build",
    "links": "hashtags.detectors.links:build",
    "personal": "hashtags.detectors.personal:build",
    "attribution": "hashtags.detectors.attribution:build",
    "classifiers": "hashtags.detectors.classifiers:build",
}


def _lazy(target: str) -> DetectorFactory:
    module_name, _, attr = target.partition(":")

    def factory(policy: object) -> Detector:
        builder = getattr(import_module(module_name), attr)
        return builder(policy)  # type: ignore[no-any-return]

    return factory


@cache
def default_registry() -> Registry:
    registry = Registry()
    for detector_id, target in BUILTIN.items():
        registry.register(detector_id, _lazy(target))
    return registry
