"""BlenderFarm's one dependency scanner: every external file a scene reads at render time, from Blender's own data.

Runs inside Blender and imports only bpy and the standard library, so the same file serves the add-on (imported
in the user's session) and the coordinator (shipped as a script resource and loaded by inspect_scene.py in a
background Blender). Both therefore report the same list.

``scan()`` returns a list of dicts, one per external file or cache folder, in a stable order:

    path        the path as stored in the .blend ("//textures/wood.png", "/abs/sky.exr", "tile.<UDIM>.png")
    absolute    where that path points on this machine (normalised)
    kind        image, movie clip, sequence strip, sound, font, library, cache file, volume, mesh cache,
                multires, ocean cache, point cache, fluid cache, script, ies, or "unknown" (listed as a warning)
    datablock   who uses it, as the user recognises it: "image 'Wood'", "modifier 'Ocean' of object 'Sea'"
    library     the absolute path of the library the datablock lives in, or None for the open file
    exists      True when every file (every UDIM tile, every frame of a sequence) is there
    size        bytes of what is there (0 for a folder: packing walks it only after checking it)
    frames      [first, last] file numbers for a sequence, else None
    folder      True for a cache folder
    files       the absolute files that are there (one for a plain file; every tile or frame; none for a folder)
    missing     the absolute paths of the missing tiles or frames (or of the file itself) when not exists
"""

import os
import re

import bpy

UNKNOWN = "unknown"


def _blend_folder():
    return os.path.dirname(bpy.data.filepath) if bpy.data.filepath else os.getcwd()


_library_paths = {}


def library_path(library):
    """A library's absolute path.

    Blender resolves a nested library's path against the library that links it when it reads the file, then
    rewrites every library's ``filepath`` relative to the open file (readfile's fix_relpaths_library), so the
    path ``bpy`` shows is always relative to the open file, whatever the nesting.
    """
    if library is None:
        return None
    key = library.name_full if hasattr(library, "name_full") else library.name
    if key not in _library_paths:
        _library_paths[key] = resolve(library.filepath, _blend_folder())
    return _library_paths[key]


def resolve(path, base):
    """``//`` paths are relative to ``base`` (the folder of the file holding them); others are taken as they are."""
    if path.startswith("//"):
        path = os.path.join(base, path[2:])
    return os.path.normpath(os.path.abspath(path.replace("\\", "/") if os.sep == "/" else path))


def _absolute(path, block):
    owner = getattr(block, "library", None)
    base = os.path.dirname(library_path(owner)) if owner is not None else _blend_folder()
    return resolve(path, base)


def _label(kind, block):
    return "%s '%s'" % (kind, block.name)


class Scan:
    def __init__(self):
        self.entries = []
        self.holders = []  # (object, attribute) that stores each entry's path, for the remapper; None if derived

    def add(self, kind, block, path, datablock=None, absolute=None, members=None, frames=None, folder=False,
            holder=None, attribute="filepath"):
        """One entry. ``members`` maps member names (tiles, frames) to absolute files for sets; None for one file.
        ``holder.attribute`` stores the path (``block.filepath`` unless given)."""
        if not path:
            return
        self.holders.append((block if holder is None else holder, attribute))
        absolute = absolute or _absolute(path, block)
        owner = getattr(block, "library", None) if block is not None else None
        if folder:
            # A folder's files are listed by packing (job_layout.folder_files) once it has checked the folder:
            # a cache folder of "/" must never be walked.
            present = []
            exists, missing = os.path.isdir(absolute), ([] if os.path.isdir(absolute) else [absolute])
        elif members:
            present = [f for f in members.values() if os.path.isfile(f)]
            missing = [f for f in members.values() if not os.path.isfile(f)]
            exists = not missing
        else:
            exists = os.path.isfile(absolute)
            present, missing = ([absolute], []) if exists else ([], [absolute])
        self.entries.append({
            "path": path,
            "absolute": absolute,
            "kind": kind,
            "datablock": datablock or _label(kind, block),
            "library": library_path(owner),
            "exists": exists,
            "size": sum(_size(f) for f in present),
            "frames": list(frames) if frames else None,
            "folder": folder,
            "files": present,
            "missing": missing,
        })


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def numbered(absolute, numbers):
    """``frame_0001.png`` with numbers 3..5 -> {"frame_0003.png": ".../frame_0003.png", ...} (last digit run)."""
    folder, name = os.path.split(absolute)
    runs = list(re.finditer(r"\d+", name))
    if not runs:
        return {name: absolute}
    run = runs[-1]
    result = {}
    for number in numbers:
        each = name[:run.start()] + str(number).zfill(len(run.group())) + name[run.end():]
        result[each] = os.path.join(folder, each)
    return result


