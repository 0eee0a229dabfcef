"""What a check's child may read of Python's own files, worked out from what is installed.

Landlock can only allow, so the allow-list is built entry by entry from `sys.path`: in the
standard library and the site folders, the modules, packages and extension libraries found
there; in any other folder on the path (a repository that an editable install or PYTHONPATH
put there), only what the worker has actually imported from it. A folder that is not code (a
bank's data, `solutions/`, `tests/`, `.git`, a virtual environment inside a clone) is never
allowed as a whole, whatever the layout.
"""

from __future__ import annotations

import importlib.machinery
import os
import site
import sys
import sysconfig

_SUFFIXES = tuple(importlib.machinery.all_suffixes())
# Beside a package, what importing it may read: compiled modules and the shared libraries
# that wheels carry beside their package. (Installed metadata is left out: importing needs
# none, and each entry is one more rule for every check to add.)
_FOLDER_SUFFIXES = (".libs",)


def site_folders() -> set[str]:
    """The standard library and the folders that installers fill: everything in them that
    looks like code may be imported by an answer."""
    scheme = sysconfig.get_paths()
    found = [scheme.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    found += site.getsitepackages()
    if site.ENABLE_USER_SITE:
        found.append(site.getusersitepackages())
    return {os.path.realpath(p) for p in found if p}


def imported_tops(modules=None) -> set[str]:
    """The files and folders that this process's top-level modules were imported from."""
    tops: set[str] = set()
    for name, module in list((modules if modules is not None else sys.modules).items()):
        if "." in name or module is None:
            continue
        origin = getattr(module, "__file__", None)
        places = list(getattr(module, "__path__", None) or [])
        if origin and not places:
            places = [origin]
        tops.update(os.path.realpath(p) for p in places if isinstance(p, str))
    return tops


def python_paths(path=None, sites=None, imported=None) -> list[str]:
    """Every file and folder, one level below each entry of `path`, that Python needs."""
    entries = [os.path.realpath(p) for p in (sys.path if path is None else path) if p]
    entries = [p for p in dict.fromkeys(entries) if os.path.isdir(p)]
    sites = site_folders() if sites is None else sites
    imported = imported_tops() if imported is None else imported
    allowed: list[str] = []
    for entry in entries:
        in_site = any(_holds(folder, entry) for folder in sites)  # lib-dynload, say
        try:
            names = sorted(os.listdir(entry))
        except OSError:
            continue
        found = []
        for name in names:
            candidate = os.path.join(entry, name)
            if any(_holds(candidate, other) for other in entries):
                continue  # another path entry: it is enumerated in its own turn
            if candidate in imported or (in_site and _is_code(candidate, name)):
                found.append(candidate)
        # A folder of nothing but code (lib-dynload, say) is one rule rather than hundreds.
        whole = (
            in_site
            and len(found) == len(names)
            and not any(_holds(entry, other) for other in entries if other != entry)
        )
        allowed += [entry] if whole else found
    return allowed


def _holds(folder: str, path: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def _is_code(path: str, name: str) -> bool:
    """A module, a regular package, compiled files, or a wheel's libraries."""
    if name == "__pycache__" or name.endswith(_FOLDER_SUFFIXES):
        return os.path.isdir(path)
    if os.path.isdir(path):
        return name.isidentifier() and any(
            os.path.isfile(os.path.join(path, "__init__" + suffix)) for suffix in _SUFFIXES
        )
    return name.endswith(_SUFFIXES) and os.path.isfile(path)
