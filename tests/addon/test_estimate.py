"""The AWS estimate is fetched on a background thread (a real child process standing in for `blenderfarm plan
--json`), asked for again only when its key changes, and a failure becomes the coordinator's own sentence."""

import sys
import threading
import time
import unittest

from tests.addon.addon_modules import estimate

PLAN = 'import sys, time; time.sleep(%s); print("Plan for shot.blend: 40 frames"); print(\'{"frames": %s, "instances": 4}\')'


def plan(frames, seconds=0.0):
    return lambda: [sys.executable, "-c", PLAN % (seconds, frames)]


class EstimateTests(unittest.TestCase):
    def wait_for_answer(self):
        deadline = time.monotonic() + 30
        while estimate.current()[0] and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(estimate.take_fresh(), "an answer marks the panel for a redraw")

    def test_the_figures_arrive_without_blocking_the_caller(self):
        started = time.monotonic()
        estimate.request(("shot.blend", 1, "aws:a", "1-40x1"), plan(40, seconds=2.0))
        self.assertLess(time.monotonic() - started, 1.0, "request returns before the 2 s plan ends")
        self.assertEqual(estimate.current(), (True, None, ""), "running, nothing yet")
        self.wait_for_answer()
        self.assertEqual(estimate.current(), (False, {"frames": 40, "instances": 4}, ""))

    def test_the_same_settings_are_not_asked_twice_and_a_change_asks_again(self):
        key = ("shot.blend", 2, "aws:b", "1-40x1")
        estimate.request(key, plan(40))
        self.wait_for_answer()
        estimate.request(key, lambda: self.fail("asked again for unchanged settings"))
        self.assertEqual(estimate.current()[1], {"frames": 40, "instances": 4})
        estimate.request(("shot.blend", 2, "aws:b", "1-80x1"), plan(80))
        self.wait_for_answer()
        self.assertEqual(estimate.current()[1]["frames"], 80)

    def test_an_answer_for_settings_changed_meanwhile_is_dropped(self):
        estimate.request(("shot.blend", 3, "aws:c", "1-10x1"), plan(10, seconds=1.0))
        estimate.request(("shot.blend", 3, "aws:c", "1-20x1"), plan(20))
        self.wait_for_answer()
        for thread in threading.enumerate():  # the slow, outdated plan finishes too
            if thread.name == "blenderfarm-estimate":
                thread.join(30)
        self.assertEqual(estimate.current()[1]["frames"], 20)

    def test_a_failed_plan_shows_the_coordinators_sentence(self):
        message = "None of g9.huge has a spot price in this region: choose other instance types."
        estimate.request(("shot.blend", 4, "aws:d", "1-40x1"),
                         lambda: [sys.executable, "-c", "import sys; sys.stderr.write(%r); sys.exit(2)" % message])
        self.wait_for_answer()
        self.assertEqual(estimate.current(), (False, None, message))

    def test_no_coordinator_is_an_answer_too(self):
        def missing():
            raise OSError("The blenderfarm coordinator was not found.")
        estimate.request(("shot.blend", 5, "aws:e", "1-40x1"), missing)
        self.assertEqual(estimate.current(), (False, None, "The blenderfarm coordinator was not found."))


if __name__ == "__main__":
    unittest.main()
