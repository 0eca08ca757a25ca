"""Packing decisions: where each dependency goes, which paths are rewritten, what is reported missing."""

import os
import tempfile
import unittest

from tests.addon.addon_modules import packing

Dep = packing.Dependency


class TargetTests(unittest.TestCase):
    def test_a_file_under_the_blend_folder_keeps_its_relative_place(self):
        root = os.path.join(os.sep, "proj")
        self.assertEqual(packing.target_for(os.path.join(root, "textures", "wood.png"), root), "textures/wood.png")

    def test_a_file_elsewhere_goes_under_external_with_its_absolute_path(self):
        root = os.path.join(os.sep, "proj")
        self.assertEqual(packing.target_for(os.path.join(os.sep, "shared", "hdri", "sky.exr"), root), "_external/shared/hdri/sky.exr")

    def test_a_sibling_folder_with_the_same_prefix_is_not_inside(self):
        self.assertFalse(packing.is_inside(os.path.join(os.sep, "proj2", "a.png"), os.path.join(os.sep, "proj")))


class PlanTests(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(self.root))
        self.blend = os.path.join(self.root, "proj", "shot.blend")
        for name in ("proj/textures/wood.png", "proj/libs/props.blend", "shared/sky.exr"):
            path = os.path.join(self.root, *name.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(b"x")

    def path(self, name):
        return os.path.join(self.root, *name.split("/"))

    def make(self, deps):
        return packing.plan(self.blend, deps, os.path.join(self.root, "job"))

    def test_files_under_the_project_are_copied_in_place_and_not_rewritten(self):
        plan = self.make([Dep(self.path("proj/textures/wood.png"), "image", ["image 'Wood'"]),
                          Dep(self.path("proj/libs/props.blend"), "library", ["library 'props.blend'"])])
        self.assertEqual(sorted(t for _, t, _ in plan.copies), ["libs/props.blend", "textures/wood.png"])
        self.assertEqual(plan.remaps, {})

    def test_files_outside_the_project_are_copied_to_external_and_rewritten_relative_to_the_job(self):
        plan = self.make([Dep(self.path("shared/sky.exr"), "image", ["image 'Sky'"])])
        (source, target, _), = plan.copies
        self.assertTrue(target.startswith("_external/") and target.endswith("shared/sky.exr"))
        self.assertEqual(plan.remaps[source], "//" + target)

    def test_missing_files_are_reported_with_every_datablock_using_them_and_not_copied(self):
        gone = self.path("proj/textures/gone.png")
        plan = self.make([Dep(gone, "image", ["image 'Gone'"]), Dep(gone, "image", ["image 'Gone.001'"]),
                          Dep(self.path("proj/textures/wood.png"), "image", ["image 'Wood'"])])
        self.assertEqual([d.path for d in plan.missing], [os.path.normpath(gone)])
        self.assertEqual(plan.missing_report(), "gone.png (image 'Gone', image 'Gone.001', looked for at %s)" % os.path.normpath(gone))
        self.assertEqual(len(plan.copies), 1)

    def test_a_long_missing_list_is_shortened(self):
        deps = [Dep(self.path("proj/m%02d.png" % i), "image", ["image 'M%d'" % i]) for i in range(11)]
        self.assertTrue(self.make(deps).missing_report(limit=3).endswith(" and 8 more"))

    def test_one_file_used_twice_is_copied_once(self):
        wood = self.path("proj/textures/wood.png")
        plan = self.make([Dep(wood, "image", ["image 'A'"]), Dep(wood, "image", ["image 'B'"])])
        self.assertEqual(len(plan.copies), 1)

    def test_execute_copies_files_and_folders_into_the_job_folder(self):
        cache = self.path("proj/blendcache_shot")
        os.makedirs(cache)
        with open(os.path.join(cache, "frame_000001.bphys"), "wb") as handle:
            handle.write(b"c")
        plan = self.make([Dep(self.path("proj/textures/wood.png"), "image", ["image 'Wood'"]),
                          Dep(cache, "point cache", ["modifier 'Cloth'"], is_folder=True),
                          Dep(self.path("shared/sky.exr"), "image", ["image 'Sky'"])])
        seen = []
        packing.execute_copies(plan, lambda done, total, source: seen.append((done, total)))
        job = os.path.join(self.root, "job")
        self.assertTrue(os.path.isfile(os.path.join(job, "textures", "wood.png")))
        self.assertTrue(os.path.isfile(os.path.join(job, "blendcache_shot", "frame_000001.bphys")))
        self.assertEqual(seen[-1], (3, 3))
        self.assertTrue(os.path.isfile(os.path.join(job, *plan.remaps[os.path.normpath(self.path("shared/sky.exr"))][2:].split("/"))))

    def test_the_original_files_are_left_where_they_are(self):
        wood = self.path("proj/textures/wood.png")
        packing.execute_copies(self.make([Dep(wood, "image", ["image 'Wood'"])]))
        self.assertTrue(os.path.isfile(wood))


class PatternTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(self.folder))
        for name in ("tile.1001.png", "tile.1002.png", "tile.notes.txt", "seq_0001.png", "seq_0002.png", "seq_0010.png", "other_0001.png"):
            open(os.path.join(self.folder, name), "wb").close()

    def test_udim_tiles_expand_to_every_tile(self):
        found = packing.expand_pattern(os.path.join(self.folder, "tile.<UDIM>.png"), "TILED")
        self.assertEqual([os.path.basename(f) for f in found], ["tile.1001.png", "tile.1002.png"])

    def test_an_image_sequence_expands_to_its_frames_only(self):
        found = packing.expand_pattern(os.path.join(self.folder, "seq_0001.png"), "SEQUENCE")
        self.assertEqual([os.path.basename(f) for f in found], ["seq_0001.png", "seq_0002.png", "seq_0010.png"])

    def test_a_single_file_is_itself(self):
        path = os.path.join(self.folder, "seq_0001.png")
        self.assertEqual(packing.expand_pattern(path, "FILE"), [path])


class NamingTests(unittest.TestCase):
    def test_job_folder_names_are_safe_and_dated(self):
        name = packing.job_folder_name("/p/My Shot (v2).blend", now=0)
        self.assertRegex(name, r"^My_Shot__v2_-\d{8}-\d{6}$")


if __name__ == "__main__":
    unittest.main()
