"""A Ray cluster of fake devices on 127.0.0.1, started the way the README tells a lab to:
``ray start --head`` and ``ray start --address ... --resources '{"device:NAME": 1}'``.

Each node is a ``ray start --block`` process of its own (so stopping it stops exactly that
node's processes, never another user's Ray), capped at one CPU, no dashboard, a small object
store, every port chosen free on 127.0.0.1. Each node's processes get
``EDGEBENCH_TEST_TRACE=<folder>/trace-<device>.txt``, so a test can tell which node ran what.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

# Ray replaces 127.0.0.1 and localhost by the machine's network address; another loopback
# address of 127/8 it leaves alone, so the cluster never leaves the loopback interface.
NODE_IP = "127.0.0.2"
OBJECT_STORE_BYTES = 80 * 1024 * 1024  # Ray's minimum is 75 MiB


_TAKEN: set[int] = set()  # ports handed out in this process: never the same one twice


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports, all held open while chosen, none handed out before."""
    socks, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket()
            socks.append(sock)
            sock.bind((NODE_IP, 0))
            port = int(sock.getsockname()[1])
            if port not in _TAKEN:
                _TAKEN.add(port)
                ports.append(port)
    finally:
        for sock in socks:
            sock.close()
    return ports


def ray_cli() -> str:
    return str(Path(sys.executable).with_name("ray"))


class LocalFleet:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.temp = Path(tempfile.mkdtemp(prefix="ebray-"))  # short: Ray's socket paths
        self.port, self.client_port = free_ports(2)
        self.nodes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def address(self) -> str:
        return f"{NODE_IP}:{self.port}"

    @property
    def client_address(self) -> str:
        return f"ray://{NODE_IP}:{self.client_port}"

    def trace(self, device: str) -> Path:
        return self.folder / f"trace-{device}.txt"

    def _ports(self) -> list[str]:
        ports = [str(p) for p in free_ports(14)]
        return ["--node-manager-port", ports[0], "--object-manager-port", ports[1],
                "--dashboard-agent-listen-port", ports[2], "--dashboard-agent-grpc-port",
                ports[3], "--metrics-export-port", ports[4], "--runtime-env-agent-port",
                ports[5], "--worker-port-list", ",".join(ports[6:])]

    def start(self, device: str, head: bool = False) -> None:
        args = [ray_cli(), "start", "--block", "--node-ip-address", NODE_IP,
                "--num-cpus", "1", "--object-store-memory", str(OBJECT_STORE_BYTES),
                "--resources", json.dumps({f"device:{device}": 1}),
                "--disable-usage-stats", *self._ports()]
        if head:
            args += ["--head", "--port", str(self.port), "--include-dashboard", "false",
                     "--ray-client-server-port", str(self.client_port),
                     "--temp-dir", str(self.temp)]
        else:
            args += ["--address", self.address]
        env = os.environ | {"EDGEBENCH_TEST_TRACE": str(self.trace(device)),
                            "RAY_USAGE_STATS_ENABLED": "0"}
        log = open(self.folder / f"ray-{device}.log", "wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        log.close()
        self.nodes[device] = proc
        self._wait_started(device, proc)

    def _wait_started(self, device: str, proc: subprocess.Popen[bytes]) -> None:
        log = self.folder / f"ray-{device}.log"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if "block forever" in log.read_text(errors="replace"):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"ray node {device} did not start:\n{log.read_text()[-3000:]}")

    def raylet(self, device: str) -> psutil.Process:
        node = psutil.Process(self.nodes[device].pid)
        return next(p for p in node.children(recursive=True) if p.name() == "raylet")

    def stop(self, device: str) -> None:
        proc = self.nodes.pop(device)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # 'ray start --block' stops its own processes
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        try:  # anything of the node's session left (workers orphaned by a kill)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for device in list(self.nodes)[::-1]:  # the head last
            self.stop(device)
        shutil.rmtree(self.temp, ignore_errors=True)
