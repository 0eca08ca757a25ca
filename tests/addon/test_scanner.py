"""The one dependency scanner (addon/blender_farm/scan_deps.py), run by real Blender on a generated corpus: the
add-on (in-process) and the coordinator (inspect_scene.py in background Blender) list the same files, and each
kind is found, resolved and reported missing by datablock and path."""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADDON = os.path.join(REPO, "addon", "blender_farm")
SCRIPTS = os.path.join(REPO, "tests", "addon", "blender")
INSPECT = os.path.join(REPO, "coordinator", "BlenderFarm.Blender", "Scripts", "inspect_scene.py")
BLENDER = os.environ.get("BLENDERFARM_BLENDER") or shutil.which("blender")


def _release(path):
    found = re.search(r"blender-(\d+)\.(\d+)$", path)
    return (int(found.group(1)), int(found.group(2))) if found else None


def blender_at_least(major, minor):
    """The oldest Blender wrapper of the version matrix (BLENDERFARM_TEST_BLENDERS, else /usr/local/bin/blender-X.Y
    from tools/blender-chroot.sh) that is MAJOR.MINOR or newer, or None."""
    listed = os.environ.get("BLENDERFARM_TEST_BLENDERS")
    paths = listed.split(os.pathsep) if listed else glob.glob("/usr/local/bin/blender-*.*")
    fitting = sorted((_release(p), p) for p in paths if _release(p) and _release(p) >= (major, minor))
    return fitting[0][1] if fitting else None


NEWER_BLENDER = blender_at_least(4, 1)  # geometry-nodes Bake nodes and bakes with custom paths
NO_NEWER_BLENDER = "needs a Blender 4.1 or newer (tools/blender-chroot.sh makes blender-4.3 and blender-5.2)"
NO_ALEMBIC_OR_USD = ("no Blender here reads Alembic or USD (bpy.app.alembic.supported and bpy.app.usd.supported are "
                     "False in Debian's 3.4.1 and the 4.3.2 and 5.2.2 chroots): the corpus holds placeholder files")


