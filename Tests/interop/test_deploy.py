"""The deployment files in deploy/, checked as far as this machine allows
(docs/deployment.md).

- deploy/wenzheng.service: `systemd-analyze verify` (the unit parses, every
  setting is known, the commands exist) and `systemd-analyze security
  --offline` (the hardening is in force); the options of its ExecStart line
  are those `wenzheng serve` takes: the server is started with exactly them,
  only the paths moved into a temporary folder. This sandbox's PID 1 is not
  systemd, so the unit itself is never started here.
- deploy/nginx/wenzheng.conf: `nginx -t` on the file with only the
  certificate paths changed (to a throw-away self-signed certificate), then
  a real nginx with that file, listening on free high ports instead of 80
  and 443, in front of a real `wenzheng serve`: the HTTP port redirects to
  HTTPS, a page comes through TLS, a WebSocket upgrade to a live interview
  gets its `hello`, a body over the limit is refused, /metrics is not
  served, and the server logs the client's address as nginx saw it (a
  client on 127.0.0.2 with its own invented X-Forwarded-For), not nginx's
  and not the invented one.

Runs unprivileged-friendly: nginx gets a prefix, pid file, error log and
temporary folders in the test's own folder (`nginx -p … -e … -c …`).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from wenzheng_process import Api, HarnessError, Server, clean_environment, create_user, server_binary  # noqa: E402

UNIT = REPO_ROOT / "deploy" / "wenzheng.service"
NGINX_SITE = REPO_ROOT / "deploy" / "nginx" / "wenzheng.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
# A loopback address other than nginx's own, so the client nginx sees is
# not in the server's trusted range (127.0.0.1).
CLIENT_ADDRESS = "127.0.0.2"


# MARK: The unit


def unit_settings() -> dict[str, list[str]]:
    """Each `Name=value` of the unit, continuation lines joined."""
    settings: dict[str, list[str]] = {}
    logical = ""
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith(("#", ";", "["))):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        name, _, value = logical.partition("=")
        settings.setdefault(name.strip(), []).append(value.strip())
        logical = ""
    return settings


def exec_start() -> list[str]:
    [command] = unit_settings()["ExecStart"]
    return shlex.split(command)


def unit_for_this_machine(folder: Path) -> Path:
    """The unit with its binary replaced by the one just built (verify
    checks that the command exists and is executable)."""
    text = UNIT.read_text()
    assert text.count("ExecStart=/usr/local/bin/wenzheng ") == 1
    copy = folder / "wenzheng.service"
    copy.write_text(text.replace("ExecStart=/usr/local/bin/wenzheng ", f"ExecStart={server_binary()} "))
    return copy


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (script/test installs systemd)")
def test_the_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    unit = unit_for_this_machine(tmp_path)
    verify = subprocess.run([SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify exits 0 on unknown settings and bad values too: it only warns.
    assert verify.returncode == 0 and verify.stderr.strip() == "", f"systemd-analyze verify:\n{verify.stderr}"
    # Exposure 0.0 (locked down) to 10.0 (unprotected), times ten for
    # --threshold: the unit scores 1.6 with systemd 252.
    security = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", "--threshold=20", "--no-pager", str(unit)],
        capture_output=True, text=True, timeout=60)
    assert security.returncode == 0, f"exposure above 2.0:\n{security.stdout[-3000:]}\n{security.stderr}"


def test_the_unit_says_what_the_issue_asks() -> None:
    settings = unit_settings()
    assert settings["User"] == ["wenzheng"] and "DynamicUser" not in settings
    assert settings["StateDirectory"] == ["wenzheng"]
    assert settings["Restart"] == ["on-failure"]
    for name, value in [("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                        ("NoNewPrivileges", "yes"), ("CapabilityBoundingSet", ""),
                        ("SystemCallFilter", "@system-service")]:
        assert value in settings.get(name, []), f"{name}={value} missing"
    # 10,000 viewers (the live benchmark) is 10,000 descriptors.
    assert int(settings["LimitNOFILE"][0]) >= 20_000
    assert settings["EnvironmentFile"] == ["-/etc/wenzheng/wenzheng.env"]
    command = exec_start()
    assert command[:2] == ["/usr/local/bin/wenzheng", "serve"]
    # The database is in the state directory; a password is never an argument.
    assert command[command.index("--db") + 1].startswith("/var/lib/wenzheng/")
    assert not any("password" in argument and "file" not in argument for argument in command)


def test_the_units_options_are_those_serve_takes() -> None:
    help_text = subprocess.run([str(server_binary()), "serve", "--help"], capture_output=True, text=True,
                               env=clean_environment(), timeout=60).stdout
    for argument in exec_start()[2:]:
        if argument.startswith("--"):
            assert re.search(rf"(^|\s){re.escape(argument)}(\s|$|[ <])", help_text, re.M), \
                f"`wenzheng serve` has no option {argument}"


JOURNALD = REPO_ROOT / "deploy" / "journald" / "journald@wenzheng.conf"
SECONDS = {"s": 1, "min": 60, "h": 3600, "day": 86400, "week": 604800, "month": 2629800, "year": 31557600}


def journal_settings() -> dict[str, str]:
    settings = {}
    for line in JOURNALD.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


def test_the_journal_keeps_six_months() -> None:
    """Cybersecurity Law art. 21: at least six months. journald has no
    minimum, so the file must not set a maximum under it, must keep the
    journal on disk, and must bound it by size (docs/deployment.md)."""
    assert "LogNamespace=wenzheng" in UNIT.read_text()
    settings = journal_settings()
    assert settings["Storage"] == "persistent"
    assert re.fullmatch(r"\d+[GT]", settings["SystemMaxUse"]), settings["SystemMaxUse"]
    for name in ("MaxRetentionSec", "MaxFileSec"):
        match = re.fullmatch(r"(\d+)(s|min|h|day|week|month|year)", settings.get(name, "0s"))
        assert match, f"{name}={settings.get(name)}"
        seconds = int(match.group(1)) * SECONDS[match.group(2)]
        if name == "MaxRetentionSec":
            assert seconds == 0 or seconds >= 183 * 86400, f"{name} deletes entries before six months"
        else:
            assert seconds <= 31 * 86400


# MARK: nginx


def make_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=wenzheng.example.gov.cn", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True, timeout=60)
    return certificate, key


def replace_once(text: str, old: str, new: str) -> str:
    """A change the test makes to the shipped file; fails when the file no
    longer has the line, so the test cannot drift from the file."""
    assert text.count(old) >= 1, f"deploy/nginx/wenzheng.conf no longer has {old!r}"
    return text.replace(old, new)


def site_for_test(folder: Path, *, ports: tuple[int, int] | None = None, upstream: int | None = None) -> Path:
    certificate, key = make_certificate(folder)
    text = NGINX_SITE.read_text()
    text = replace_once(text, "/etc/ssl/wenzheng/fullchain.pem", str(certificate))
    text = replace_once(text, "/etc/ssl/wenzheng/privkey.pem", str(key))
    if ports:
        plain, tls = ports
        # IPv4 only: the sandbox may have no IPv6 loopback.
        text = replace_once(text, "    listen [::]:80;\n", "")
        text = replace_once(text, "    listen [::]:443 ssl http2;\n", "")
        text = replace_once(text, "listen 80;", f"listen 127.0.0.1:{plain};")
        text = replace_once(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{tls} ssl http2;")
        # The redirect keeps the host; the test's HTTPS port is not 443.
        text = replace_once(text, "return 301 https://$host$request_uri;", f"return 301 https://$host:{tls}$request_uri;")
    if upstream:
        text = replace_once(text, "server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream};")
    site = folder / "wenzheng.conf"
    site.write_text(text)
    # Debian's nginx.conf, reduced to what a test needs: everything nginx
    # writes stays in the folder.
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir()
    wrapper = folder / "nginx.conf"
    # As root, nginx's workers would switch to nobody, who cannot enter
    # pytest's private temporary folder: keep them as the test's user.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    wrapper.write_text(f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
""")
    return wrapper


