"""What the panel says and how it wraps long messages into the region's width (no Blender needed)."""

import unittest

from tests.addon.addon_modules import texts


class WrapTests(unittest.TestCase):
    def test_no_line_is_wider_than_the_width_and_no_word_is_lost(self):
        message = ("Job 20261202-0003 completed: 40 frames in 13s (208.4 frames/min); "
                   "frames in /home/artist/projects/shot/shot-frames")
        for width in (10, 24, 40, 80):
            lines = texts.wrap(message, width)
            self.assertTrue(all(len(line) <= width for line in lines), (width, lines))
            self.assertEqual("".join(lines).replace(" ", ""), message.replace(" ", ""))

    def test_a_path_longer_than_a_line_breaks_after_a_slash(self):
        lines = texts.wrap("/home/artist/projects/shot/shot-frames", 20)
        self.assertEqual(lines, ["/home/artist/", "projects/shot/shot-", "frames"])

    def test_the_measure_decides_the_width_like_blf_pixels(self):
        wide = texts.wrap("WWW iii WWW iii", 9, measure=lambda s: sum(3 if c == "W" else 1 for c in s))
        self.assertEqual(wide, ["WWW", "iii", "WWW", "iii"])

    def test_short_text_stays_one_line_and_newlines_are_kept(self):
        self.assertEqual(texts.wrap("Done", 30), ["Done"])
        self.assertEqual(texts.wrap("first\nsecond", 30), ["first", "second"])
        self.assertEqual(texts.wrap("", 30), [""])


class WordsTests(unittest.TestCase):
    def test_the_button_says_where_the_frames_render(self):
        self.assertEqual(texts.render_button_label("LOCAL"), "Render on This Computer")
        self.assertEqual(texts.render_button_label("SSH"), "Render on Farm")
        self.assertEqual(texts.render_button_label("AWS"), "Render on AWS")

    def test_a_finished_job_keeps_its_last_measured_rate(self):
        running = texts.rate_text(208.4)
        self.assertEqual(running, "208.4 frames/min")
        self.assertEqual(texts.rate_text(None, running), "208.4 frames/min")
        self.assertEqual(texts.rate_text(0.0, ""), "-- frames/min")

    def test_render_is_not_offered_while_this_scenes_job_runs(self):
        self.assertFalse(texts.can_render("", "running", "J1", "J1"))
        self.assertFalse(texts.can_render("Packing and submitting...", "", "", ""))
        self.assertTrue(texts.can_render("", "completed", "J1", "J1"))
        self.assertTrue(texts.can_render("", "running", "J1", "J2"), "another file's job does not block this one")

    def test_missing_files_are_explained_without_command_line_flags(self):
        sentence = texts.missing_files_sentence("tex.png (image 'Checker')")
        self.assertNotIn("--", sentence)
        self.assertIn("tex.png", sentence)
        self.assertIn("Render Anyway", sentence)

    def test_the_aws_estimate_names_instances_price_time_and_cost(self):
        figures = {"frames": 40, "instances": 4, "instanceType": "g4dn.xlarge", "zone": "us-east-1a",
                   "usdPerHour": 0.2104, "maxCostUsd": 10.0, "sampleSeconds": 12.5, "estimateSeconds": 425.0,
                   "estimateUsd": 0.1}
        self.assertEqual(texts.estimate_lines(figures), [
            "Estimate: 40 frames on 4 x g4dn.xlarge", "$0.2104/h each (us-east-1a)", "About 7 min, ~$0.10 (limit $10.00)"])
        figures.update(estimateUsd=None, estimateSeconds=None, sampleSeconds=None)
        self.assertEqual(texts.estimate_lines(figures)[2], "Limit $10.00; no sample frame, no cost yet")


if __name__ == "__main__":
    unittest.main()


class HostLinesTests(unittest.TestCase):
    def test_each_host_is_one_line_with_its_blender_version_and_slots(self):
        hosts = [{"host": "render@gpu1", "blenderVersion": "4.3.2", "slots": 2},
                 {"host": "render@10.0.0.7:2222", "blenderVersion": "5.2.2 LTS", "slots": 1}]
        self.assertEqual(texts.host_lines(hosts),
                         ["render@gpu1: Blender 4.3.2, 2 slots", "render@10.0.0.7:2222: Blender 5.2.2 LTS, 1 slot"])

    def test_local_slots_have_no_host_lines(self):
        self.assertEqual(texts.host_lines([]), [])
        self.assertEqual(texts.host_lines(None), [])


class UploadTextTests(unittest.TestCase):
    """The panel's upload line reads like the coordinator's terminal line for the same job.preparing figures."""

    def test_bytes_rate_and_eta_of_the_upload_then_what_s3_already_held(self):
        upload = {"sentBytes": 12 << 20, "totalBytes": 48 << 20, "skippedFiles": 3, "skippedBytes": 5000000,
                  "bytesPerSecond": 4194304.0, "etaSeconds": 9.0}
        self.assertEqual(texts.upload_lines(upload),
                         ["12.0 MB of 48.0 MB, 4.0 MB/s, ETA 0:09", "3 files (4.8 MB) already in S3"])
        self.assertAlmostEqual(texts.upload_fraction(upload), 0.25)

    def test_before_a_rate_is_known_the_eta_is_dashes_and_nothing_skipped_adds_no_line(self):
        upload = {"sentBytes": 0, "totalBytes": 3 << 30, "skippedFiles": 0, "skippedBytes": 0,
                  "bytesPerSecond": 0, "etaSeconds": None}
        self.assertEqual(texts.upload_lines(upload), ["0 B of 3.0 GB, 0 B/s, ETA --:--"])
        self.assertEqual(texts.upload_fraction(upload), 0.0)

    def test_minutes_in_the_eta_and_one_file_skipped(self):
        upload = {"sentBytes": 1536, "totalBytes": 10 << 20, "skippedFiles": 1, "skippedBytes": 700,
                  "bytesPerSecond": 1024.0, "etaSeconds": 125.4}
        self.assertEqual(texts.upload_lines(upload),
                         ["1.5 KB of 10.0 MB, 1.0 KB/s, ETA 2:05", "1 file (700 B) already in S3"])

    def test_a_job_whose_files_s3_holds_already_is_a_full_bar(self):
        self.assertEqual(texts.upload_fraction({"sentBytes": 0, "totalBytes": 0}), 1.0)
