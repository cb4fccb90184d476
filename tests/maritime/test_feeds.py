"""Live feeds: a TCP feed that drops comes back by itself (with backoff); UDP datagrams are read."""

from __future__ import annotations

import socket
import threading
import time

from ridgeline.maritime.feeds import TcpFeed, UdpFeed
from tests.broker import free_port

LINE = b"!AIVDM,1,1,,A,13@:`L001N0ded0O6Fp8wW<00<0t,0*7B"


def serve_twice(port: int, gap_s: float, lines_each: int) -> threading.Thread:
    """A receiver that sends some lines, hangs up, is down for ``gap_s``, then sends some more."""

    def run() -> None:
        for round_ in range(2):
            with socket.socket() as server:
                server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                server.bind(("127.0.0.1", port))
                server.listen(1)
                conn, _ = server.accept()
                with conn:
                    for k in range(lines_each):
                        conn.sendall(LINE + f" {round_}-{k}".encode() + b"\n")
                    time.sleep(0.2)
            time.sleep(gap_s)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_dropped_tcp_feed_reconnects_with_backoff_and_loses_nothing_sent_after() -> None:
    port = free_port()
    server = serve_twice(port, gap_s=1.5, lines_each=50)
    feed = TcpFeed("127.0.0.1", port, initial_backoff_s=0.1, max_backoff_s=0.4)
    got: list[bytes] = []

    def read() -> None:
        for line, _ in feed.lines():
            got.append(line)
            if len(got) == 100:
                feed.stop()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    feed.stop()
    server.join(timeout=5)
    assert len(got) == 100
    assert got[0].endswith(b"0-0") and got[-1].endswith(b"1-49")
    assert feed.connects == 2 and feed.drops >= 1


def test_udp_datagrams_with_several_lines() -> None:
    port = free_port()
    feed = UdpFeed("127.0.0.1", port)
    got: list[bytes] = []

    def read() -> None:
        for line, _ in feed.lines():
            got.append(line)
            if len(got) == 3:
                feed.stop()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            sender.sendto(LINE + b"\n" + LINE + b"\n", ("127.0.0.1", port))
            time.sleep(0.2)
        sender.sendto(LINE + b"\n", ("127.0.0.1", port))
    reader.join(timeout=10)
    assert len(got) >= 3 and all(line == LINE for line in got)
