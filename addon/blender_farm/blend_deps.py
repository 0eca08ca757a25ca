"""The open file's dependencies for packing.plan(), from the one scanner (scan_deps.py, shared with the coordinator)."""

from . import scan_deps
from .packing import Dependency


def collect(entries=None):
    """One Dependency per file the scene reads (every UDIM tile and sequence frame that is there), plus one per
    missing file (named by its missing tiles or frames) and one per cache folder."""
    found = []
    for entry in scan_deps.scan() if entries is None else entries:
        users = [entry["datablock"]]
        if entry["kind"] == scan_deps.UNKNOWN:
            found.append(Dependency(entry["absolute"], entry["kind"], users, is_folder=entry["folder"],
                                    exists=entry["exists"], warning=True))
            continue
        if entry["folder"]:
            found.append(Dependency(entry["absolute"], entry["kind"], users, is_folder=True, exists=entry["exists"]))
            continue
        for each in entry["files"]:
            found.append(Dependency(each, entry["kind"], users, exists=True))
        for each in entry["missing"]:
            found.append(Dependency(each, entry["kind"], users, exists=False))
    return found