def present_numbers(absolute):
    """The numbers of the files that exist for ``absolute``'s pattern (its last digit run varies)."""
    folder, name = os.path.split(absolute)
    runs = list(re.finditer(r"\d+", name))
    if not runs or not os.path.isdir(folder):
        return []
    run = runs[-1]
    pattern = re.compile("^" + re.escape(name[:run.start()]) + r"(\d+)" + re.escape(name[run.end():]) + "$")
    return sorted(int(m.group(1)) for m in map(pattern.match, os.listdir(folder)) if m)


def _image_users():
    """Image sequence users (texture nodes) with their frame ranges: {image name: [(first, last)]}."""
    ranges = {}
    for node in _all_nodes():
        image = getattr(node, "image", None)
        user = getattr(node, "image_user", None)
        if image is not None and user is not None and image.source == "SEQUENCE":
            first = user.frame_offset + 1
            ranges.setdefault(image.name_full, []).append((first, first + max(user.frame_duration, 1) - 1))
    return ranges


def _node_trees():
    for collection in (bpy.data.materials, bpy.data.worlds, bpy.data.lights, bpy.data.textures, bpy.data.scenes):
        for block in collection:
            tree = getattr(block, "node_tree", None)
            if tree is not None:
                yield block, tree
    for tree in bpy.data.node_groups:
        yield tree, tree


def _all_nodes():
    for _, tree in _node_trees():
        for node in tree.nodes:
            yield node


def _images(scan):
    users = _image_users()
    for image in bpy.data.images:
        if image.packed_file is not None or image.source not in {"FILE", "SEQUENCE", "MOVIE", "TILED"} or not image.filepath:
            continue
        absolute = _absolute(image.filepath, image)
        if image.source == "TILED":
            numbers = [tile.number for tile in image.tiles]
            members = {os.path.basename(absolute).replace("<UDIM>", str(n)): absolute.replace("<UDIM>", str(n)) for n in numbers}
            scan.add("image", image, image.filepath, absolute=absolute, members=members)
        elif image.source == "SEQUENCE":
            ranges = users.get(image.name_full)
            if ranges:
                first, last = min(r[0] for r in ranges), max(r[1] for r in ranges)
                numbers = sorted({n for a, b in ranges for n in range(a, b + 1)})
            else:
                numbers = present_numbers(absolute) or [None]
                first, last = (numbers[0], numbers[-1]) if numbers[0] is not None else (None, None)
            members = numbered(absolute, numbers) if numbers != [None] else None
            scan.add("image", image, image.filepath, absolute=absolute, members=members,
                     frames=(first, last) if first is not None else None)
        else:
            scan.add("image", image, image.filepath, absolute=absolute)


def _sequence(scan, kind, block, path, first=None, duration=None, offset=0):
    absolute = _absolute(path, block)
    if duration:
        numbers = list(range(offset + first, offset + first + duration))
    else:
        # No stored range: the files there, from the first to the last; a hole between them is a missing frame.
        present = present_numbers(absolute)
        numbers = list(range(present[0], present[-1] + 1)) if present else []
    if not numbers:
        scan.add(kind, block, path, absolute=absolute)
        return
    scan.add(kind, block, path, absolute=absolute, members=numbered(absolute, numbers), frames=(numbers[0], numbers[-1]))


