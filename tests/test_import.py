"""`sgverify import`: what was understood, written natively, reads back the same and checks the same."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from clitools import invoke, run
from sgverify.errors import InputError
from sgverify.inputs import load_network
from sgverify.inputs.cloudformation.reader import parse_cloudformation
from sgverify.inputs.native.export import check_round_trip, differences, export_native
from sgverify.inputs.native.reader import parse_network
from sgverify.model import UnknownPeer
from sgverify.solve import verify
from sgverify.spec.parse import load_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    *sorted((ROOT / "examples" / "cloudformation").glob("*.yaml")),
    *sorted((ROOT / "examples" / "seed").glob("*.yaml")),
    *sorted((ROOT / "examples" / "terraform" / "plan").glob("*.json")),
    *sorted(p for p in (ROOT / "examples" / "terraform" / "seed").glob("*") if p.is_dir()),
    *sorted((ROOT / "examples" / "aws").glob("*.json")),
]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT / "examples"))


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_export_reads_back_as_the_same_network(path):
    network = load_network(str(path)).network
    text = export_native(network)
    again = parse_network(text, "imported.yaml").network
    assert differences(network, again) == []
    check_round_trip(network, text, "imported.yaml")  # the same check the command makes


def verdicts(network, spec_path: Path) -> dict[str, str]:
    spec, _ = resolve_spec(load_spec(spec_path), network)
    return {r.assertion.name: r.verdict.value for r in verify(network, spec)}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "specs" / "cloudformation").glob("*.yaml")))
def test_imported_template_gives_the_same_verdicts(tmp_path, name):
    template = ROOT / "examples" / "cloudformation" / name
    out = tmp_path / "network.yaml"
    invoke(["import", template, "-o", out], 0)
    spec = ROOT / "specs" / "cloudformation" / name
    assert verdicts(load_network(str(out)).network, spec) == verdicts(load_network(str(template)).network, spec)


def test_comments_name_each_origin():
    text = export_native(load_network(str(ROOT / "examples/cloudformation/4-outbound-all.yaml")).network)
    lines = text.splitlines()
    rule = next(line for line in lines if "source: SgTypeA" in line)
    assert "# examples/cloudformation/4-outbound-all.yaml:" in rule or "4-outbound-all.yaml:" in rule
    assert "SourceSecurityGroupId: !Ref SgTypeA" in rule  # as written
    group = next(line for line in lines if line.startswith("  SgTypeC:"))
    assert "4-outbound-all.yaml:" in group


def test_unknown_peers_and_services_survive_the_round_trip():
    network = parse_cloudformation(textwrap.dedent("""
        Parameters: {Peer: {Type: String}}
        Resources:
          Web:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: "web: public # not a comment"
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Peer}
                - {IpProtocol: tcp, FromPort: !Ref Peer, ToPort: 22, SourceSecurityGroupId: sg-0abc}
    """), "t.yaml").network
    again = parse_network(export_native(network), "x.yaml").network
    assert differences(network, again) == []
    first, second = again.groups["Web"].ingress
    assert isinstance(first.peer, UnknownPeer) and "Peer" in first.peer.reason
    assert second.service_unknown and again.groups["sg-0abc"].opaque
    assert again.groups["Web"].description == "web: public # not a comment"


def test_import_refuses_what_the_native_format_cannot_keep(tmp_path):
    # A resource carrying a group whose rules are not in the template: the
    # native format has no way to say "opaque, carried, rules unknown" yet.
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Box:\n    Type: AWS::EC2::Instance\n"
                        "    Properties: {PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [sg-0aaa]}\n")
    out = tmp_path / "out.yaml"
    done = run(["import", template, "-o", out], 2)
    assert "group 'sg-0aaa' is opaque (it may have members outside the input) and carried by Box" in done.stderr
    assert not out.exists()


def test_import_to_stdout_with_parameters(tmp_path):
    result = invoke(["import", ROOT / "examples/cloudformation/2-inbound-from-office.yaml", "-o", "-",
                     "--parameter", "OfficeCidr=5.5.5.0/24"], 0)
    assert "source: 5.5.5.0/24" in result.stdout and "1.1.1.1" not in result.stdout


def test_import_bad_parameter_and_format(tmp_path):
    out = tmp_path / "o.yaml"
    done = run(["import", "examples/cloudformation/1-inbound-world-web.yaml", "-o", out, "--parameter", "x"], 2)
    assert "KEY=VALUE" in done.stderr
    done = run(["import", "examples/seed/1-inbound-world-web.yaml", "-o", out, "--input-format", "cfn"], 2)
    assert "unknown input format 'cfn'" in done.stderr


def test_import_missing_file(tmp_path):
    done = run(["import", tmp_path / "nope.yaml", "-o", tmp_path / "o.yaml"], 2)
    assert "does not exist" in done.stderr


def test_round_trip_check_names_what_differs():
    network = load_network(str(ROOT / "examples/cloudformation/3-inbound-from-sg.yaml")).network
    other = load_network(str(ROOT / "examples/cloudformation/1-inbound-world-web.yaml")).network
    with pytest.raises(InputError, match="does not keep groups 'SgTypeA'"):
        check_round_trip(network, export_native(other), "x.yaml")
