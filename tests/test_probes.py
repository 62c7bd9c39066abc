"""Probe scripts: one replay command per counterexample, with what it should show."""

from __future__ import annotations

import subprocess

from clitools import run
from sgverify.model import ICMP, ICMPV6, TCP, UDP, Family, Packet
from sgverify.explore.probes import probe_command

SPEC = """\
network: {network}
assertions:
  - name: no http from the internet
    deny: {{from: internet, to: aws-resource-a, protocol: tcp, ports: [80]}}
  - name: offices reach B on ssh
    allow: {{from: 198.51.100.0/24, to: aws-resource-b, protocol: tcp, ports: [22]}}
  - name: web stays public
    allow: {{from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}}
"""


def packet(protocol, family=Family.V4, **kw):
    dst = 0x0A00010A if family is Family.V4 else 0xFD00 << 112 | 1
    return Packet(family, 1, dst, protocol, **kw)


def test_commands_per_protocol():
    assert probe_command(packet(TCP, port=443)) == "nc -vz -w 3 10.0.1.10 443"
    assert probe_command(packet(UDP, port=53)) == "nc -vzu -w 3 10.0.1.10 53"
    assert probe_command(packet(ICMP, icmp_type=8, icmp_code=0)) == "ping -c 3 10.0.1.10"
    assert probe_command(packet(ICMP, icmp_type=3, icmp_code=4)) == \
        "nping --icmp --icmp-type 3 --icmp-code 4 -c 3 10.0.1.10"
    assert probe_command(packet(47)) == "nping --ip-proto 47 -c 3 10.0.1.10"
    assert probe_command(packet(ICMPV6, Family.V6, icmp_type=128, icmp_code=0)) == "ping -6 -c 3 fd00::1"
    assert probe_command(packet(TCP, Family.V6, port=22)) == "nc -6 -vz -w 3 fd00::1 22"


def test_check_writes_a_commented_script(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(network=(run.__globals__["ROOT"] / "examples/seed/1-inbound-world-web.yaml")))
    script = tmp_path / "probes.sh"
    run(["check", spec, "--probes", script], 1)
    text = script.read_text()
    blocks = [b for b in text.split("\n\n") if "run on:" in b]
    assert len(blocks) == 2  # one per violated assertion, none for the one that holds
    http, ssh = blocks
    assert "# no http from the internet" in http and "spec.yaml:3" in http
    assert "(an unmanaged host)" in http and "gets through" in http
    assert http.rstrip().splitlines()[-1] == "nc -vz -w 3 10.0.1.10 80"
    assert "run on: 198.51.100." in ssh and "dropped" in ssh
    assert ssh.rstrip().splitlines()[-1] == "nc -vz -w 3 10.0.2.10 22"
    # Valid shell that does nothing when run by accident.
    assert subprocess.run(["sh", "-n", str(script)]).returncode == 0
    assert subprocess.run(["sh", str(script)], capture_output=True, timeout=10).returncode == 0


def test_probes_into_a_missing_folder_is_bad_input(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(network=(run.__globals__["ROOT"] / "examples/seed/1-inbound-world-web.yaml")))
    done = run(["check", spec, "--probes", tmp_path / "nowhere" / "p.sh"], 2)
    assert len([line for line in done.stderr.splitlines() if "nowhere" in line]) == 1


def test_query_writes_the_witness_probe(tmp_path):
    script = tmp_path / "q.sh"
    run(["query", "--network", "examples/seed/3-inbound-from-sg.yaml", "--from", "aws-resource-b",
         "--to", "aws-resource-a", "--protocol", "tcp", "--port", "443", "--probes", script], 0)
    lines = script.read_text().splitlines()
    assert "run on: 10.0.2.10 (aws-resource-b)" in "\n".join(lines)
    assert lines[-1] == "nc -vz -w 3 10.0.1.10 443"
