"""Page modules, one per area of the app. Each defines ``router`` and ``NAV``.

``discover()`` imports every module of this package in name order: adding an area (the inbox,
listening, the security centre) is adding a module here, its templates and its catalogue.
"""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module
from types import ModuleType


@cache
def discover() -> tuple[ModuleType, ...]:
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = import_module(f"{__name__}.{info.name}")
        if not hasattr(module, "router"):
            raise RuntimeError(f"page module {module.__name__} defines no router")
        modules.append(module)
    return tuple(modules)
