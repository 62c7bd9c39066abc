"""Suggested fixes: the edited network satisfies every assertion (checked again, and by the oracle)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
import strategies as S
from clitools import ROOT, run
from sgverify.explore.repair import apply, suggest_fix
from sgverify.explore.repair_patch import render_fix
from sgverify.model import TCP, CidrPeer, PortRange, Service
from sgverify.solve.prove import verify
from sgverify.spec import InternetEndpoint, Kind, ResourceEndpoint, Spec, Traffic

SLOW = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
WORLD = CidrPeer(S.cidr("0.0.0.0/0"))


def tcp(*ports):
    return Traffic(TCP, tuple(PortRange(p, p) for p in ports))


def all_hold(net, assertions):
    return all(r.verdict.value == "holds" for r in verify(net, Spec("s", tuple(assertions))))


def test_narrows_ports_when_removing_would_break_another_assertion():
    g = S.group("sg-a", ingress=[(Service(TCP), WORLD)])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    web = (ResourceEndpoint("web"),)
    asserts = [S.assertion(Kind.DENY, [InternetEndpoint()], web, tcp(22), name="no ssh"),
               S.assertion(Kind.ALLOW, [InternetEndpoint()], web, tcp(443), name="https")]
    fix = suggest_fix(net, asserts)
    assert fix is not None and [e.kind for e in fix.edits] == ["narrow"]
    assert fix.edits[0].rules[0].service == Service(TCP, (PortRange(0, 21), PortRange(23, 65535)))
    assert all_hold(fix.network, asserts)
    assert all(oracle.decide(fix.network, a).holds for a in asserts)
    patch = render_fix("spec.yaml", net, fix)
    assert "-  - {protocol: tcp, source: 0.0.0.0/0}" in patch
    assert "+  - {protocol: tcp, ports: [0-21, 23-65535], source: 0.0.0.0/0}" in patch


def test_adds_a_rule_for_a_blocked_allow():
    g = S.group("sg-a", egress=[(Service(TCP), WORLD)])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    office = S.cidrs_endpoint("198.51.100.0/24")
    asserts = [S.assertion(Kind.ALLOW, [office], [ResourceEndpoint("web")], tcp(22))]
    fix = suggest_fix(net, asserts)
    assert fix is not None and [e.kind for e in fix.edits] == ["add"]
    rule = fix.edits[0].rules[0]
    assert (rule.group, str(rule.peer), str(rule.service)) == ("sg-a", "198.51.100.0/24", "tcp/22")
    assert oracle.decide(fix.network, asserts[0]).holds


def test_says_so_when_no_fix_exists():
    # allow and deny of the same packets cannot both hold.
    g = S.group("sg-a", ingress=[(Service(TCP), WORLD)])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    web = (ResourceEndpoint("web"),)
    asserts = [S.assertion(Kind.DENY, [InternetEndpoint()], web, tcp(22)),
               S.assertion(Kind.ALLOW, [InternetEndpoint()], web, tcp(22))]
    fix = suggest_fix(net, asserts)
    assert fix is None
    assert "no fix found" in render_fix("spec.yaml", net, fix)


@SLOW
@given(st.data())
def test_random_fixes_are_proved_by_the_oracle(data):
    net = data.draw(S.networks())
    asserts = [data.draw(S.assertions(net)) for _ in range(2)]
    fix = suggest_fix(net, asserts, rounds=8)
    if fix is not None:
        assert all(oracle.decide(fix.network, a).holds for a in asserts)
        assert fix.network == apply(net, fix.edits)


SPEC = """\
network: {network}
assertions:
  - name: no http from the internet
    deny: {{from: internet, to: aws-resource-a, protocol: tcp, ports: [80]}}
  - name: web stays public
    allow: {{from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}}
"""


def test_check_suggest_fix_on_the_seed(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(network=ROOT / "examples/seed/1-inbound-world-web.yaml"))
    done = run(["check", spec, "--suggest-fix"], 1)
    assert "suggested fix (1 change(s))" in done.stderr
    assert "1-inbound-world-web.yaml:7 sg-type-a ingress: remove sg-type-a ingress[0]" in done.stderr
    assert "-  - {protocol: tcp, ports: 80, source: 0.0.0.0/0, description: http from anywhere}" in done.stderr


def test_check_suggest_fix_prints_aws_cli_for_a_snapshot(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"network: {ROOT / 'examples/aws/shop-snapshot.json'}\nassertions:\n"
                    "  - name: no https to the load balancer\n"
                    "    deny: {from: internet, to: shop-alb, protocol: tcp, ports: 443}\n")
    done = run(["check", spec, "--suggest-fix"], 1)
    assert "aws ec2 revoke-security-group-ingress --group-id sg-" in done.stderr


def test_suggest_fix_with_bad_spec_is_one_line(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("assertions: [\n")
    done = run(["check", spec, "--suggest-fix"], 2)
    assert len(done.stderr.strip().splitlines()) == 1


def test_terraform_input_gets_terraform_blocks():
    from sgverify.inputs import load_network

    net = load_network(str(ROOT / "examples/terraform/three-tier")).network
    deny = S.assertion(Kind.DENY, [InternetEndpoint()], [ResourceEndpoint("aws_instance.bastion")],
                       tcp(22), name="no ssh")
    fix = suggest_fix(net, [deny])
    assert fix is not None and all_hold(fix.network, [deny])
    text = render_fix("spec.yaml", net, fix)
    assert "# the same change in Terraform:" in text
    assert '-    cidr_blocks = ["198.51.100.0/28"]' in text and "security.tf:68" in text
