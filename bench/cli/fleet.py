"""``edgebench fleet status``: the devices connected to a Ray cluster, busy or idle."""

from __future__ import annotations

import click

from bench.cli.base import json_option, print_json
from bench.lab.batch.cluster import fleet_status
from bench.report.table import render_text


@click.group()
def fleet() -> None:
    """A fleet of devices in a Ray cluster, for 'edgebench batch --executor ray'.

    \b
    On the head (the lab's machine):   ray start --head --port 6379
    On each device, with edgebench installed:
      ray start --address HEAD:6379 --resources '{"device:PROFILE": 1}'
    """


@fleet.command()
@click.option("--address", default=None, help="The cluster: ray://HOST:10001, HOST:6379 or "
                                              "auto [$RAY_ADDRESS, else auto].")
@json_option
def status(address: str | None, as_json: bool) -> None:
    """List the connected devices (nodes offering a device:* resource), busy or idle."""
    nodes = fleet_status(address)
    if as_json:
        print_json([{"node_id": n.node_id, "address": n.address, "hostname": n.hostname,
                     "devices": list(n.devices), "busy": list(n.busy), "state": n.state}
                    for n in nodes])
        return
    rows = [(", ".join(n.devices), n.state, n.address, n.hostname, n.node_id[:12])
            for n in nodes]
    click.echo(render_text(rows, ("device", "state", "address", "host", "node")))
    click.echo(f"\n{len(nodes)} device node(s)" if nodes else
               "no device has joined: on each, ray start --address HEAD:6379 "
               "--resources '{\"device:PROFILE\": 1}'")
