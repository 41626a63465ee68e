"""Minimal clients for the lab's real servers, standard library only.

RESP2 for Redis and the PostgreSQL simple-query protocol over the cluster's Unix
socket (trust auth there, like inside the postgres container). Both raise
`Unavailable` when the server cannot be reached, so callers can tell "down" from
"answered with an error".
"""

import os
import socket
import struct
import threading


class Unavailable(Exception):
    """The server could not be reached (refused, reset, timed out)."""


class RedisUnavailable(Unavailable):
    pass


class PgUnavailable(Unavailable):
    pass


class ServerError(Exception):
    """The server answered with an error."""


class Redis:
    def __init__(self, host, port, password=None, timeout=2.0):
        self.host, self.port, self.password, self.timeout = host, int(port), password, timeout
        self._sock = None
        self._buf = b""
        self._lock = threading.Lock()

    def describe(self):
        return f"{self.host}:{self.port}"

    def _connect(self):
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as e:
            raise RedisUnavailable(f"connect ECONNREFUSED {self.describe()} ({e.strerror or e})") from None
        self._buf = b""
        if self.password:
            self._send([b"AUTH", self.password.encode()])
            self._read()

    def close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None

    def _send(self, args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self._sock.sendall(b"".join(out))

    def _line(self):
        while b"\r\n" not in self._buf:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise RedisUnavailable(f"connection to {self.describe()} closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self._buf) < n + 2:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise RedisUnavailable(f"connection to {self.describe()} closed")
            self._buf += chunk
        data, self._buf = self._buf[:n], self._buf[n + 2:]
        return data

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise ServerError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RedisUnavailable(f"unexpected RESP reply from {self.describe()}: {line[:40]!r}")

    def pipeline(self, commands):
        """Sends several commands in one round trip; returns their replies (errors as ServerError objects)."""
        with self._lock:
            for attempt in (0, 1):
                try:
                    if self._sock is None:
                        self._connect()
                    for c in commands:
                        self._send(list(c))
                    replies = []
                    for _ in commands:
                        try:
                            replies.append(self._read())
                        except ServerError as e:
                            replies.append(e)
                    return replies
                except (OSError, Unavailable) as e:
                    self.close()
                    if attempt == 1:
                        raise e if isinstance(e, Unavailable) else Unavailable(
                            f"connect ECONNREFUSED {self.describe()} ({e})") from None

    def call(self, *args):
        reply = self.pipeline([args])[0]
        if isinstance(reply, ServerError):
            raise reply
        return reply


def quote(value):
    """A SQL string literal (standard_conforming_strings is on)."""
    return "'" + str(value).replace("'", "''") + "'"


class Pg:
    """One connection to one database, over the Unix socket in `socket_dir`."""

    def __init__(self, socket_dir, port, user, database, app="lab"):
        self.path = os.path.join(socket_dir, f".s.PGSQL.{int(port)}")
        self.port, self.user, self.database, self.app = int(port), user, database, app
        self._sock = None
        self._lock = threading.Lock()

    def describe(self):
        return f'connection to server at "127.0.0.1", port {self.port} failed'

    def close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(self.path)
        except OSError:
            s.close()
            raise PgUnavailable(f"{self.describe()}: Connection refused") from None
        params = b""
        for k, v in (("user", self.user), ("database", self.database), ("application_name", self.app)):
            params += k.encode() + b"\0" + v.encode() + b"\0"
        params += b"\0"
        s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        self._sock = s
        self._drain()

    def _msg(self):
        head = self._recv(5)
        kind, length = head[:1], struct.unpack("!i", head[1:])[0]
        return kind, self._recv(length - 4)

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self._sock.recv(n - len(data))
            if not chunk:
                raise PgUnavailable(f"{self.describe()}: server closed the connection unexpectedly")
            data += chunk
        return data

    def _drain(self):
        """Reads until ReadyForQuery; returns (columns, rows) of the last result."""
        columns, rows, error = [], [], None
        while True:
            kind, body = self._msg()
            if kind == b"R":
                code = struct.unpack("!i", body[:4])[0]
                if code != 0:
                    raise ServerError(f"authentication method {code} not supported by the lab client")
            elif kind == b"T":
                columns, rows = self._columns(body), []
            elif kind == b"D":
                rows.append(self._row(body))
            elif kind == b"E":
                error = self._error(body)
                if self._sock is not None and b"FATAL" in body[:16]:
                    self.close()
                    raise PgUnavailable(f"{self.describe()}: {error}")
            elif kind == b"Z":
                if error:
                    raise ServerError(error)
                return columns, rows

    @staticmethod
    def _columns(body):
        n = struct.unpack("!h", body[:2])[0]
        names, pos = [], 2
        for _ in range(n):
            end = body.index(b"\0", pos)
            names.append(body[pos:end].decode())
            pos = end + 1 + 18
        return names

    @staticmethod
    def _row(body):
        n = struct.unpack("!h", body[:2])[0]
        values, pos = [], 2
        for _ in range(n):
            size = struct.unpack("!i", body[pos:pos + 4])[0]
            pos += 4
            if size < 0:
                values.append(None)
            else:
                values.append(body[pos:pos + size].decode(errors="replace"))
                pos += size
        return values

    @staticmethod
    def _error(body):
        fields = {}
        for part in body.split(b"\0"):
            if part:
                fields[part[:1].decode()] = part[1:].decode(errors="replace")
        return f"{fields.get('S', 'ERROR')}: {fields.get('M', 'unknown error')}"

    def query(self, sql):
        """Runs `sql`; returns the rows (lists of text or None) of its last statement."""
        return self.query_full(sql)[1]

    def query_full(self, sql):
        data = sql.encode() + b"\0"
        with self._lock:
            for attempt in (0, 1):
                try:
                    if self._sock is None:
                        self._connect()
                    self._sock.sendall(b"Q" + struct.pack("!i", 4 + len(data)) + data)
                    return self._drain()
                except (OSError, Unavailable) as e:
                    self.close()
                    if attempt == 1 or not isinstance(e, (BrokenPipeError, ConnectionResetError, Unavailable)):
                        raise e if isinstance(e, Unavailable) else Unavailable(f"{self.describe()}: {e}") from None

    def scalar(self, sql, default=None):
        rows = self.query(sql)
        if not rows or rows[0][0] is None:
            return default
        return rows[0][0]
