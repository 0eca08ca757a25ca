"""The add-on's JSON-RPC client: framing and the connection, against a fake server on a socket pair."""

import json
import socket
import threading
import unittest

from tests.addon.addon_modules import rpc


def frame(obj):
    body = json.dumps(obj).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class FramingTests(unittest.TestCase):
    def test_a_message_is_a_content_length_header_a_blank_line_and_utf8_json(self):
        data = rpc.encode_message({"jsonrpc": "2.0", "id": 1, "method": "job.list", "params": {}})
        self.assertEqual(data, b'Content-Length: 56\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"job.list","params":{}}')

    def test_the_length_counts_bytes_not_characters(self):
        data = rpc.encode_message({"name": "Szene für Café"})
        header, body = data.split(b"\r\n\r\n")
        self.assertEqual(int(header.split(b":")[1]), len(body))
        self.assertEqual(rpc.MessageReader().feed(data), [{"name": "Szene für Café"}])

    def test_messages_split_at_any_byte_are_reassembled(self):
        data = frame({"id": 1, "result": "é"}) + frame({"method": "frame.done", "params": {"frame": 3}})
        reader, messages = rpc.MessageReader(), []
        for i in range(len(data)):
            messages += reader.feed(data[i:i + 1])
        self.assertEqual(messages, [{"id": 1, "result": "é"}, {"method": "frame.done", "params": {"frame": 3}}])

    def test_several_messages_in_one_read_all_come_out(self):
        data = b"".join(frame({"id": i}) for i in range(5))
        self.assertEqual([m["id"] for m in rpc.MessageReader().feed(data)], [0, 1, 2, 3, 4])

    def test_extra_headers_are_ignored_and_the_name_is_case_insensitive(self):
        data = b'content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}'
        self.assertEqual(rpc.MessageReader().feed(data), [{}])

    def test_a_message_without_content_length_is_a_framing_error(self):
        with self.assertRaises(rpc.FramingError):
            rpc.MessageReader().feed(b"Content-Type: x\r\n\r\n{}")

    def test_a_body_that_is_not_json_is_a_framing_error(self):
        with self.assertRaises(rpc.FramingError):
            rpc.MessageReader().feed(b"Content-Length: 3\r\n\r\nabc")


class FakeServer:
    """The other end of a socket pair, answering like the coordinator would."""

    def __init__(self, sock, handler):
        self.sock, self.handler, self.received = sock, handler, []
        threading.Thread(target=self.run, daemon=True).start()

    def send(self, obj):
        self.sock.sendall(frame(obj))

    def run(self):
        reader = rpc.MessageReader()
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            for message in reader.feed(data):
                self.received.append(message)
                self.handler(self, message)