def _plain_datablocks(scan):
    for clip in bpy.data.movieclips:
        if clip.source == "SEQUENCE":
            _sequence(scan, "movie clip", clip, clip.filepath)
        else:
            scan.add("movie clip", clip, clip.filepath)
    for sound in bpy.data.sounds:
        if sound.packed_file is None:
            scan.add("sound", sound, sound.filepath)
    for font in bpy.data.fonts:
        if font.packed_file is None and font.filepath != "<builtin>":
            scan.add("font", font, font.filepath)
    for library in bpy.data.libraries:
        if library.packed_file is None:
            scan.add("library", library, library.filepath, absolute=library_path(library))
    for cache in bpy.data.cache_files:
        if cache.is_sequence:
            _sequence(scan, "cache file", cache, cache.filepath)
        else:
            scan.add("cache file", cache, cache.filepath)
        for number, layer in enumerate(getattr(cache, "layers", []), 1):  # override layers (Alembic, 3.0+)
            scan.add("cache file", cache, layer.filepath, datablock="layer %d of cache file '%s'" % (number, cache.name),
                     holder=layer)
    for volume in getattr(bpy.data, "volumes", []):
        if volume.packed_file is not None:
            continue
        if volume.is_sequence:
            _sequence(scan, "volume", volume, volume.filepath, volume.frame_start, volume.frame_duration, volume.frame_offset)
        else:
            scan.add("volume", volume, volume.filepath)


def _point_cache(scan, obj, cache, who):
    if cache is None or not cache.use_disk_cache:
        return
    if cache.use_external and cache.filepath:
        scan.add("point cache", obj, cache.filepath, datablock=who, folder=True, holder=cache)
    else:
        blend = bpy.data.filepath
        owner = library_path(obj.library) if obj.library is not None else blend
        if owner:
            stem = os.path.splitext(os.path.basename(owner))[0]
            scan.add("point cache", obj, "//blendcache_" + stem, datablock=who, folder=True, holder=False)


def _bakes(scan, obj, modifier, who):
    """Geometry-nodes bakes (simulation zones and Bake nodes, 4.x) read from disk: the modifier's folder for those
    that inherit it, and each bake's own folder when it has a custom path. Packed bakes (4.2+) are in the .blend."""
    default_target = getattr(modifier, "bake_target", "DISK")
    inherit, custom = not hasattr(modifier, "bakes"), []
    for bake in getattr(modifier, "bakes", []):
        target = getattr(bake, "bake_target", "INHERIT")
        if (default_target if target == "INHERIT" else target) != "DISK":
            continue
        if bake.use_custom_path:
            custom.append(bake)
        else:
            inherit = True
    if inherit and modifier.bake_directory:
        scan.add("bake", obj, modifier.bake_directory, datablock=who, folder=True, holder=modifier, attribute="bake_directory")
    for bake in custom:
        node = bake.node.name if bake.node is not None else str(bake.bake_id)
        scan.add("bake", obj, bake.directory, datablock="bake '%s' of %s" % (node, who), folder=True, holder=bake,
                 attribute="directory")