def nginx_command(wrapper: Path, *arguments: str) -> list[str]:
    folder = wrapper.parent
    return [NGINX, "-p", f"{folder}/", "-e", str(folder / "error.log"), "-c", str(wrapper), *arguments]


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    assert Path(NGINX).exists(), "nginx is not installed (script/test installs Debian's nginx package)"
    wrapper = site_for_test(tmp_path)
    result = subprocess.run(nginx_command(wrapper, "-t"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"nginx -t:\n{result.stderr}"
    assert "test is successful" in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tls_connection(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(CLIENT_ADDRESS, 0))
    return context.wrap_socket(raw, server_hostname="wenzheng.example.gov.cn")


def read_head(connection: socket.socket) -> tuple[str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def http_request(port: int, request: str, *, tls: bool = True) -> tuple[str, bytes]:
    """One request with Connection: close; the answer's head and body."""
    if tls:
        connection: socket.socket = tls_connection(port)
    else:
        connection = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(CLIENT_ADDRESS, 0))
    with connection:
        connection.sendall(request.encode())
        head, body = read_head(connection)
        while chunk := connection.recv(65536):
            body += chunk
    return head, body


class TlsApi(Api):
    """The API client over TLS to the test's self-signed nginx."""

    def _opener(self) -> urllib.request.OpenerDirector:
        opener = getattr(self._local, "opener", None)
        if opener is None:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(self.jar), urllib.request.HTTPSHandler(context=context))
            self._local.opener = opener
        return opener


@pytest.fixture()
def behind_nginx(tmp_path: Path):
    """`wenzheng serve` with the unit's options (paths in tmp_path, port 0),
    and nginx with the shipped site in front of it."""
    state = tmp_path / "state"
    state.mkdir()
    database = state / "wenzheng.sqlite"
    create_user(server_binary(), database)
    options = exec_start()[2:]
    paths = {"--db", "--web", "--moderation", "--port", "--host"}
    extra = [argument for index, argument in enumerate(options)
             if argument not in paths and (index == 0 or options[index - 1] not in paths)]
    try:
        # The harness adds --db, --web, --moderation and --port 0; the
        # unit's own --host 127.0.0.1 is the harness's default too.
        server = Server(server_binary(), database, extra=extra, log_level="info")
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    plain, tls = free_port(), free_port()
    wrapper = site_for_test(nginx_folder, ports=(plain, tls), upstream=server.port)
    nginx = subprocess.Popen(nginx_command(wrapper, "-g", "daemon off;"), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", tls), timeout=1).close()
            break
        except OSError:
            if nginx.poll() is not None or time.monotonic() > deadline:
                nginx.kill()
                server.stop()
                log = (nginx_folder / "error.log").read_text() if (nginx_folder / "error.log").exists() else ""
                pytest.fail(f"nginx did not start:\n{nginx.stdout.read() if nginx.stdout else ''}\n{log}")
            time.sleep(0.1)
    # Signed in through nginx: the unit's --secure-cookies keeps the
    # session cookie off plain HTTP.
    api = TlsApi(f"https://127.0.0.1:{tls}")
    api.login()
    interview = api.create_live_interview("部署测试访谈")
    try:
        yield {"server": server, "plain": plain, "tls": tls, "interview": interview, "nginx_folder": nginx_folder}
    finally:
        nginx.terminate()
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
        assert server.stop() == 0, f"the server did not stop cleanly:\n{server.output()[-3000:]}"


def test_a_page_and_a_live_socket_through_nginx(behind_nginx) -> None:
    server, tls, plain = behind_nginx["server"], behind_nginx["tls"], behind_nginx["plain"]
    host = f"127.0.0.1:{tls}"
    # The retention pass is configured (docs/privacy.md), with the defaults.
    assert "Personal data: letters' personal fields erased 3 year(s) after closing, " \
        "open-day registrations deleted 1 year(s) after the day" in server.output()

    # Plain HTTP only redirects.
    head, _ = http_request(plain, f"GET /letters HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", tls=False)
    assert head.startswith("HTTP/1.1 301"), head
    assert re.search(rf"^Location: https://127\.0\.0\.1:{tls}/letters\r?$", head, re.M), head

    # A page, with a client that invents its own X-Forwarded-For.
    head, body = http_request(
        tls, f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 198.51.100.66\r\nConnection: close\r\n\r\n")
    assert head.startswith("HTTP/1.1 200"), head
    assert "Strict-Transport-Security: max-age=31536000" in head
    assert "问政".encode() in body
    request_id = re.search(r"^X-Request-Id: (\S+)", head, re.M | re.I)
    assert request_id, head

    # The server logged the address nginx saw: not nginx's own, not the invented one.
    deadline = time.monotonic() + 10
    line = None
    while line is None and time.monotonic() < deadline:
        line = next((entry for entry in server.output().splitlines()
                     if request_id.group(1) in entry and "request" in entry), None)
        time.sleep(0.1)
    assert line, f"no access-log line for {request_id.group(1)}:\n{server.output()[-3000:]}"
    assert f"client={CLIENT_ADDRESS}" in line, line

    # A live viewer's WebSocket upgrade through TLS: 101 and the hello frame.
    with tls_connection(tls) as connection:
        key = base64.b64encode(os.urandom(16)).decode()
        connection.sendall(
            f"GET /live/interviews/{behind_nginx['interview']}?since=0 HTTP/1.1\r\nHost: {host}\r\n"
            f"Origin: https://{host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n".encode())
        head, rest = read_head(connection)
        assert head.startswith("HTTP/1.1 101"), head
        while len(rest) < 2:
            rest += connection.recv(4096)
        first, length = rest[0], rest[1] & 0x7F
        header = 2
        if length == 126:
            while len(rest) < 4:
                rest += connection.recv(4096)
            length, header = struct.unpack("!H", rest[2:4])[0], 4
        while len(rest) < header + length:
            rest += connection.recv(4096)
        assert first == 0x81, f"expected a final text frame, got {first:#x}"
        hello = json.loads(rest[header:header + length])
        assert hello["type"] == "hello", hello


def test_limits_and_private_paths_through_nginx(behind_nginx) -> None:
    tls = behind_nginx["tls"]
    host = f"127.0.0.1:{tls}"
    # /metrics is never served through the public site.
    head, _ = http_request(tls, f"GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    assert head.startswith("HTTP/1.1 404"), head
    # Over nginx's 21 MiB is refused by nginx before it reaches Wenzheng.
    head, _ = http_request(
        tls, f"POST /letters HTTP/1.1\r\nHost: {host}\r\nOrigin: https://{host}\r\n"
             f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {22 * 1024 * 1024}\r\n"
             f"Connection: close\r\n\r\n")
    assert head.startswith("HTTP/1.1 413"), head
    # A form over Wenzheng's own 256 KiB gets Wenzheng's 413 problem.
    body = "x" * (300 * 1024)
    head, answer = http_request(
        tls, f"POST /login HTTP/1.1\r\nHost: {host}\r\nOrigin: https://{host}\r\nAccept: application/json\r\n"
             f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
             f"Connection: close\r\n\r\n{body}")
    assert head.startswith("HTTP/1.1 413"), head
    assert b"urn:wenzheng:problem:" in answer, answer[:300]


# MARK: Backup and restore (docs/deployment.md, "Restoring from a backup")


def test_a_backup_taken_while_serving_restores_into_a_new_state_folder_and_serves(tmp_path: Path) -> None:
    binary = server_binary()
    live, restored = tmp_path / "live", tmp_path / "restored"
    live.mkdir()
    database = live / "wenzheng.sqlite"
    create_user(binary, database)
    server = Server(binary, database)
    try:
        api = Api(server.base)
        receipt = api.request("POST", "/api/v1/letters", {
            "type": "suggestion", "subject": "备份恢复测试", "body": "延长窗口服务时间。", "authorName": "张三",
            "phone": "13812345678"}, expect=201)
        backup = tmp_path / "backups" / "wenzheng.sqlite"
        backup.parent.mkdir()
        result = subprocess.run([str(binary), "backup", "--db", str(database), str(backup)], capture_output=True, text=True,
                                env=clean_environment(), timeout=120)
        assert result.returncode == 0, result.stderr
        assert "integrity_check ok" in result.stdout
        # Written after the backup: not in the restored database.
        later = api.request("POST", "/api/v1/letters", {
            "type": "suggestion", "subject": "备份之后", "body": "这封信在备份之后。", "authorName": "李四",
            "phone": "13900001111"}, expect=201)
    finally:
        assert server.stop() == 0

    # The documented steps: a new state folder, the copy as the database,
    # no -wal or -shm beside it, then start.
    restored.mkdir()
    shutil.copy2(backup, restored / "wenzheng.sqlite")
    assert not any(restored.glob("wenzheng.sqlite-*"))
    server = Server(binary, restored / "wenzheng.sqlite")
    try:
        api = Api(server.base)
        assert api.call("GET", "/readyz")[0] == 200
        api.login()  # the staff account came back
        letter = api.request("POST", "/api/v1/letters/query", {"number": receipt["number"], "password": receipt["password"]})
        assert letter["subject"] == "备份恢复测试"
        status, _ = api.call("POST", "/api/v1/letters/query", {"number": later["number"], "password": later["password"]})
        assert status == 401, "a letter written after the backup must not be in the restored database"
    finally:
        assert server.stop() == 0
