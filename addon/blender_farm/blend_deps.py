"""Finds every external file a scene needs, using Blender's own data (bpy.data), for packing.plan()."""

import os

import bpy

from .packing import Dependency, expand_pattern


def _abspath(path, library=None):
    return os.path.normpath(bpy.path.abspath(path, library=library))


def _user(kind, datablock):
    where = " in %s" % os.path.basename(datablock.library.filepath) if getattr(datablock, "library", None) else ""
    return "%s '%s'%s" % (kind, datablock.name, where)


def collect():
    """Every dependency of the open file: images, movie clips, sounds, fonts, libraries (recursively), caches, volumes."""
    found = []

    for image in bpy.data.images:
        if image.packed_file or image.source in {"GENERATED", "VIEWER"} or not image.filepath:
            continue
        path = _abspath(image.filepath, image.library)
        for each in expand_pattern(path, image.source):
            found.append(Dependency(each, "image", [_user("image", image)]))

    for clip in bpy.data.movieclips:
        if clip.filepath:
            path = _abspath(clip.filepath, clip.library)
            for each in expand_pattern(path, "SEQUENCE" if clip.source == "SEQUENCE" else "MOVIE"):
                found.append(Dependency(each, "movie clip", [_user("movie clip", clip)]))

    for sound in bpy.data.sounds:
        if sound.packed_file is None and sound.filepath:
            found.append(Dependency(_abspath(sound.filepath, sound.library), "sound", [_user("sound", sound)]))

    for font in bpy.data.fonts:
        if font.packed_file is None and font.filepath and font.filepath != "<builtin>":
            found.append(Dependency(_abspath(font.filepath, font.library), "font", [_user("font", font)]))

    for library in bpy.data.libraries:
        if library.packed_file is None:
            parent = getattr(library, "parent", None)
            found.append(Dependency(_abspath(library.filepath, parent), "library", [_user("library", library)]))

    for cache in bpy.data.cache_files:
        if cache.filepath:
            found.append(Dependency(_abspath(cache.filepath, cache.library), "cache", [_user("cache file", cache)]))

    for volume in bpy.data.volumes:
        if volume.packed_file is None and volume.filepath:
            path = _abspath(volume.filepath, volume.library)
            for each in expand_pattern(path, "SEQUENCE" if volume.is_sequence else "FILE"):
                found.append(Dependency(each, "volume", [_user("volume", volume)]))

    found.extend(_simulation_caches())
    return found


def _simulation_caches():
    """Disk caches of point caches (particles, cloth, soft body...) and fluid domains."""
    found = []
    blend = bpy.data.filepath
    default_folder = None
    if blend:
        default_folder = os.path.join(os.path.dirname(blend), "blendcache_" + os.path.splitext(os.path.basename(blend))[0])
    for obj in bpy.data.objects:
        if obj.library is not None:
            continue
        for modifier in obj.modifiers:
            user = "modifier '%s' of object '%s'" % (modifier.name, obj.name)
            if modifier.type == "FLUID" and modifier.fluid_type == "DOMAIN" and modifier.domain_settings:
                folder = _abspath(modifier.domain_settings.cache_directory)
                if os.path.isdir(folder):
                    found.append(Dependency(folder, "fluid cache", [user], is_folder=True))
            cache = getattr(modifier, "point_cache", None)
            if cache is None and getattr(modifier, "settings", None) is not None:
                cache = getattr(modifier.settings, "point_cache", None)
            if cache is not None and cache.use_disk_cache:
                folder = _abspath(cache.filepath) if cache.use_external and cache.filepath else default_folder
                if folder and os.path.isdir(folder):
                    found.append(Dependency(folder, "point cache", [user], is_folder=True))
        for system in obj.particle_systems:
            cache = system.point_cache
            if cache.use_disk_cache:
                folder = _abspath(cache.filepath) if cache.use_external and cache.filepath else default_folder
                if folder and os.path.isdir(folder):
                    found.append(Dependency(folder, "point cache", ["particles '%s' of object '%s'" % (system.name, obj.name)], is_folder=True))
    return found