def _objects(scan):
    for obj in bpy.data.objects:
        for modifier in obj.modifiers:
            who = "modifier '%s' of object '%s'" % (modifier.name, obj.name)
            if modifier.type == "MESH_CACHE":
                scan.add("mesh cache", obj, modifier.filepath, datablock=who, holder=modifier)
            elif modifier.type == "MULTIRES" and modifier.is_external:
                scan.add("multires", obj, modifier.filepath, datablock=who, holder=modifier)
            elif modifier.type == "OCEAN" and modifier.is_cached:
                scan.add("ocean cache", obj, modifier.filepath, datablock=who, folder=True, holder=modifier)
            elif modifier.type == "FLUID" and modifier.fluid_type == "DOMAIN" and modifier.domain_settings:
                domain = modifier.domain_settings
                if domain.cache_type != "REPLAY" or os.path.isdir(_absolute(domain.cache_directory, obj)):
                    scan.add("fluid cache", obj, domain.cache_directory, datablock=who, folder=True,
                             holder=domain, attribute="cache_directory")
            elif modifier.type == "NODES" and hasattr(modifier, "bake_directory"):
                _bakes(scan, obj, modifier, who)
            cache = getattr(modifier, "point_cache", None)
            if cache is None and getattr(modifier, "settings", None) is not None:
                cache = getattr(modifier.settings, "point_cache", None)
            _point_cache(scan, obj, cache, who)
        for system in obj.particle_systems:
            _point_cache(scan, obj, system.point_cache, "particles '%s' of object '%s'" % (system.name, obj.name))


def _nodes(scan):
    for owner, tree in _node_trees():
        for node in tree.nodes:
            who = "node '%s' in %s '%s'" % (node.name, type(owner).__name__.lower(), owner.name)
            if node.bl_idname == "ShaderNodeScript" and node.mode == "EXTERNAL":
                scan.add("script", owner, node.filepath, datablock=who, holder=node)
            elif node.bl_idname == "ShaderNodeTexIES" and node.mode == "EXTERNAL":
                scan.add("ies", owner, node.filepath, datablock=who, holder=node)


def all_strips(scene):
    """Every strip of a scene's sequencer, meta strips' contents included: 'strips_all' since 4.4 (the only name in 5.x),
    'sequences_all' before."""
    editor = scene.sequence_editor
    if editor is None:
        return []
    return list(getattr(editor, "strips_all", None) or getattr(editor, "sequences_all", None) or [])


def _strips(scan):
    for scene in bpy.data.scenes:
        for strip in sorted(all_strips(scene), key=lambda s: s.name):  # stable: the order differs by session
            who = "strip '%s' in scene '%s'" % (strip.name, scene.name)
            if strip.type == "IMAGE":
                folder = _absolute(strip.directory, scene)
                members = {e.filename: os.path.join(folder, e.filename) for e in strip.elements}
                scan.add("sequence strip", scene, strip.directory, datablock=who, absolute=folder, members=members,
                         holder=strip, attribute="directory")
            elif strip.type == "MOVIE":
                scan.add("sequence strip", scene, strip.filepath, datablock=who, holder=strip)
            # Sound strips read their sound datablock, listed with the sounds.


KNOWN = {"images", "movieclips", "sounds", "fonts", "libraries", "cache_files", "volumes"}
# Blender 5.x's bpy.data.all_ids holds every datablock again: each one is already listed from its own collection.
ALIASES = {"all_ids"}


def _unknown(scan):
    """Datablocks with a file path that this scanner does not know: listed as warnings, never dropped."""
    for name in dir(bpy.data):
        if name in KNOWN or name in ALIASES or name.startswith("_"):
            continue
        collection = getattr(bpy.data, name, None)
        if not isinstance(collection, bpy.types.bpy_prop_collection):
            continue
        for block in collection:
            path = getattr(block, "filepath", None)
            if isinstance(path, str) and path and getattr(block, "packed_file", None) is None:
                scan.add(UNKNOWN, block, path, datablock="%s '%s'" % (name, block.name), holder=False)


def scan():
    """Every external file and cache folder the open file reads (see the module's docstring)."""
    return scan_with_holders()[0]


def scan_with_holders():
    """``scan()``'s entries and, for each, the (object, attribute) storing its path ((False, ...) when derived)."""
    _library_paths.clear()
    result = Scan()
    _images(result)
    _plain_datablocks(result)
    _objects(result)
    _nodes(result)
    _strips(result)
    _unknown(result)
    return result.entries, result.holders
