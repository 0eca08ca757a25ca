"""Packing a job, in two phases like Blender Asset Tracer: plan (what to copy where, what is missing), then execute.

Pure Python, no bpy: blend_deps.py collects the dependencies from Blender's data; this module decides.

Layout and limits come from job_layout.py (shared with the coordinator): files inside the project keep their
relative place, files elsewhere go under ``_external/``; every path in the copied .blend (and in each copied
library) is made relative to the copy by the one remapper, remap_job.py, in a separate background Blender, never in
the user's session. Roots, the home folder, hidden folders of the home folder and symbolic links out of the project
are refused; a job's size is capped.
"""

import os
import re
import shutil
import time

from .job_layout import EXTERNAL_FOLDER, folder_files, human_size, is_inside, max_job_bytes, refusal, size_refusal, target_for  # noqa: F401


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

    def __init__(self, blend_path, job_folder, copies, remaps, missing, refused=(), outside=(), total_bytes=0, limit=None):
        self.blend_path = blend_path
        self.job_folder = job_folder
        self.blend_name = os.path.basename(blend_path)
        self.copies = copies          # [(source absolute path, target path relative to the job folder, is_folder)]
        self.remaps = remaps          # {source absolute path: "//target" relative to the job's .blend}
        self.missing = missing        # [Dependency]
        self.refused = list(refused)  # [one sentence per file or folder packing will not take]
        self.outside = list(outside)  # [(absolute path, bytes)] files from outside the project, shown before copying
        self.total_bytes = total_bytes
        self.limit = max_job_bytes() if limit is None else limit

    @property
    def outside_bytes(self):
        return sum(size for _, size in self.outside)

    def outside_report(self, limit=8):
        """``2 files from outside the project (1.2 MB): /shared/sky.exr (1.0 MB), ...``, or "" when none."""
        if not self.outside:
            return ""
        listed = ", ".join("%s (%s)" % (path, human_size(size)) for path, size in self.outside[:limit])
        more = " and %d more" % (len(self.outside) - limit) if len(self.outside) > limit else ""
        return "%d file(s) from outside the project (%s): %s%s" % (len(self.outside), human_size(self.outside_bytes), listed, more)

    def problem(self):
        """Why this job cannot be packed (one sentence), or None."""
        if self.refused:
            return self.refused[0] + (" (and %d more refusals)" % (len(self.refused) - 1) if len(self.refused) > 1 else "")
        return size_refusal(self.total_bytes, self.limit)

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


def job_folder_name(blend_path, now=None):
    stem = os.path.splitext(os.path.basename(blend_path))[0]
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem) or "scene"
    return "%s-%s" % (stem, time.strftime("%Y%m%d-%H%M%S", time.localtime(now)))


def free_folder(path):
    """``path``, or ``path-2``, ``path-3``... when it is taken: two jobs packed in the same second (two scenes added
    to the queue one after the other) each get their own folder."""
    candidate, number = path, 1
    while os.path.exists(candidate):
        number += 1
        candidate = "%s-%d" % (path, number)
    return candidate


def plan(blend_path, dependencies, job_folder, home=None, limit=None):
    """Decides every copy and rewrite. Missing dependencies are reported, not copied; refused ones are named."""
    root = os.path.dirname(os.path.abspath(blend_path))
    copies, remaps, missing, refused, outside = [], {}, [], [], []
    taken = set()
    for dep in merge(dependencies):
        if dep.warning:
            continue
        if not dep.exists:
            missing.append(dep)
            continue
        reason = refusal(dep.path, root, dep.is_folder, home)
        if reason:
            refused.append(reason)
            continue
        if dep.is_folder:
            files, links_out = folder_files(dep.path)
            refused.extend(links_out)
        else:
            files = [dep.path]
        for each in files:
            target = target_for(each, root)
            if os.path.normcase(target) in taken:
                continue
            taken.add(os.path.normcase(target))
            copies.append((each, target, False))
            if not is_inside(each, root):
                outside.append((each, os.path.getsize(each)))
        if not is_inside(dep.path, root):
            remaps[dep.path] = "//" + target_for(dep.path, root)
    missing.sort(key=lambda d: d.path)
    total = os.path.getsize(blend_path) if os.path.isfile(blend_path) else 0
    total += sum(os.path.getsize(source) for source, _, _ in copies)
    return PackPlan(os.path.abspath(blend_path), job_folder, copies, remaps, missing, refused, sorted(outside), total, limit)


def execute_copies(plan_, on_progress=None):
    """Copies every dependency into the job folder (the .blend copy itself is written by Blender)."""
    if plan_.problem():
        raise RuntimeError(plan_.problem())
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
