"""A scripted WebSocket server (stdlib only) for checking lws_viewer itself.

It accepts one connection at a time, completes the RFC 6455 handshake and
plays a script of frames, so the tests can feed the viewer what the real
server should never send (gaps, duplicates, odd close codes) and frames
split into continuation frames.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


class FakeLiveServer:
    """Script steps: ("text", str), ("split", str, parts), ("close", code), ("wait", seconds)."""

    def __init__(self, script: list[tuple]) -> None:
        self.script = script
        self.paths: list[str] = []
        self.client_close_codes: list[int] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self._listener.settimeout(10)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(10)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                request += chunk
            lines = request.decode("latin-1").split("\r\n")
            self.paths.append(lines[0].split(" ")[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest())
            connection.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            for step in self.script:
                kind = step[0]
                if kind == "text":
                    connection.sendall(_frame(1, step[1].encode()))
                elif kind == "split":
                    data = step[1].encode()
                    parts = step[2]
                    size = -(-len(data) // parts)
                    pieces = [data[i : i + size] for i in range(0, len(data), size)]
                    for index, piece in enumerate(pieces):
                        opcode = 1 if index == 0 else 0
                        connection.sendall(_frame(opcode, piece, fin=index == len(pieces) - 1))
                elif kind == "close":
                    connection.sendall(_frame(8, struct.pack("!H", step[1]) + b"bye"))
                elif kind == "wait":
                    threading.Event().wait(step[1])
            self._drain(connection)

    def _drain(self, connection: socket.socket) -> None:
        """Reads client frames until the client closes; answers its close."""
        buffer = b""
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while len(buffer) >= 2:
                    opcode = buffer[0] & 0x0F
                    length = buffer[1] & 0x7F
                    offset = 2
                    if length == 126:
                        if len(buffer) < 4:
                            break
                        length = struct.unpack("!H", buffer[2:4])[0]
                        offset = 4
                    elif length == 127:
                        if len(buffer) < 10:
                            break
                        length = struct.unpack("!Q", buffer[2:10])[0]
                        offset = 10
                    masked = buffer[1] & 0x80
                    end = offset + (4 if masked else 0) + length
                    if len(buffer) < end:
                        break
                    payload = buffer[end - length : end]
                    if masked:
                        mask = buffer[offset : offset + 4]
                        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                    buffer = buffer[end:]
                    if opcode == 8:
                        if len(payload) >= 2:
                            self.client_close_codes.append(struct.unpack("!H", payload[:2])[0])
                        try:
                            connection.sendall(_frame(8, payload[:2]))
                        except OSError:
                            pass
                        return
        except OSError:
            return
