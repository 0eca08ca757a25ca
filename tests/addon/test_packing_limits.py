"""Packing takes only what the user chose (issue 11 item 2): outside files are listed with their size before any
copy, roots, the home folder and hidden folders are refused, symbolic links never lead out of the project, and a
job's size is capped."""

import os
import shutil
import tempfile
import unittest

from tests.addon.addon_modules import packing

Dep = packing.Dependency


class LimitTests(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root)
        self.home = self.path("home/artist")
        self.blend = self.path("home/artist/proj/shot.blend")
        for name, data in (("home/artist/.ssh/id_ed25519", b"-----BEGIN OPENSSH PRIVATE KEY-----"),
                           ("home/artist/proj/shot.blend", b"BLENDER"), ("home/artist/proj/tex/wood.png", b"x" * 10),
                           ("shared/sky.exr", b"y" * 2048), ("secret/passwords.txt", b"z")):
            os.makedirs(os.path.dirname(self.path(name)), exist_ok=True)
            with open(self.path(name), "wb") as handle:
                handle.write(data)

    def path(self, name):
        return os.path.join(self.root, *name.split("/"))

    def make(self, deps, limit=None):
        return packing.plan(self.blend, deps, self.path("job"), home=self.home, limit=limit)

    def test_an_image_path_pointing_at_a_private_key_is_refused_and_nothing_is_copied(self):
        key = self.path("home/artist/.ssh/id_ed25519")
        plan = self.make([Dep(key, "image", ["image 'Key'"]), Dep(self.path("home/artist/proj/tex/wood.png"), "image", ["image 'Wood'"])])
        self.assertIn("hidden folder ~/.ssh", plan.problem())
        self.assertNotIn(key, [source for source, _, _ in plan.copies])
        with self.assertRaises(RuntimeError):
            packing.execute_copies(plan)
        self.assertFalse(os.path.exists(self.path("job")))

    def test_a_fluid_cache_folder_of_the_filesystem_root_is_refused(self):
        plan = self.make([Dep(os.path.abspath(os.sep), "fluid cache", ["modifier 'Fluid' of object 'Domain'"], is_folder=True)])
        self.assertIn("is a filesystem root", plan.problem())
        self.assertEqual(plan.copies, [])

    def test_the_home_folder_and_a_folder_holding_it_are_refused_as_caches(self):
        for folder in (self.home, self.path("home")):
            with self.subTest(folder=folder):
                plan = self.make([Dep(folder, "point cache", ["particles"], is_folder=True)])
                self.assertIn("home folder", plan.problem())

    def test_a_symbolic_link_out_of_the_project_is_not_followed(self):
        link = self.path("home/artist/proj/tex/leak.png")
        os.symlink(self.path("secret/passwords.txt"), link)
        plan = self.make([Dep(link, "image", ["image 'Leak'"])])
        self.assertIn("symbolic link out of the project", plan.problem())
        self.assertEqual(plan.copies, [])

    def test_a_link_inside_a_cache_folder_that_leads_out_is_refused(self):
        cache = self.path("home/artist/proj/blendcache_shot")
        os.makedirs(cache)
        with open(os.path.join(cache, "frame_000001.bphys"), "wb") as handle:
            handle.write(b"c")
        os.symlink(self.path("secret"), os.path.join(cache, "more"))
        plan = self.make([Dep(cache, "point cache", ["particles"], is_folder=True)])
        self.assertIn("symbolic link out of", plan.problem())
        self.assertEqual([t for _, t, _ in plan.copies], ["blendcache_shot/frame_000001.bphys"])

    def test_files_from_outside_the_project_are_listed_with_their_total_size_before_copying(self):
        plan = self.make([Dep(self.path("shared/sky.exr"), "image", ["image 'Sky'"]),
                          Dep(self.path("home/artist/proj/tex/wood.png"), "image", ["image 'Wood'"])])
        self.assertIsNone(plan.problem())
        self.assertEqual(plan.outside, [(self.path("shared/sky.exr"), 2048)])
        self.assertEqual(plan.outside_report(), "1 file(s) from outside the project (2.0 KB): %s (2.0 KB)" % self.path("shared/sky.exr"))
        self.assertFalse(os.path.exists(self.path("job")))

    def test_a_job_over_the_size_limit_is_refused_with_the_sizes_and_the_setting(self):
        plan = self.make([Dep(self.path("shared/sky.exr"), "image", ["image 'Sky'"])], limit=1024)
        self.assertEqual(plan.problem(), "The job would copy 2.0 KB, more than the limit of 1.0 KB; remove what it need not carry, "
                                         "or raise the limit with BLENDERFARM_MAX_JOB_GB (in GB).")

    def test_the_size_limit_is_read_from_the_environment(self):
        self.assertEqual(packing.max_job_bytes({"BLENDERFARM_MAX_JOB_GB": "2"}), 2 * 1024 ** 3)
        self.assertEqual(packing.max_job_bytes({}), 50 * 1024 ** 3)


if __name__ == "__main__":
    unittest.main()
