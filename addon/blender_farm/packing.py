"""Packing a job, in two phases like Blender Asset Tracer: plan (what to copy where, what is missing), then execute.

Pure Python, no bpy: blend_deps.py collects the dependencies from Blender's data; this module decides.

Layout: the job folder mirrors the folder of the user's .blend. A dependency under that folder keeps its relative
place (``textures/wood.png``), so the relative paths stored in the .blend (and in linked libraries) stay valid for
the copy unchanged. A dependency elsewhere (an absolute path, or ``//../shared``) goes under ``_external/`` and its
path in the copied .blend is rewritten in a separate background Blender (remap_job.py), never in the user's session.
"""

import os
import re
import shutil
import time

EXTERNAL_FOLDER = "_external"


class Dependency:
    """One external file (or cache folder) the scene needs, and the datablocks that use it."""

    def __init__(self, path, kind, users, is_folder=False, exists=None, warning=False):
        self.path = os.path.normpath(path)
        self.warning = warning  # a file of a kind the scanner does not know: shown, not packed
        self.kind = kind
        self.users = list(users)
        self.is_folder = is_folder
        self.exists = (os.path.isdir(self.path) if is_folder else os.path.isfile(self.path)) if exists is None else exists

    def describe(self):
        """``wood.png (image 'Wood', looked for at /proj/textures/wood.png)``: the datablock and the path looked for."""
        return "%s (%s, looked for at %s)" % (os.path.basename(self.path) or self.path, ", ".join(self.users), self.path)

    def __repr__(self):
        return "Dependency(%r, %r, %r)" % (self.path, self.kind, self.users)


class PackPlan:
    """What execute() will do: the job folder, the .blend copy, every copy, every path to rewrite, what is missing."""

    def __init__(self, blend_path, job_folder, copies, remaps, missing):
        self.blend_path = blend_path
        self.job_folder = job_folder
        self.blend_name = os.path.basename(blend_path)
        self.copies = copies          # [(source absolute path, target path relative to the job folder, is_folder)]
        self.remaps = remaps          # {source absolute path: "//target" relative to the job's .blend}
        self.missing = missing        # [Dependency]

    @property
    def job_blend(self):
        return os.path.join(self.job_folder, self.blend_name)

    def missing_report(self, limit=8):
        names = [d.describe() for d in self.missing]
        text = ", ".join(names[:limit])
        return text + (" and %d more" % (len(names) - limit) if len(names) > limit else "")


def merge(dependencies):
    """One Dependency per path, with every user listed once."""
    merged = {}
    for dep in dependencies:
        key = os.path.normcase(dep.path)
        if key in merged:
            for user in dep.users:
                if user not in merged[key].users:
                    merged[key].users.append(user)
        else:
            merged[key] = Dependency(dep.path, dep.kind, dep.users, dep.is_folder, dep.exists, dep.warning)
    return list(merged.values())


def is_inside(path, folder):
    path, folder = os.path.normcase(os.path.abspath(path)), os.path.normcase(os.path.abspath(folder))
    try:
        return os.path.commonpath([path, folder]) == folder and path != folder
    except ValueError:  # different drives on Windows
        return False


def target_for(path, root):
    """Where a dependency goes inside the job folder, as a relative path with '/' separators."""
    if is_inside(path, root):
        return os.path.relpath(path, root).replace(os.sep, "/")
    drive, rest = os.path.splitdrive(os.path.abspath(path))
    parts = [re.sub(r"[^A-Za-z0-9._-]", "_", drive)] if drive else []
    parts += [p for p in rest.replace("\\", "/").split("/") if p]
    return "/".join([EXTERNAL_FOLDER] + parts)


def job_folder_name(blend_path, now=None):
    stem = os.path.splitext(os.path.basename(blend_path))[0]
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem) or "scene"
    return "%s-%s" % (stem, time.strftime("%Y%m%d-%H%M%S", time.localtime(now)))


def plan(blend_path, dependencies, job_folder):
    """Decides every copy and rewrite. Missing dependencies are reported, not copied."""
    root = os.path.dirname(os.path.abspath(blend_path))
    copies, remaps, missing = [], {}, []
    taken = set()
    for dep in merge(dependencies):
        if not dep.exists:
            missing.append(dep)
            continue
        target = target_for(dep.path, root)
        if os.path.normcase(target) in taken:
            continue
        taken.add(os.path.normcase(target))
        copies.append((dep.path, target, dep.is_folder))
        if not is_inside(dep.path, root):
            remaps[dep.path] = "//" + target
    missing.sort(key=lambda d: d.path)
    return PackPlan(os.path.abspath(blend_path), job_folder, copies, remaps, missing)


def needs_remap(plan_):
    return bool(plan_.remaps)


def remapped_path(path, plan_, library_target=None):
    """The path a datablock should hold in the copy: relative to the copied file that stores it.

    ``library_target`` is the copied library's path relative to the job folder when the datablock lives in a
    linked library; paths are then made relative to that library's folder.
    """
    target = plan_.remaps.get(os.path.normpath(path))
    if target is None:
        return None
    if library_target is None:
        return target
    library_folder = os.path.dirname(library_target)
    relative = os.path.relpath(target[2:], library_folder or ".").replace(os.sep, "/")
    return "//" + relative


def execute_copies(plan_, on_progress=None):
    """Copies every dependency into the job folder (the .blend copy itself is written by Blender)."""
    for index, (source, target, is_folder) in enumerate(plan_.copies):
        destination = os.path.join(plan_.job_folder, *target.split("/"))
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        if is_folder:
            shutil.copytree(source, destination, dirs_exist_ok=True)
        elif not os.path.exists(destination):
            shutil.copy2(source, destination)
        if on_progress is not None:
            on_progress(index + 1, len(plan_.copies), source)


def expand_pattern(path, kind):
    """The files of an image sequence or UDIM set: ``tile.<UDIM>.png`` or ``frame_0001.png`` to every match."""
    folder, name = os.path.split(path)
    if kind == "TILED" and "<UDIM>" in name:
        pattern = re.compile("^" + re.escape(name).replace(re.escape("<UDIM>"), r"\d{4}") + "$")
    elif kind == "SEQUENCE" and re.search(r"\d+(?=\D*$)", name):
        match = list(re.finditer(r"\d+", name))[-1]
        pattern = re.compile("^" + re.escape(name[:match.start()]) + r"\d+" + re.escape(name[match.end():]) + "$")
    else:
        return [path]
    try:
        return sorted(os.path.join(folder, f) for f in os.listdir(folder) if pattern.match(f)) or [path]
    except OSError:
        return [path]
