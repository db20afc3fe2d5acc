"""A raw-socket WebSocket client (stdlib only) that can send what a correct
client never would: unmasked frames, reserved bits and opcodes, lying
length fields, truncated headers, invalid UTF-8. Used by test_ws_fuzz.py
against the real server; wsfake.py is the opposite (a fake server)."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True, rsv: int = 0,
          length: int | None = None) -> bytes:
    """One client frame. `rsv` is the three reserved bits (0..7);
    `length` overrides the length field (the payload is sent as given)."""
    first = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    declared = len(payload) if length is None else length
    mask_bit = 0x80 if mask else 0
    if declared < 126:
        header = struct.pack("!BB", first, mask_bit | declared)
    elif declared < 65536:
        header = struct.pack("!BBH", first, mask_bit | 126, declared)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, declared)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_frame(code: int, reason: bytes = b"") -> bytes:
    return frame(8, struct.pack("!H", code) + reason)


class HandshakeRefused(Exception):
    pass


class RawViewer:
    """A viewer socket after a completed handshake; frames from the server
    are parsed only when asked."""

    def __init__(self, port: int, interview: int, since: int = 0, *, rcvbuf: int | None = None,
                 timeout: float = 10) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /live/interviews/{interview}?since={since} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n".encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                self.sock.close()
                raise HandshakeRefused(f"connection closed during the handshake: {response[:200]!r}")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            self.sock.close()
            raise HandshakeRefused(head.decode("latin-1")[:300])

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _next_frame(self, deadline: float) -> tuple[int, bytes] | None:
        """(opcode, payload) of the next server frame; None at EOF or deadline."""
        while True:
            if len(self.buffer) >= 2:
                opcode = self.buffer[0] & 0x0F
                length = self.buffer[1] & 0x7F
                offset = 2
                if length == 126 and len(self.buffer) >= 4:
                    length = struct.unpack("!H", self.buffer[2:4])[0]
                    offset = 4
                elif length == 127 and len(self.buffer) >= 10:
                    length = struct.unpack("!Q", self.buffer[2:10])[0]
                    offset = 10
                elif length >= 126:
                    length = None  # the extended length has not arrived
                if length is not None and len(self.buffer) >= offset + length:
                    payload = self.buffer[offset:offset + length]
                    self.buffer = self.buffer[offset + length:]
                    return opcode, payload
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                return None  # reset
            if not chunk:
                return None
            self.buffer += chunk

    def read_until_close(self, timeout: float = 5) -> dict:
        """Reads server frames until its close frame, EOF or `timeout`.
        Returns {"close": code or None, "eof": bool, "pongs": [payloads], "texts": n}."""
        deadline = time.monotonic() + timeout
        result: dict = {"close": None, "eof": False, "pongs": [], "texts": 0}
        while True:
            item = self._next_frame(deadline)
            if item is None:
                result["eof"] = time.monotonic() < deadline
                return result
            opcode, payload = item
            if opcode == 8:
                result["close"] = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                return result
            if opcode == 0xA:
                result["pongs"].append(payload)
            elif opcode == 1:
                result["texts"] += 1

    def wait_for_pong(self, payload: bytes, timeout: float = 5) -> dict:
        """Reads until a pong with `payload`, a close, EOF or `timeout`."""
        deadline = time.monotonic() + timeout
        result: dict = {"close": None, "pong": False}
        while True:
            item = self._next_frame(deadline)
            if item is None:
                return result
            opcode, body = item
            if opcode == 8:
                result["close"] = struct.unpack("!H", body[:2])[0] if len(body) >= 2 else 1005
                return result
            if opcode == 0xA and body == payload:
                result["pong"] = True
                return result

    def abort(self) -> None:
        """Closes with a RST (SO_LINGER 0)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()

    def close(self) -> None:
        self.sock.close()