def blender(*args, executable=None):
    result = subprocess.run([executable or BLENDER, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=300)
    if result.returncode != 0:
        raise AssertionError(result.stdout.decode("utf-8", "replace")[-2000:])
    return result.stdout.decode("utf-8", "replace")


def scan_corpus(cls, maker, scenes, executable=None):
    """Makes the corpus with ``maker`` in a new folder and scans each scene as the add-on and as the coordinator."""
    cls.root = tempfile.mkdtemp(prefix="blenderfarm-corpus-")
    blender("-b", "--factory-startup", "--python-exit-code", "1", "--python", os.path.join(SCRIPTS, maker), "--",
            cls.root, executable=executable)
    cls.addon, cls.coordinator = {}, {}
    for name in scenes:
        blend = os.path.join(cls.root, "shots", name + ".blend")
        addon_out, coordinator_out = (os.path.join(cls.root, name + suffix) for suffix in (".addon.json", ".coord.json"))
        blender("-b", blend, "--factory-startup", "--python-exit-code", "1", "--python",
                os.path.join(SCRIPTS, "addon_scan.py"), "--", ADDON, addon_out, executable=executable)
        blender("-b", blend, "--factory-startup", "--python-exit-code", "1", "--python", INSPECT,
                "--", coordinator_out, "--scanner", os.path.join(ADDON, "scan_deps.py"),
                "--layout", os.path.join(ADDON, "job_layout.py"), executable=executable)
        with open(addon_out, encoding="utf-8") as a, open(coordinator_out, encoding="utf-8") as c:
            cls.addon[name], cls.coordinator[name] = json.load(a), json.load(c)


def missing_with_files_away(root, scene, files, executable=None):
    """The add-on's missing-file lines for ``scene`` with ``files`` (absolute) moved away for the scan."""
    for each in files:
        os.rename(each, each + "-away")
    out = os.path.join(root, scene + ".away.json")
    try:
        blender("-b", os.path.join(root, "shots", scene + ".blend"), "--factory-startup", "--python-exit-code", "1",
                "--python", os.path.join(SCRIPTS, "addon_scan.py"), "--", ADDON, out, executable=executable)
    finally:
        for each in files:
            os.rename(each + "-away", each)
    with open(out, encoding="utf-8") as handle:
        return json.load(handle)["missing"]


@unittest.skipUnless(BLENDER, "Blender is not installed")
class ScannerCorpusTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        scan_corpus(cls, "make_dep_corpus.py", ("shot", "gaps", "edit", "fx", "lights", "caches"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def entry(self, scene, datablock):
        found = [e for e in self.addon[scene]["scan"] if e["datablock"] == datablock]
        self.assertEqual(len(found), 1, "%s in %s" % (datablock, [e["datablock"] for e in self.addon[scene]["scan"]]))
        return found[0]

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def test_the_add_on_and_the_coordinator_list_the_same_dependencies_for_every_corpus_scene(self):
        for name in self.addon:
            with self.subTest(scene=name):
                self.assertTrue(self.addon[name]["scan"])
                self.assertEqual(self.addon[name]["scan"], self.coordinator[name]["scan"])

    def test_nested_libraries_resolve_relative_to_the_library_that_holds_them(self):
        props = self.entry("shot", "library 'props.blend'")
        self.assertEqual(props["absolute"], self.path("assets", "props", "props.blend"))
        self.assertTrue(props["exists"])
        wood = self.entry("shot", "image 'Wood'")
        self.assertEqual(wood["absolute"], self.path("assets", "props", "tex", "wood.png"))
        self.assertEqual(wood["library"], self.path("assets", "props", "props.blend"))
        self.assertTrue(wood["exists"])

    def test_udim_tiles_and_sequence_frames_are_listed_file_by_file(self):
        paint = self.entry("shot", "image 'Paint'")
        self.assertEqual(paint["files"], [self.path("shots", "tex", "paint.%d.png" % n) for n in (1001, 1002)])
        flip = self.entry("shot", "image 'Flip'")
        self.assertEqual(flip["frames"], [2, 4])  # offset 1, duration 3
        self.assertEqual(flip["files"], [self.path("shots", "seq", "flip_%04d.png" % n) for n in (2, 3, 4)])
        self.assertTrue(paint["exists"] and flip["exists"])

    def test_each_kind_in_the_shot_is_found(self):
        kinds = {e["kind"] for e in self.addon["shot"]["scan"]}
        self.assertLessEqual({"image", "library", "sound", "mesh cache", "multires", "script", "ies"}, kinds)
        self.assertTrue(self.entry("shot", "node 'IES Texture' in pointlight 'Spot'")["exists"])
        self.assertTrue(self.entry("shot", "node 'Script' in material 'Scripted'")["exists"])
        self.assertTrue(self.entry("shot", "modifier 'Multires' of object 'Plane'")["exists"])

    def test_missing_tiles_frames_and_files_are_named_with_datablock_and_path(self):
        missing = self.addon["gaps"]["missing"]
        self.assertIn("paint.1003.png (image 'Paint', looked for at %s)" % self.path("shots", "gaps_tex", "paint.1003.png"), missing)
        self.assertIn("flip_0003.png (image 'Flip', looked for at %s)" % self.path("shots", "gaps_seq", "flip_0003.png"), missing)
        self.assertIn("plane.mdd (modifier 'Cache' of object 'Plane', looked for at %s)" % self.path("shots", "caches", "plane.mdd"),
                      self.addon["shot"]["missing"])
        coordinator = {m["name"]: m["path"] for m in self.coordinator["shot"]["missing_files"]}
        self.assertEqual(coordinator, {"modifier 'Cache' of object 'Plane'": self.path("shots", "caches", "plane.mdd")})

    def test_the_font_the_disk_point_cache_and_the_vdb_are_found(self):
        self.assertEqual(self.entry("fx", "font 'DejaVu Serif Bold'")["absolute"], self.path("assets", "fonts", "DejaVuSerif-Bold.ttf"))
        cache = self.entry("fx", "particles 'Particles' of object 'Emitter'")
        self.assertEqual((cache["kind"], cache["absolute"], cache["folder"]), ("point cache", self.path("shots", "blendcache_fx"), True))
        self.assertEqual(self.entry("fx", "volume 'Ball'")["absolute"], self.path("shots", "vdb", "ball.vdb"))
        self.assertTrue(all(e["exists"] for e in self.addon["fx"]["scan"]))

    def test_the_ies_profile_and_the_osl_script_of_the_lights_scene_are_found(self):
        ies = self.entry("lights", "node 'IES Texture' in pointlight 'Cone'")
        self.assertEqual((ies["kind"], ies["absolute"], ies["exists"]), ("ies", self.path("shots", "light", "cone.ies"), True))
        script = self.entry("lights", "node 'Script' in material 'Floor'")
        self.assertEqual((script["kind"], script["absolute"], script["exists"]), ("script", self.path("shots", "osl", "glow.osl"), True))

    def test_alembic_and_usd_cache_files_their_sequence_and_override_layers_are_found(self):
        single = self.entry("caches", "cache file 'Single'")
        self.assertEqual((single["kind"], single["absolute"], single["exists"]), ("cache file", self.path("shots", "abc", "single.abc"), True))
        layer = self.entry("caches", "layer 1 of cache file 'Single'")
        self.assertEqual((layer["path"], layer["absolute"], layer["exists"]), ("//abc/override.abc", self.path("shots", "abc", "override.abc"), True))
        anim = self.entry("caches", "cache file 'Anim'")
        self.assertEqual(anim["frames"], [1, 3])
        self.assertEqual(anim["files"], [self.path("shots", "abc", "anim_%04d.abc" % n) for n in (1, 2, 3)])
        stage = self.entry("caches", "cache file 'Stage'")
        self.assertEqual((stage["absolute"], stage["exists"]), (self.path("assets", "usd", "stage.usd"), True))
        placed = {d["absolute"]: d["target"] for d in self.coordinator["caches"]["dependencies"]}
        self.assertEqual(placed[self.path("shots", "abc", "override.abc")], "abc/override.abc")

    def test_a_missing_ies_osl_cache_layer_and_cache_frame_are_named_with_datablock_and_path(self):
        ies, osl = self.path("shots", "light", "cone.ies"), self.path("shots", "osl", "glow.osl")
        self.assertEqual(missing_with_files_away(self.root, "lights", [ies, osl]), [
            "glow.osl (node 'Script' in material 'Floor', looked for at %s)" % osl,
            "cone.ies (node 'IES Texture' in pointlight 'Cone', looked for at %s)" % ies])
        layer, frame, stage = (self.path("shots", "abc", "override.abc"), self.path("shots", "abc", "anim_0002.abc"),
                               self.path("assets", "usd", "stage.usd"))
        self.assertEqual(sorted(missing_with_files_away(self.root, "caches", [layer, frame, stage])), sorted([
            "override.abc (layer 1 of cache file 'Single', looked for at %s)" % layer,
            "anim_0002.abc (cache file 'Anim', looked for at %s)" % frame,
            "stage.usd (cache file 'Stage', looked for at %s)" % stage]))

    def test_sequencer_image_strips_list_their_elements_and_need_no_camera(self):
        strip = self.entry("edit", "strip 'Plate' in scene 'Scene'")
        self.assertEqual(strip["files"], [self.path("shots", "plates", "plate_%02d.png" % n) for n in (1, 2, 3)])
        self.assertTrue(self.coordinator["edit"]["has_camera"])

    def test_the_coordinator_places_each_file_by_the_one_layout_rule(self):
        placed = {d["absolute"]: d["target"] for d in self.coordinator["shot"]["dependencies"]}
        self.assertEqual(placed[self.path("shots", "tex", "paint.1001.png")], "tex/paint.1001.png")
        outside = self.path("assets", "props", "tex", "wood.png")
        self.assertEqual(placed[outside], "_external/" + outside.lstrip("/"))
        self.assertEqual(self.coordinator["shot"]["refused"], [])


@unittest.skipUnless(NEWER_BLENDER, NO_NEWER_BLENDER)
class ScannerBakeTests(unittest.TestCase):
    """Geometry-nodes bakes on disk (Blender 4.1+): the modifier's folder and a bake's own custom path."""

    @classmethod
    def setUpClass(cls):
        scan_corpus(cls, "make_bake_corpus.py", ("bake",), executable=NEWER_BLENDER)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def test_the_add_on_and_the_coordinator_list_the_same_bakes(self):
        self.assertEqual(len(self.addon["bake"]["scan"]), 2)
        self.assertEqual(self.addon["bake"]["scan"], self.coordinator["bake"]["scan"])

    def test_a_bake_packed_into_the_file_is_neither_listed_nor_missing(self):
        # Its modifier still names a folder that is not there (and so does the simulation's, baked to a custom path).
        self.assertEqual([e["datablock"] for e in self.addon["bake"]["scan"] if "'Packed'" in e["datablock"]], [])
        self.assertEqual(self.addon["bake"]["missing"], [])

    def test_a_missing_bake_folder_is_named_with_its_bake_and_path(self):
        sim = os.path.join(self.root, "cache", "sim")
        self.assertEqual(missing_with_files_away(self.root, "bake", [sim], NEWER_BLENDER), [
            "sim (bake 'Simulation Output' of modifier 'Nodes' of object 'Sim', looked for at %s)" % sim])

    def test_the_modifiers_bake_folder_and_a_bake_with_its_own_path_are_found(self):
        found = {e["datablock"]: e for e in self.addon["bake"]["scan"]}
        still = found["modifier 'Nodes' of object 'Still'"]
        self.assertEqual((still["kind"], still["absolute"], still["folder"], still["exists"]),
                         ("bake", os.path.join(self.root, "shots", "blendcache_bake", "Still_Nodes"), True, True))
        sim = found["bake 'Simulation Output' of modifier 'Nodes' of object 'Sim'"]
        self.assertEqual((sim["kind"], sim["path"], sim["absolute"], sim["exists"]),
                         ("bake", "//../cache/sim", os.path.join(self.root, "cache", "sim"), True))
        placed = {d["absolute"]: d["target"] for d in self.coordinator["bake"]["dependencies"]}
        outside = os.path.join(self.root, "cache", "sim", "meta", "00003_00000.json")
        self.assertEqual(placed[outside], "_external/" + outside.lstrip("/"))


if __name__ == "__main__":
    unittest.main()
