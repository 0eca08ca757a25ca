"""The queue sub-panel's pure parts: rows from queue.list's reply, the requests its buttons send, when the timer
asks the farm again, and that looking at the queue never starts a farm."""

import os
import shutil
import tempfile
import unittest

from tests.addon.addon_modules import client, coordinator, farm_queue, packing, rpc

# queue.list's result as the coordinator sends it (QueueListReply, camelCase), cut to the fields the rows read.
REPLY = {
    "slots": 2,
    "jobs": [
        {"jobId": "20261203-0002", "priority": 5, "place": "rendering", "slots": 2,
         "status": {"jobId": "20261203-0002", "phase": "running", "blendFile": "/packs/shot-20261203-101500-2/shot.blend",
                    "done": 12, "failed": 1, "total": 40}},
        {"jobId": "20261203-0001", "priority": 0, "place": "waiting", "slots": 0,
         "status": {"jobId": "20261203-0001", "phase": "interrupted", "blendFile": "/packs/shot-20261203-101500/shot.blend",
                    "done": 0, "failed": 0, "total": 250}},
        {"jobId": "20261203-0003", "priority": 0, "place": "paused", "slots": 0,
         "status": {"jobId": "20261203-0003", "phase": "paused", "blendFile": "/projects/intro.blend",
                    "done": 3, "failed": 0, "total": 10}},
    ],
}


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class RowTests(unittest.TestCase):
    def test_each_job_shows_its_file_and_id_state_priority_and_frames_in_the_farms_order(self):
        rows = farm_queue.rows(REPLY)
        self.assertEqual([farm_queue.title_text(r) for r in rows],
                         ["shot.blend, job 20261203-0002", "shot.blend, job 20261203-0001", "intro.blend, job 20261203-0003"])
        self.assertEqual([farm_queue.state_text(r) for r in rows], ["Rendering, priority 5", "Waiting, priority 0", "Paused, priority 0"])
        self.assertEqual([farm_queue.frames_text(r) for r in rows], ["12 / 40 frames", "0 / 250 frames", "3 / 10 frames"])
        self.assertEqual([farm_queue.failed_text(r) for r in rows], ["1 frame failed", "", ""])
        self.assertEqual([r["icon"] for r in rows], ["RENDER_ANIMATION", "TIME", "PAUSE"])

    def test_a_job_paused_in_the_queue_whose_run_still_stops_reads_pausing(self):
        entry = {"jobId": "j", "priority": 0, "place": "paused", "status": {"phase": "running", "done": 1, "total": 9}}
        self.assertEqual(farm_queue.state_text(farm_queue.rows({"jobs": [entry]})[0]), "Pausing, priority 0")
        entry["status"]["phase"] = "paused"
        self.assertEqual(farm_queue.state_text(farm_queue.rows({"jobs": [entry]})[0]), "Paused, priority 0")

    def test_a_place_this_add_on_does_not_know_yet_is_shown_in_its_own_word(self):
        row = farm_queue.rows({"jobs": [{"jobId": "j", "priority": 1, "place": "starting", "status": {}}]})[0]
        self.assertEqual((row["state"], row["name"], row["total"]), ("Starting", "j", 0))

    def test_an_empty_queue_and_the_summary_say_so_in_words(self):
        self.assertEqual(farm_queue.rows({"jobs": [], "slots": 2}), [])
        self.assertEqual(farm_queue.rows(None), [])
        self.assertEqual(farm_queue.summary_text(0, 2), "The queue is empty.")
        self.assertEqual(farm_queue.summary_text(3, 2), "3 jobs on 2 slots")
        self.assertEqual(farm_queue.summary_text(1, 1), "1 job on 1 slot")


