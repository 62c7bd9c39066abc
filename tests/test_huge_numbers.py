"""A number of thousands of digits is bad input (one line, file:line, exit 2), not a crash.

Python refuses to convert such digit strings to int, so without a check the
JSON and YAML parsers raise ValueError deep inside.
"""

from __future__ import annotations

from clitools import invoke, run

HUGE = "9" * 5000


def test_huge_number_in_a_json_network(tmp_path):
    net = tmp_path / "net.json"
    net.write_text('{"security_groups": {"sg-1": {"ingress": [\n'
                   f'{{"protocol": "tcp", "ports": {HUGE}, "source": "10.0.0.0/8"}}]}}}}, "resources": {{}}}}\n')
    result = run(["lint", net], 2)
    assert result.stderr.strip().splitlines() == [
        f"sgverify: {net}:2: error: a number of 5000 digits is far too long to be a value here"]


def test_huge_number_in_a_yaml_network_and_a_spec(tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text(f"security_groups:\n  sg-1:\n    ingress:\n      - {{protocol: tcp, ports: {HUGE}}}\n")
    result = invoke(["lint", net], 2)
    assert f"{net}:4: error: a number of 5000 digits" in result.stderr
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"network: net.yaml\nassertions:\n  - deny: {{from: internet, to: a, ports: {HUGE}}}\n")
    result = invoke(["check", spec], 2)
    assert f"{spec}:3: error: a number of 5000 digits" in result.stderr