class ConnectionTests(unittest.TestCase):
    def connect(self, handler):
        ours, theirs = socket.socketpair()
        self.addCleanup(theirs.close)
        server = FakeServer(theirs, handler)
        notes, closed = [], threading.Event()
        connection = rpc.Connection(ours, on_notification=lambda m, p: notes.append((m, p)), on_closed=lambda r: closed.set())
        self.addCleanup(connection.close)
        return connection, server, notes, closed

    def test_a_call_sends_params_as_one_object_and_returns_the_result(self):
        connection, server, _, _ = self.connect(lambda s, m: s.send({"jsonrpc": "2.0", "id": m["id"], "result": {"jobs": []}}))
        self.assertEqual(connection.call("job.list", {}), {"jobs": []})
        self.assertEqual(server.received[0]["method"], "job.list")
        self.assertEqual(server.received[0]["params"], {})
        self.assertEqual(server.received[0]["jsonrpc"], "2.0")

    def test_an_error_reply_raises_with_its_numeric_code_and_data(self):
        def handler(s, m):
            s.send({"jsonrpc": "2.0", "id": m["id"], "error": {"code": 1020, "message": "There is no job 'x'.", "data": None}})
        connection, _, _, _ = self.connect(handler)
        with self.assertRaises(rpc.RpcError) as caught:
            connection.call("job.status", {"jobId": "x"})
        self.assertEqual(caught.exception.code, rpc.ErrorCode.JOB_NOT_FOUND)

    def test_notifications_reach_the_callback_in_order(self):
        def handler(s, m):
            s.send({"jsonrpc": "2.0", "method": "frame.done", "params": {"jobId": "j", "frame": 1, "path": "/f1.png"}})
            s.send({"jsonrpc": "2.0", "method": "job.progress", "params": {"jobId": "j", "done": 1}})
            s.send({"jsonrpc": "2.0", "id": m["id"], "result": {}})
        connection, _, notes, _ = self.connect(handler)
        connection.call("job.watch", {"jobId": "j"})
        self.assertEqual([n[0] for n in notes], ["frame.done", "job.progress"])
        self.assertEqual(notes[0][1]["path"], "/f1.png")

    def test_a_lost_connection_fails_pending_calls_with_connection_lost_and_reports_closed(self):
        connection, server, _, closed = self.connect(lambda s, m: s.sock.close())
        with self.assertRaises(rpc.RpcError) as caught:
            connection.call("job.list", {}, timeout=5)
        self.assertEqual(caught.exception.code, rpc.ErrorCode.CONNECTION_LOST)
        self.assertTrue(closed.wait(5))
        self.assertTrue(connection.closed)

    def test_a_call_with_no_answer_times_out(self):
        connection, _, _, _ = self.connect(lambda s, m: None)
        with self.assertRaises(rpc.RpcError) as caught:
            connection.call("job.list", {}, timeout=0.2)
        self.assertEqual(caught.exception.code, rpc.ErrorCode.TIMEOUT)

    def test_a_request_from_the_server_gets_method_not_found(self):
        connection, server, _, _ = self.connect(lambda s, m: None)
        server.send({"jsonrpc": "2.0", "id": 77, "method": "ui.refresh", "params": {}})
        for _ in range(50):
            if server.received:
                break
            threading.Event().wait(0.05)
        self.assertEqual(server.received[0]["id"], 77)
        self.assertEqual(server.received[0]["error"]["code"], -32601)


class HandshakeTests(unittest.TestCase):
    def test_handshake_params_carry_the_protocol_version_and_the_token(self):
        params = rpc.handshake_params("0.1.0", "abc")
        self.assertEqual(params, {"protocolVersion": rpc.PROTOCOL_VERSION, "client": "blender_farm", "clientVersion": "0.1.0", "token": "abc"})

    def test_the_client_refuses_a_server_with_another_version(self):
        with self.assertRaises(rpc.RpcError) as caught:
            rpc.check_handshake_reply({"protocolVersion": rpc.PROTOCOL_VERSION + 1})
        self.assertEqual(caught.exception.code, rpc.ErrorCode.VERSION_MISMATCH)
        self.assertIn("same BlenderFarm zip", caught.exception.message)

    def test_the_python_protocol_version_matches_the_csharp_one(self):
        import os
        import re
        source = os.path.join(os.path.dirname(__file__), "..", "..", "coordinator", "BlenderFarm.Protocol", "ProtocolInfo.cs")
        with open(source, encoding="utf-8") as handle:
            version = int(re.search(r"const int Version = (\d+);", handle.read()).group(1))
        self.assertEqual(rpc.PROTOCOL_VERSION, version)

    def test_the_python_error_codes_match_the_csharp_enum(self):
        import os
        import re
        source = os.path.join(os.path.dirname(__file__), "..", "..", "coordinator", "BlenderFarm.Protocol", "RpcErrorCode.cs")
        with open(source, encoding="utf-8") as handle:
            codes = {name: int(value) for name, value in re.findall(r"^\s+(\w+) = (\d+),", handle.read(), re.M)}
        snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper(): value for name, value in codes.items()}
        for name, value in snake.items():
            self.assertEqual(getattr(rpc.ErrorCode, name), value, name)


if __name__ == "__main__":
    unittest.main()
