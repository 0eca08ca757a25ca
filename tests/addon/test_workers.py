"""The typed workers description job.submit carries (no Blender needed; the coordinator's side is ProtocolWorkersTests)."""

import unittest

from tests.addon.addon_modules import workers


class DescribeTests(unittest.TestCase):
    def test_local_slots_are_a_count_and_zero_leaves_the_default_to_the_coordinator(self):
        self.assertEqual(workers.describe("LOCAL", local_slots=3), {"kind": "local", "slots": 3})
        self.assertEqual(workers.describe("LOCAL", local_slots=0), {"kind": "local", "slots": None})

    def test_ssh_carries_the_hosts_file_as_given(self):
        self.assertEqual(workers.describe("SSH", hosts_file="/farm/hosts, v2.txt"), {"kind": "ssh", "hostsFile": "/farm/hosts, v2.txt"})

    def test_aws_instance_types_become_a_list_in_order_whatever_separates_them(self):
        described = workers.describe("AWS", aws_region="eu-west-1", aws_profile="", aws_instance_types="g4dn.xlarge, g5.xlarge+g6.xlarge",
                                     aws_max_instances=4, aws_max_cost=10.004)
        self.assertEqual(described, {"kind": "aws", "aws": {
            "region": "eu-west-1", "profile": None, "instanceTypes": ["g4dn.xlarge", "g5.xlarge", "g6.xlarge"],
            "maxInstances": 4, "maxCost": 10.0}})

    def test_the_estimates_command_line_keeps_every_instance_type_and_leaves_out_empty_settings(self):
        described = workers.describe("AWS", aws_region="eu-west-1", aws_profile="", aws_instance_types="g4dn.xlarge,g5.xlarge",
                                     aws_max_instances=4, aws_max_cost=10.0)
        self.assertEqual(workers.cli_text(described),
                         "aws:region=eu-west-1,types=g4dn.xlarge+g5.xlarge,max-instances=4,max-cost=10.00")
        self.assertEqual(workers.cli_text(workers.describe("LOCAL", local_slots=2)), "local:2")
        self.assertEqual(workers.cli_text(workers.describe("LOCAL")), "local")

    def test_an_unknown_kind_is_refused(self):
        with self.assertRaises(ValueError):
            workers.describe("MAINFRAME")


if __name__ == "__main__":
    unittest.main()
