"""Imports the add-on's pure modules (rpc, coordinator, packing, client) without bpy.

The package's __init__.py wires Blender classes, so the tests register a bare package pointing at addon/blender_farm
and import the submodules from it.
"""

import importlib
import importlib.machinery
import importlib.util
import os
import sys

ADDON = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "addon", "blender_farm")

if "blender_farm" not in sys.modules:
    _spec = importlib.machinery.ModuleSpec("blender_farm", None, is_package=True)
    _package = importlib.util.module_from_spec(_spec)
    _package.__path__ = [ADDON]
    sys.modules["blender_farm"] = _package

rpc = importlib.import_module("blender_farm.rpc")
coordinator = importlib.import_module("blender_farm.coordinator")
packing = importlib.import_module("blender_farm.packing")
client = importlib.import_module("blender_farm.client")
texts = importlib.import_module("blender_farm.texts")
estimate = importlib.import_module("blender_farm.estimate")
workers = importlib.import_module("blender_farm.workers")
farm_queue = importlib.import_module("blender_farm.farm_queue")
