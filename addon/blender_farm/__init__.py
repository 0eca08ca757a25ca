"""BlenderFarm: render the open file's frames on this machine's slots, SSH hosts or cloud instances, with live
progress in Render Properties. This file only wires the modules together."""

bl_info = {
    "name": "BlenderFarm",
    "author": "BlenderFarm contributors",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "Properties > Render > BlenderFarm",
    "description": "Render on Cloud: pack the scene, render it on a farm, watch frames arrive",
    "category": "Render",
}

if "bpy" in locals():
    import importlib

    for _module in (rpc, coordinator, client, packing, farm_queue, properties, preferences, status, queue_status,  # noqa: F821
                    operators, queue_operators, panels):  # noqa: F821
        importlib.reload(_module)

import bpy  # noqa: E402,F401

from . import (client, coordinator, farm_queue, operators, packing, panels, preferences, properties,  # noqa: E402,F401
               queue_operators, queue_status, rpc, status)

_modules = (preferences, properties, operators, queue_operators, panels, status, queue_status)


def register():
    for module in _modules:
        module.register()


def unregister():
    for module in reversed(_modules):
        module.unregister()