class RequestTests(unittest.TestCase):
    def test_the_buttons_send_the_coordinators_queue_methods(self):
        self.assertEqual(farm_queue.priority_request("j1", 6), ("queue.priority", {"jobId": "j1", "priority": 6}))
        self.assertEqual(farm_queue.pause_request("j1"), ("queue.pause", {"jobIds": ["j1"]}))
        self.assertEqual(farm_queue.resume_request("j1"), ("queue.resume", {"jobIds": ["j1"]}))
        self.assertEqual(farm_queue.cancel_request("j1"), ("job.cancel", {"jobId": "j1"}))

    def test_add_to_queue_sends_the_packed_copy_with_the_scenes_priority(self):
        params = farm_queue.submit_params("/packs/shot-1/shot.blend", None, "/p/shot-Night-frames", "auto", "/usr/bin/blender", 0, 7, True)
        self.assertEqual(params, {"blendFile": "/packs/shot-1/shot.blend", "frames": None, "outputFolder": "/p/shot-Night-frames",
                                  "chunk": "auto", "blenderPath": "/usr/bin/blender", "allowMissing": False, "priority": 7,
                                  "paused": True})


class PollerTests(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.poller = farm_queue.Poller(self.clock)

    def answer(self, running):
        self.assertTrue(self.poller.due())
        self.poller.asked()
        self.assertFalse(self.poller.due(), "one request at a time")
        self.poller.answered(running)

    def test_nothing_is_asked_until_the_sub_panel_is_drawn(self):
        self.clock.now += 1000
        self.assertFalse(self.poller.due())
        self.poller.drawn()
        self.assertTrue(self.poller.due())

    def test_while_drawn_a_running_farm_is_asked_every_two_seconds_and_an_absent_one_every_ten(self):
        self.poller.drawn()
        self.answer(running=True)
        self.poller.drawn()  # the answer redrew the open panel
        self.clock.now += 1.9
        self.assertFalse(self.poller.due())
        self.clock.now += 0.1
        self.answer(running=False)
        self.poller.drawn()
        self.clock.now += 9.9
        self.assertFalse(self.poller.due())
        self.clock.now += 0.1
        self.assertTrue(self.poller.due())

    def test_a_closed_panel_or_another_tab_stops_the_polling_and_drawing_again_resumes_it(self):
        self.poller.drawn()
        self.answer(running=True)
        self.clock.now += 60  # the answer's redraw did not draw the panel: it is not shown
        self.assertFalse(self.poller.due())
        self.poller.drawn()
        self.assertTrue(self.poller.due())

    def test_after_a_button_the_queue_is_asked_at_the_next_tick(self):
        self.poller.drawn()
        self.answer(running=True)
        self.poller.drawn()
        self.poller.soon()
        self.assertTrue(self.poller.due())


class LookWithoutStartingTests(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home)

    def test_asking_for_the_queue_when_no_farm_runs_starts_none_and_says_so(self):
        farm = client.FarmClient("0.1.0")
        started = []
        farm.configure(self.home, lambda: started.append(True) or "/nowhere/blenderfarm")
        farm.request("queue.list", {}, lambda r, e: None, start=False)
        kind, _, result, error = farm.inbox.get(timeout=10)
        self.assertEqual((kind, result, error.code), ("reply", None, rpc.ErrorCode.FARM_NOT_RUNNING))
        self.assertEqual(started, [], "no coordinator was looked for or started")
        self.assertFalse(os.path.exists(os.path.join(self.home, "serve.log")))

    def test_connect_without_start_raises_farm_not_running_for_a_stale_endpoint(self):
        os.makedirs(os.path.join(self.home, "run"))
        with open(coordinator.endpoint_path(self.home), "w", encoding="utf-8") as handle:
            handle.write('{"transport": "unix", "path": "%s"}' % os.path.join(self.home, "gone.sock"))
        with self.assertRaises(coordinator.FarmNotRunning):
            coordinator.connect(self.home, lambda: self.fail("must not start one"), "0.1.0", None, None, start=False)


class JobFolderTests(unittest.TestCase):
    def test_two_jobs_packed_in_the_same_second_get_two_folders(self):
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root)
        first = packing.free_folder(os.path.join(root, "shot-20261203-101500"))
        os.makedirs(first)
        second = packing.free_folder(os.path.join(root, "shot-20261203-101500"))
        os.makedirs(second)
        third = packing.free_folder(os.path.join(root, "shot-20261203-101500"))
        self.assertEqual([os.path.basename(p) for p in (first, second, third)],
                         ["shot-20261203-101500", "shot-20261203-101500-2", "shot-20261203-101500-3"])


if __name__ == "__main__":
    unittest.main()
