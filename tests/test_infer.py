"""infer: the inferred spec holds on the network it came from, and says what is true today."""

from __future__ import annotations

import glob

import yaml
from hypothesis import HealthCheck, given, settings

import oracle
import strategies as S
from clitools import invoke, run
from sgverify.explore.infer import infer, to_assertion
from sgverify.inputs import load_network
from sgverify.model import TCP, GroupPeer, Service
from sgverify.solve.prove import CompiledNetwork, check_assertion
from sgverify.solve.result import Verdict
from sgverify.spec import Kind

SLOW = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@SLOW
@given(S.networks())
def test_inferred_assertions_hold_on_random_networks(net):
    compiled = CompiledNetwork(net)
    for item in infer(net):
        assertion = to_assertion(item)
        assert check_assertion(compiled, assertion).verdict is Verdict.HOLDS, item
        assert oracle.decide(net, assertion).holds, item


def test_seed_three_is_captured_exactly():
    net = load_network("examples/seed/3-inbound-from-sg.yaml").network
    items = {(i.kind, i.resource, i.protocol, i.ports and tuple(map(str, i.ports))):
             i.sources and i.sources.names() for i in infer(net)}
    assert items == {
        (Kind.ONLY, "aws-resource-a", None, None): ["aws-resource-b"],
        (Kind.ONLY, "aws-resource-a", TCP, ("80", "443")): ["aws-resource-b"],
        (Kind.DENY, "aws-resource-a", TCP, ("0-79", "81-442", "444-65535")): None,
        (Kind.DENY, "aws-resource-b", None, None): None,
        (Kind.DENY, "aws-resource-c", None, None): None,
    }


def test_world_open_port_names_every_unmanaged_block():
    g = S.group("sg-a", ingress=[(Service(TCP, S.ports(443)), S.CidrPeer(S.cidr("0.0.0.0/0")))],
                egress=[(Service(TCP), S.CidrPeer(S.cidr("0.0.0.0/0")))])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"]), S.resource("app", ["sg-a"], ["10.0.0.6"])])
    only = [i for i in infer(net) if i.resource == "web" and i.kind is Kind.ONLY and i.protocol is None][0]
    assert only.sources.names() == ["app", "0.0.0.0/0"]


def test_infer_then_check_exits_zero_on_every_seed(tmp_path):
    for number, path in enumerate(sorted(glob.glob("examples/seed/*.yaml"))):
        out = tmp_path / f"spec{number}.yaml"
        call = run if number == 0 else invoke  # one real subprocess, the rest in process
        call(["infer", path, "-o", out], 0)
        spec = yaml.safe_load(out.read_text())
        assert spec["assertions"]
        call(["check", out], 0)


def test_a_resource_named_like_a_group_is_named_by_its_addresses():
    g = S.group("web", ingress=[(Service(TCP, S.ports(443)), GroupPeer("web"))],
                egress=[(Service(TCP), S.CidrPeer(S.cidr("10.0.0.0/8")))])
    net = S.network([g], [S.resource("web", ["web"], ["10.0.0.5"]), S.resource("app", ["web"], ["10.0.0.6"])])
    only = [i for i in infer(net) if i.resource == "app" and i.protocol is None][0]
    assert only.sources.names() == ["10.0.0.5/32"]
    assert check_assertion(net, to_assertion(only)).verdict is Verdict.HOLDS


def test_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "net.yaml"
    bad.write_text("resources: {a: {ips: [10.0.0.300], security_groups: []}}\n")
    done = run(["infer", bad], 2)
    assert len(done.stderr.strip().splitlines()) == 1
