"""Probe scripts: replay each counterexample on the live network from its source host.

The script is commented shell: per counterexample, what the assertion says,
where it is written, what the probe should show if the finding is real, and
the command to run on the source host (nc for tcp/udp, ping or nping for
icmp, nping --ip-proto for other protocols). Nothing runs by itself: every
command needs the right host, so a person reads the comment and runs it there.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from ..model import Packet
from ..model.service import ICMP, ICMPV6, TCP, UDP
from ..solve.result import Counterexample
from ..spec import Assertion


@dataclass(frozen=True)
class Probe:
    title: str  # the assertion's name
    location: str  # file:line of the assertion
    host: str  # where to run it
    expected: str  # what the probe shows if the finding is real
    command: str


def probe_command(packet: Packet) -> str:
    """The command that sends this packet's first packet to its destination."""
    dst = shlex.quote(packet.dst_ip)
    six = " -6" if packet.family.value == 6 else ""
    if packet.protocol == TCP:
        return f"nc{six} -vz -w 3 {dst} {packet.port}"
    if packet.protocol == UDP:
        return f"nc{six} -vzu -w 3 {dst} {packet.port}"
    if packet.protocol in (ICMP, ICMPV6):
        if (packet.icmp_type, packet.icmp_code) in ((8, 0), (128, 0)):
            return f"ping{six} -c 3 {dst}"
        return (f"nping{six} --icmp --icmp-type {packet.icmp_type} --icmp-code {packet.icmp_code}"
                f" -c 3 {dst}")
    return f"nping{six} --ip-proto {packet.protocol} -c 3 {dst}"


def expected_outcome(assertion: Assertion, counterexample: Counterexample) -> str:
    delivered = counterexample.blocked_by is None
    if delivered:
        return (f"the packet gets through (connection or reply), which the assertion "
                f"({assertion.kind.value}) says must not happen")
    return "the packet is dropped (timeout, no reply), although the assertion says it must get through"


def probe_for(assertion: Assertion, counterexample: Counterexample) -> Probe:
    src = counterexample.source
    host = f"{src.address} ({src.name})" if src.name else f"{src.address} (an unmanaged host)"
    return Probe(assertion.name, str(assertion.origin), host,
                 expected_outcome(assertion, counterexample), probe_command(counterexample.packet))


def probes_of(outcomes) -> list[Probe]:
    """One probe per violated assertion with a counterexample, in report order."""
    return [probe_for(r.assertion, r.counterexample)
            for outcome in outcomes for r in outcome.results if r.counterexample is not None]


def render_script(probes) -> str:
    lines = ["#!/bin/sh",
             "# Probes that replay sgverify counterexamples on the live network.",
             "# Run each command on the source host named above it; none runs on its own host.",
             "# A tcp probe that connects, or a udp/icmp probe that gets a reply, shows the packet",
             "# is delivered; silence or a timeout shows it is dropped (replies are stateful).",
             "exit 0  # remove this line only after reading each probe", ""]
    if not probes:
        lines.append("# no counterexamples: nothing to replay")
    for p in probes:
        lines += [f"# {p.title}", f"#   written at: {p.location}", f"#   run on: {p.host}",
                  f"#   expected if the finding is real: {p.expected}", p.command, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_probes(outcomes, path) -> None:
    from .load import write_output

    write_output(render_script(probes_of(outcomes)), path)


def write_query_probes(result, path) -> None:
    """The probe for a query's witness: delivered -> it should get through, blocked -> dropped."""
    from .load import write_output

    probes = []
    if result.witness is not None:
        src = result.witness.source
        host = f"{src.address} ({src.name})" if src.name else f"{src.address} (an unmanaged host)"
        expected = ("the packet gets through (connection or reply)" if result.verdict == "delivered"
                    else "the packet is dropped (timeout, no reply)")
        probes.append(Probe(f"query {result.source} -> {result.destination} ({result.traffic}): "
                            f"{result.verdict}", "command line", host, expected,
                            probe_command(result.witness.packet)))
    write_output(render_script(probes), path)
