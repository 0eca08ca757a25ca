"""Unsaved changes in a file whose multires sculpt is kept in an external .btx: packing it would point the modifier
at the job folder, and Blender then drops the session's displacement and reads the saved one again (reproduced with
a .btx changed under a session: the job got the file on disk, and the session lost what it showed). The add-on
refuses with one sentence asking the artist to save, before anything is written, and the session keeps its state."""

import json
import os
import shutil
import tempfile
import unittest

from tests.addon.test_scanner import ADDON, BLENDER, SCRIPTS, blender


@unittest.skipUnless(BLENDER, "Blender is not installed")
class UnsavedMultiresTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="blenderfarm-multires-")
        out = os.path.join(cls.folder, "out.json")
        blender("-b", "--factory-startup", "--python-exit-code", "1", "--python",
                os.path.join(SCRIPTS, "unsaved_multires.py"), "--", ADDON, cls.folder, out)
        with open(out, encoding="utf-8") as handle:
            cls.result = json.load(handle)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_packing_is_refused_with_one_sentence_asking_to_save(self):
        self.assertEqual(self.result["problem"],
                         "Save the file before rendering it on the farm: the multires sculpt of object 'Plane' is kept in "
                         "//caches/m.btx, which only saving writes, so unsaved sculpt changes would not reach the farm.")

    def test_nothing_is_written_and_the_session_keeps_its_changes(self):
        self.assertFalse(self.result["packed"])
        self.assertFalse(self.result["job_blend"])
        self.assertNotEqual(self.result["saved"], self.result["edited"])
        self.assertEqual(self.result["after"], self.result["edited"])


if __name__ == "__main__":
    unittest.main()
