"""Finding the user's coordinator, starting it, and the messages a user sees when that fails."""

import json
import os
import socket
import stat
import sys
import tempfile
import threading
import unittest

from tests.addon.addon_modules import coordinator, rpc


class HomeTests(unittest.TestCase):
    def test_blenderfarm_home_wins(self):
        self.assertEqual(coordinator.home_folder({"BLENDERFARM_HOME": "/x/y"}, "linux", "/home/u"), os.path.abspath("/x/y"))

    def test_linux_uses_xdg_data_home_then_local_share_like_the_coordinator(self):
        self.assertEqual(coordinator.home_folder({}, "linux", "/home/u"), os.path.join("/home/u", ".local", "share", "blenderfarm"))
        self.assertEqual(coordinator.home_folder({"XDG_DATA_HOME": "/d"}, "linux", "/home/u"), os.path.join("/d", "blenderfarm"))

    def test_windows_and_macos_use_their_application_data_folders(self):
        self.assertEqual(coordinator.home_folder({"LOCALAPPDATA": "C:\\Users\\u\\AppData\\Local"}, "win32", "C:\\Users\\u"),
                         os.path.join("C:\\Users\\u\\AppData\\Local", "BlenderFarm"))
        self.assertEqual(coordinator.home_folder({}, "darwin", "/Users/u"), os.path.join("/Users/u", "Library", "Application Support", "BlenderFarm"))


class FindTests(unittest.TestCase):
    def setUp(self):
        self.addon = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(self.addon))

    def test_the_bundled_coordinator_is_used_by_default(self):
        bundled = os.path.join(self.addon, "coordinator", coordinator.executable_name())
        os.makedirs(os.path.dirname(bundled))
        open(bundled, "wb").close()
        self.assertEqual(coordinator.find_coordinator("", self.addon, {}), bundled)

    def test_the_preference_wins_over_the_bundled_one(self):
        chosen = os.path.join(self.addon, "mine")
        open(chosen, "wb").close()
        self.assertEqual(coordinator.find_coordinator(chosen, self.addon, {}), chosen)

    def test_a_missing_coordinator_is_one_sentence_saying_what_to_do(self):
        with self.assertRaises(coordinator.CoordinatorError) as caught:
            coordinator.find_coordinator("", self.addon, {})
        message = str(caught.exception)
        self.assertIn("install the add-on zip made for this platform", message)
        self.assertTrue(message.endswith("."))

    def test_windows_looks_for_the_exe(self):
        self.assertEqual(coordinator.executable_name("win32"), "blenderfarm.exe")


class EndpointTests(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(self.home))
        os.makedirs(os.path.join(self.home, "run"))

    def write(self, text):
        with open(coordinator.endpoint_path(self.home), "w", encoding="utf-8") as handle:
            handle.write(text)

    def test_no_or_broken_endpoint_file_means_no_server(self):
        self.assertIsNone(coordinator.read_endpoint(self.home))
        self.write("{not json")
        self.assertIsNone(coordinator.read_endpoint(self.home))
        self.write('{"transport": "carrier-pigeon"}')
        self.assertIsNone(coordinator.read_endpoint(self.home))

    def test_only_loopback_tcp_is_ever_dialled(self):
        with self.assertRaises(OSError):
            coordinator.open_socket({"transport": "tcp", "host": "10.0.0.8", "port": 1})

    @unittest.skipUnless(hasattr(socket, "AF_UNIX"), "Unix sockets")
    def test_connect_refuses_a_server_with_another_protocol_version(self):
        path = os.path.join(tempfile.mkdtemp(), "s.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        self.addCleanup(server.close)

        def serve():
            conn, _ = server.accept()
            reader = rpc.MessageReader()
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                for message in reader.feed(data):
                    conn.sendall(rpc.encode_message({"jsonrpc": "2.0", "id": message["id"], "error": {
                        "code": 1001, "message": "This add-on speaks BlenderFarm protocol 1 but the coordinator speaks 2."}}))

        threading.Thread(target=serve, daemon=True).start()
        self.write(json.dumps({"transport": "unix", "path": path, "processId": 1, "protocolVersion": 2, "serverVersion": "9"}))
        with self.assertRaises(rpc.RpcError) as caught:
            coordinator.connect(self.home, lambda: self.fail("must not start another"), "0.1.0", None, None)
        self.assertEqual(caught.exception.code, rpc.ErrorCode.VERSION_MISMATCH)

    @unittest.skipIf(sys.platform.startswith("win"), "a shell script stands in for the coordinator")
    def test_a_coordinator_that_fails_to_start_gives_its_last_log_line(self):
        fake = os.path.join(self.home, "blenderfarm")
        with open(fake, "w", encoding="utf-8") as handle:
            handle.write("#!/bin/sh\necho 'blenderfarm: the disk is full.' >&2\nexit 70\n")
        os.chmod(fake, 0o644)  # as Blender's zip installer leaves it: the add-on makes it executable
        with self.assertRaises(coordinator.CoordinatorError) as caught:
            coordinator.connect(self.home, lambda: fake, "0.1.0", None, None, start_timeout=10)
        self.assertIn("failed to start: blenderfarm: the disk is full", str(caught.exception))
        self.assertTrue(os.stat(fake).st_mode & stat.S_IXUSR)


class ClientTests(unittest.TestCase):
    def test_a_request_that_cannot_connect_answers_through_the_inbox_without_raising(self):
        from tests.addon.addon_modules import client
        farm = client.FarmClient("0.1.0")
        home = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(home))

        def no_coordinator():
            raise coordinator.CoordinatorError("The BlenderFarm coordinator is not at /nowhere.")

        farm.configure(home, no_coordinator)
        farm.request("job.list", {}, lambda result, error: None)
        kind, _, result, error = farm.inbox.get(timeout=10)
        self.assertEqual(kind, "reply")
        self.assertIsNone(result)
        self.assertEqual(error.code, rpc.ErrorCode.CONNECTION_LOST)
        self.assertIn("/nowhere", error.message)


if __name__ == "__main__":
    unittest.main()
