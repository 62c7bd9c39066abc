"""More public repositories read as their authors wrote them (see test_public_repos.py).

examples/real/tgw-module is the terraform-aws-modules transit gateway example,
reduced and rewritten: transit gateway routes built with setproduct() and
chunklist(), an attachment kept off the default table, and a dual-stack VPC
whose subnets' IPv6 blocks are cut from the block Amazon assigns. Its spec's
verdicts are worked out by hand (specs/real/tgw-module.yaml says why), and
checked on the input and on what `sgverify import` wrote of it, through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

from clitools import run
from sgverify.inputs import load_network

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "examples" / "real" / "tgw-module"
SPEC = ROOT / "specs" / "real" / "tgw-module.yaml"
NO_CACHE = {"SGVERIFY_CACHE": "0"}

HOLDS, VIOLATED = "holds", "violated"
TGW_MODULE = {
    "a1 never reaches a2": HOLDS,
    "a1 reaches a2 on ssh": VIOLATED,
    "a2 never reaches a1": HOLDS,
    "the internet never reaches a1": HOLDS,
    "a1 reaches an IPv6 host on the internet on https": HOLDS,
    "a1 reaches an IPv4 host on the internet on https": VIOLATED,
    "a2 never reaches the internet": HOLDS,
}


def statuses(done) -> dict[str, str]:
    return {r["name"]: r["status"] for r in json.loads(done.stdout)["results"]}


def test_the_spec_checks_as_worked_out_by_hand():
    done = run(["check", SPEC, "--format", "json"], 1, env=NO_CACHE)
    assert statuses(done) == TGW_MODULE


def test_the_imported_network_checks_the_same(tmp_path):
    written = tmp_path / "imported.yaml"
    run(["import", FIXTURE, "-o", written], 0, env=NO_CACHE)
    done = run(["check", SPEC, "--network", written, "--format", "json"], 1, env=NO_CACHE)
    assert statuses(done) == TGW_MODULE


def test_it_warns_only_of_the_ipv6_block_amazon_assigns_and_the_addresses_from_it():
    found = [w.message for w in load_network(str(FIXTURE)).warnings]
    assert len(found) == 2, found
    assert found[0].startswith("aws_instance.a1: AWS assigns it IPv6 addresses")
    assert found[1].startswith("module.vpc1.aws_vpc.this: the IPv6 block AWS assigns")


def test_the_module_routes_and_associations_are_read_as_the_module_makes_them():
    topology = load_network(str(FIXTURE)).network.topology
    assert len(topology.transit_gateways) == 1
    own = "module.tgw.aws_ec2_transit_gateway_route_table.this"
    attach = 'module.tgw.aws_ec2_transit_gateway_vpc_attachment.this["%s"]'
    assert topology.tgw_attachments[attach % "vpc1"].route_table == own
    assert topology.tgw_attachments[attach % "vpc2"].route_table != own
    table = topology.tgw_route_tables[own]
    routes = {(str(r.destination), r.attachment or "blackhole") for r in table.routes}
    assert routes == {("30.0.0.0/16", attach % "vpc1"), ("0.0.0.0/0", "blackhole"),
                      ("50.0.0.0/16", attach % "vpc2"), ("10.10.10.10/32", "blackhole")}
    assert table.propagations == (attach % "vpc1",)
    v6 = [c for c in topology.subnets["module.vpc1.aws_subnet.private[1]"].cidrs if c.family.value == 6]
    assert len(v6) == 1 and v6[0].prefix == 64
