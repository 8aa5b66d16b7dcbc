"""A lean SMTP sink in its own process (so it shares no GIL with the workers).

Plain aiosmtpd, offering PIPELINING as real servers do, with a handler that keeps each
message's Message-ID: the benchmark measures mailflow, not the test server's recording and
failure-injection machinery. Prints its port, then on SIGTERM writes one Message-ID per
received message to the file named on the command line, and exits.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

_MID = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)


class Recorder:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # PIPELINING, as Postfix, Exim, Exchange and Gmail offer it (aiosmtpd reads the
        # commands in order however many arrive together; it just does not say so)
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope):
        match = _MID.search(envelope.content)
        self.ids.append(match.group(1).decode() if match else "?")
        return "250 2.0.0 Ok: queued"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(out: str) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    recorder = Recorder()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=_free_port(), data_size_limit=64 * 2**20
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(controller.port, flush=True)
    stop.wait()
    controller.stop()
    Path(out).write_text("\n".join(recorder.ids))


if __name__ == "__main__":
    main(sys.argv[1])
