"""BlenderFarm's one job-folder layout rule and its limits. Pure Python (no bpy), shared like scan_deps.py: the
add-on's packing imports it, the coordinator ships this file and inspect_scene.py asks it where each file goes.

Layout: the job folder mirrors the folder of the user's .blend (the project). A file inside the project keeps its
relative place (``textures/wood.png``); a file elsewhere goes under ``_external/`` followed by its absolute path
(``_external/shared/hdri/sky.exr``, a Windows drive letter becoming a folder), so every file has one place and
sequences, UDIM tiles and relative paths between outside files stay intact.

Limits (what packing refuses, each with one sentence): a filesystem root, the home folder (or a folder holding it),
anything inside a hidden folder of the home folder (``~/.ssh``, ``~/.aws``), and a symbolic link inside the project
that leads out of it. A job's total size is capped (``BLENDERFARM_MAX_JOB_GB``, default 50 GB).
"""

import os
import re

EXTERNAL_FOLDER = "_external"
MAX_JOB_BYTES_VARIABLE = "BLENDERFARM_MAX_JOB_GB"
DEFAULT_MAX_JOB_GB = 50.0


def _norm(path):
    return os.path.normcase(os.path.abspath(path))


def is_inside(path, folder):
    path, folder = _norm(path), _norm(folder)
    try:
        return os.path.commonpath([path, folder]) == folder and path != folder
    except ValueError:  # different drives on Windows
        return False


def target_for(path, root):
    """Where a file goes inside the job folder, as a relative path with '/' separators."""
    if is_inside(path, root):
        return os.path.relpath(path, root).replace(os.sep, "/")
    drive, rest = os.path.splitdrive(os.path.abspath(path))
    parts = [re.sub(r"[^A-Za-z0-9._-]", "_", drive)] if drive else []
    parts += [p for p in rest.replace("\\", "/").split("/") if p]
    return "/".join([EXTERNAL_FOLDER] + parts)


def refusal(path, root, is_folder=False, home=None):
    """Why packing must not take ``path`` (one sentence), or None when it may."""
    home = os.path.abspath(os.path.expanduser("~") if home is None else home)
    absolute = os.path.abspath(path)
    if is_folder and os.path.dirname(absolute) == absolute:
        return "%s is a filesystem root; BlenderFarm does not pack a whole disk." % absolute
    if is_folder and (_norm(absolute) == _norm(home) or is_inside(home, absolute)):
        return "%s is (or holds) the home folder; BlenderFarm does not pack it." % absolute
    if is_inside(absolute, home) or _norm(absolute) == _norm(home):
        first = os.path.relpath(absolute, home).replace("\\", "/").split("/")[0]
        if first.startswith("."):
            return "%s is inside the hidden folder ~/%s (keys and settings live there); BlenderFarm does not pack it." % (absolute, first)
    if _link_out(absolute, root):
        return "%s is a symbolic link out of the project (to %s); BlenderFarm does not follow it." % (
            absolute, os.path.realpath(absolute))
    return None


def _link_out(path, root):
    """True when ``path`` is inside ``root`` by name but a link on the way leads out of it."""
    return is_inside(path, root) and not is_inside(os.path.realpath(path), os.path.realpath(root))


def folder_files(folder):
    """The files under a cache folder, links not followed: (files, refusals for links that lead out of it)."""
    files, refused = [], []
    for current, folders, names in os.walk(folder, followlinks=False):
        for name in folders + names:
            path = os.path.join(current, name)
            if os.path.islink(path) and _link_out(path, folder):
                refused.append("%s is a symbolic link out of %s (to %s); BlenderFarm does not follow it." % (
                    path, folder, os.path.realpath(path)))
            elif name in names and os.path.isfile(path):
                files.append(path)
    return sorted(files), refused


def max_job_bytes(environ=None):
    environ = os.environ if environ is None else environ
    text = environ.get(MAX_JOB_BYTES_VARIABLE, "")
    try:
        gigabytes = float(text) if text.strip() else DEFAULT_MAX_JOB_GB
    except ValueError:
        gigabytes = DEFAULT_MAX_JOB_GB
    return int(gigabytes * 1024 ** 3)


def size_refusal(total, limit):
    if total <= limit:
        return None
    return ("The job would copy %s, more than the limit of %s; remove what it need not carry, or raise the limit "
            "with %s (in GB)." % (human_size(total), human_size(limit), MAX_JOB_BYTES_VARIABLE))


def human_size(count):
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return ("%d %s" % (count, unit)) if unit == "bytes" else ("%.1f %s" % (count, unit))
        count /= 1024.0
    return "%d bytes" % count
