"""The plan JSON reader: planned values, unknown-after-apply values, references, bad input."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sgverify.errors import InputError
from sgverify.inputs import load_network
from sgverify.inputs.native.reader import load_native
from sgverify.inputs.terraform.plan import (
    load_terraform_plan, looks_like_terraform_plan, parse_terraform_plan,
)
from sgverify.model import Cidr, CidrPeer, GroupPeer, UnknownPeer
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import load_spec, parse_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "terraform" / "plan" / "plan.json"
SEED3 = ROOT / "examples" / "terraform" / "plan" / "seed-3-existing.json"


def verdicts(network, assertions: str) -> dict[str, Verdict]:
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertions), "  "))
    spec, _ = resolve_spec(doc, network)
    return {r.assertion.name: r.verdict for r in verify(network, spec)}


def sg_rule(protocol="tcp", lo=22, hi=22, cidrs=(), v6=(), groups=(), self_=False):
    return {"cidr_blocks": list(cidrs), "description": "", "from_port": lo,
            "ipv6_cidr_blocks": list(v6), "prefix_list_ids": [], "protocol": protocol,
            "security_groups": list(groups), "self": self_, "to_port": hi}


def plan(resources, unknown=None, config=None, version="1.2"):
    """A plan document shaped like `terraform show -json` output."""
    unknown = unknown or {}
    data = {
        "format_version": version, "terraform_version": "1.6.6",
        "planned_values": {"root_module": {"resources": [
            {"address": a, "mode": "managed", "type": a.split(".")[-2].split("]")[-1],
             "name": a.split(".")[-1], "provider_name": "registry.terraform.io/hashicorp/aws",
             "schema_version": 1, "values": v, "sensitive_values": {}}
            for a, v in resources.items()]}},
        "resource_changes": [
            {"address": a, "mode": "managed", "type": a.split(".")[-2], "name": a.split(".")[-1],
             "change": {"actions": ["create"], "before": None, "after": v,
                        "after_unknown": unknown.get(a, {})}}
            for a, v in resources.items()],
    }
    if config is not None:
        data["configuration"] = {"root_module": {"resources": [
            {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
             "expressions": e} for a, e in config.items()]}}
    return json.dumps(data)


INSTANCE = {"private_ip": "10.0.1.10", "vpc_security_group_ids": ["sg-0aaa"]}


# ---------------------------------------------------------------- the example plan

def test_example_plan_resolves_groups_created_in_the_same_plan():
    loaded = load_terraform_plan(EXAMPLE)
    net = loaded.network
    app = "module.app.aws_security_group.this[0]"
    assert set(net.groups) == {"aws_security_group.web", "aws_security_group.db", app}
    web = net.groups["aws_security_group.web"]
    assert [r.peer for r in web.egress] == [GroupPeer(app)]
    assert [r.peer for r in net.groups["aws_security_group.db"].ingress] == [GroupPeer(app)]
    assert net.groups["aws_security_group.db"].egress == ()  # an existing group: known empty
    assert [r.peer for r in net.groups[app].ingress] == [GroupPeer("aws_security_group.web")]
    assert net.resources["aws_instance.web"].groups == ("aws_security_group.web",)
    assert net.resources["module.app.aws_instance.this"].subnets == (Cidr.parse("10.0.2.0/24"),)
    assert net.group_named("web").key == "aws_security_group.web"
    assert str(web.ingress[1].origin) == f"{EXAMPLE}:aws_security_group.web.ingress[0]"
    assert str(web.ingress[2].origin) == f"{EXAMPLE}:aws_security_group.web.ingress[1]"


def test_example_plan_verdicts():
    net = load_network(str(EXAMPLE)).network
    assert net.input_format == "terraform-plan"
    got = verdicts(net, """
        - {name: https open, allow: {from: internet, to: aws_instance.web, protocol: tcp, ports: 443}}
        - {name: app closed to the internet, deny: {from: internet, to: module.app.aws_instance.this}}
        - {name: db only from app, only: {from: "module.app.aws_security_group.this[0]", to: aws_db_instance.main}}
        - {name: web reaches app, allow: {from: aws_instance.web, to: module.app.aws_instance.this, protocol: tcp, ports: 8080}}
        - {name: web cannot reach db, deny: {from: aws_instance.web, to: aws_db_instance.main}}
    """)
    # web names no subnet: it is in the default VPC, apart from aws_vpc.main where the
    # app's subnet is, so its groups' 8080 rules cannot make the connection. The
    # default VPC is not in the input: whether its routes and NACL let the
    # internet in is a free choice, and an `allow` never relies on one.
    assert got == {"https open": Verdict.VIOLATED, "app closed to the internet": Verdict.HOLDS,
                   "db only from app": Verdict.HOLDS, "web reaches app": Verdict.VIOLATED,
                   "web cannot reach db": Verdict.HOLDS}


def test_seed_3_as_a_plan_of_existing_resources_gives_the_native_verdicts():
    terraform = load_terraform_plan(SEED3).network
    native = load_native(str(ROOT / "examples" / "seed" / "3-inbound-from-sg.yaml")).network
    seed = load_spec(ROOT / "specs" / "seed" / "3-inbound-from-sg.yaml")
    mine = load_spec(ROOT / "specs" / "terraform" / "3-inbound-from-sg-plan.yaml")
    expected = {r.assertion.name: r.verdict for r in verify(native, resolve_spec(seed, native)[0])}
    got = {r.assertion.name: r.verdict for r in verify(terraform, resolve_spec(mine, terraform)[0])}
    assert got == expected and set(got.values()) == {Verdict.HOLDS}


# ---------------------------------------------------------------- unknown values

def test_unknown_cidr_after_apply_is_an_unknown_rule_with_a_warning():
    text = plan(
        {"aws_security_group.a": {"name": "a", "ingress": [sg_rule(cidrs=[None])], "egress": []},
         "aws_instance.i": {"private_ip": "10.0.1.10"}},
        unknown={"aws_security_group.a": {"id": True, "ingress": [{"cidr_blocks": [True]}]},
                 "aws_instance.i": {"vpc_security_group_ids": [True]}},
        config={"aws_security_group.a": {"ingress": [{"cidr_blocks": {"references": [
                    "aws_eip.nat.public_ip", "aws_eip.nat"]}}]},
                "aws_instance.i": {"vpc_security_group_ids": {"references": [
                    "aws_security_group.a.id", "aws_security_group.a"]}}})
    loaded = parse_terraform_plan(text, "plan.json")
    rule = loaded.network.groups["aws_security_group.a"].ingress[0]
    assert isinstance(rule.peer, UnknownPeer)
    assert loaded.network.resources["aws_instance.i"].groups == ("aws_security_group.a",)
    warning = "\n".join(map(str, loaded.warnings))
    assert "plan.json:aws_security_group.a.ingress[0]: warning: aws_security_group.a.ingress[0]" \
           ".cidr_blocks is known only after apply" in warning
    got = verdicts(loaded.network, """
        - {name: no ssh from the internet, deny: {from: internet, to: aws_instance.i, protocol: tcp, ports: 22}}
    """)
    assert got["no ssh from the internet"] is not Verdict.HOLDS


def test_unknown_egress_without_configuration_is_kept_unknown():
    """Format 0.1 plans may lack `configuration`: then nothing is read as absent."""
    text = plan({"aws_security_group.a": {"name": "a", "ingress": []},
                 "aws_instance.i": {"private_ip": "10.0.1.10", "vpc_security_group_ids": ["sg-0aaa"]}},
                unknown={"aws_security_group.a": {"id": True, "egress": True}}, version="0.1")
    loaded = parse_terraform_plan(text, "plan.json")
    egress = loaded.network.groups["aws_security_group.a"].egress
    assert len(egress) == 1 and egress[0].service_unknown
    # the instance names a literal id the plan does not define: an opaque group
    assert loaded.network.groups["sg-0aaa"].opaque


def test_literal_ids_of_existing_groups_resolve_to_their_addresses():
    text = plan({"aws_security_group.a": {"id": "sg-0aaa", "name": "a", "egress": [],
                                          "ingress": [sg_rule(groups=["sg-0bbb"], self_=True)]},
                 "aws_security_group.b": {"id": "sg-0bbb", "name": "b", "ingress": [], "egress": []},
                 "aws_instance.i": INSTANCE})
    net = parse_terraform_plan(text, "plan.json").network
    peers = [r.peer for r in net.groups["aws_security_group.a"].ingress]
    assert peers == [GroupPeer("aws_security_group.b"), GroupPeer("aws_security_group.a")]
    assert net.resources["aws_instance.i"].groups == ("aws_security_group.a",)


def test_protocol_numbers_and_ipv6_in_plan_values():
    text = plan({"aws_security_group.a": {
        "id": "sg-0aaa", "egress": [],
        "ingress": [sg_rule("-1", 22, 22, cidrs=["10.0.0.0/8"]), sg_rule("47", 22, 22, v6=["::/0"])]},
        "aws_instance.i": INSTANCE})
    rules = parse_terraform_plan(text, "plan.json").network.groups["aws_security_group.a"].ingress
    assert [str(r.service) for r in rules] == ["all", "47"]
    assert rules[1].peer == CidrPeer(Cidr.parse("::/0"))


# ---------------------------------------------------------------- bad input

def test_malformed_json_names_its_line():
    with pytest.raises(InputError) as caught:
        parse_terraform_plan('{"format_version": "1.2",\n "planned_values": }', "plan.json")
    assert str(caught.value.diagnostics[0]).startswith("plan.json:2: error: not valid JSON")


@pytest.mark.parametrize("doc, message", [
    ({"format_version": "9.0", "planned_values": {}}, "unsupported plan format_version"),
    ({"resources": []}, "not a Terraform plan"),
])
def test_other_documents_are_rejected(doc, message):
    with pytest.raises(InputError) as caught:
        parse_terraform_plan(json.dumps(doc), "plan.json")
    assert message in str(caught.value)


def test_invalid_port_is_an_error_at_the_rule():
    text = plan({"aws_security_group.a": {"id": "sg-0aaa", "egress": [],
                                          "ingress": [sg_rule("tcp", 443, 80, cidrs=["0.0.0.0/0"])]}})
    with pytest.raises(InputError) as caught:
        parse_terraform_plan(text, "plan.json")
    lines = [str(d) for d in caught.value.diagnostics]
    assert lines == ["plan.json:aws_security_group.a.ingress[0]: error: aws_security_group.a."
                     "ingress[0]: invalid port range 443-80 (expected 0 <= from_port <= to_port "
                     "<= 65535)"]


def test_detection():
    assert looks_like_terraform_plan(json.loads(EXAMPLE.read_text()))
    assert not looks_like_terraform_plan({"security_groups": {}})
    assert not looks_like_terraform_plan([1, 2])


def test_state_json_and_counted_module_references():
    """`terraform show -json` of a state has `values`; module instances carry an index."""
    doc = {
        "format_version": "1.0", "terraform_version": "1.6.6",
        "values": {"root_module": {"child_modules": [{
            "address": "module.app[0]",
            "resources": [
                {"address": "module.app[0].aws_security_group.this", "mode": "managed",
                 "type": "aws_security_group", "name": "this",
                 "values": {"id": "sg-0app", "name": "app", "egress": [],
                            "ingress": [sg_rule("tcp", 8080, 8080, cidrs=["10.0.0.0/16"])]}},
                {"address": "module.app[0].aws_instance.this", "mode": "managed",
                 "type": "aws_instance", "name": "this",
                 "values": {"private_ip": "10.0.3.3", "vpc_security_group_ids": ["sg-0app"]}},
                {"address": "module.app[0].data.aws_vpc.this", "mode": "data",
                 "type": "aws_vpc", "name": "this", "values": {"id": "vpc-1"}}]}]}},
    }
    assert looks_like_terraform_plan(doc)
    net = parse_terraform_plan(json.dumps(doc), "state.json").network
    assert net.resources["module.app[0].aws_instance.this"].groups == (
        "module.app[0].aws_security_group.this",)
    assert list(net.groups) == ["module.app[0].aws_security_group.this"]


def test_unknown_list_naming_several_groups_is_not_taken_as_all_of_them():
    """`x ? [a.id] : [b.id]` names a and b, but is one of them: the peer stays unknown."""
    text = plan(
        {"aws_security_group.a": {"name": "a", "ingress": [], "egress": []},
         "aws_security_group.b": {"name": "b", "ingress": [], "egress": []},
         "aws_security_group.c": {"name": "c", "egress": [],
                                  "ingress": [dict(sg_rule(), security_groups=None)]}},
        unknown={g: {"id": True} for g in ("aws_security_group.a", "aws_security_group.b")}
        | {"aws_security_group.c": {"id": True, "ingress": [{"security_groups": True}]}},
        config={"aws_security_group.c": {"ingress": [{"security_groups": {"references": [
            "aws_security_group.a.id", "aws_security_group.a",
            "aws_security_group.b.id", "aws_security_group.b"]}}]}})
    rule = parse_terraform_plan(text, "plan.json").network.groups["aws_security_group.c"].ingress[0]
    assert isinstance(rule.peer, UnknownPeer)


def test_list_of_ids_created_in_the_same_plan_maps_element_by_element():
    text = plan(
        {"aws_security_group.a": {"name": "a", "ingress": [], "egress": []},
         "aws_security_group.b": {"id": "sg-0bbb", "name": "b", "ingress": [], "egress": []},
         "aws_instance.i": {"private_ip": "10.0.1.10", "vpc_security_group_ids": ["sg-0bbb", None]}},
        unknown={"aws_security_group.a": {"id": True},
                 "aws_instance.i": {"vpc_security_group_ids": [False, True]}},
        config={"aws_instance.i": {"vpc_security_group_ids": {"references": [
            "aws_security_group.b.id", "aws_security_group.b",
            "aws_security_group.a.id", "aws_security_group.a"]}}})
    net = parse_terraform_plan(text, "plan.json").network
    assert net.resources["aws_instance.i"].groups == ("aws_security_group.b", "aws_security_group.a")


def test_planned_blocks_in_another_order_than_written_keep_their_own_references():
    """Sets are planned in their own order: blocks are matched by their constants."""
    text = plan(
        {"aws_security_group.a": {"name": "a", "ingress": [], "egress": []},
         "aws_security_group.b": {"name": "b", "ingress": [], "egress": []},
         "aws_security_group.c": {"name": "c", "egress": [], "ingress": [
             sg_rule("tcp", 443, 443, groups=[None]), sg_rule("tcp", 22, 22, groups=[None])]}},
        unknown={"aws_security_group.a": {"id": True}, "aws_security_group.b": {"id": True},
                 "aws_security_group.c": {"id": True, "ingress": [
                     {"security_groups": [True]}, {"security_groups": [True]}]}},
        config={"aws_security_group.c": {"ingress": [
            {"from_port": {"constant_value": 22}, "to_port": {"constant_value": 22},
             "protocol": {"constant_value": "tcp"},
             "security_groups": {"references": ["aws_security_group.a.id", "aws_security_group.a"]}},
            {"from_port": {"constant_value": 443}, "to_port": {"constant_value": 443},
             "protocol": {"constant_value": "tcp"},
             "security_groups": {"references": ["aws_security_group.b.id", "aws_security_group.b"]}}]}})
    rules = parse_terraform_plan(text, "plan.json").network.groups["aws_security_group.c"].ingress
    assert [(str(r.service), r.peer) for r in rules] == [
        ("tcp/443", GroupPeer("aws_security_group.b")), ("tcp/22", GroupPeer("aws_security_group.a"))]


def test_unknown_egress_of_a_new_group_stays_unknown():
    """A plan shows `egress = (known after apply)` both for a group written without
    egress and for one whose dynamic egress iterates over an unknown value (dynamic
    blocks are absent from the configuration JSON): it cannot be read as empty."""
    text = plan({"aws_security_group.a": {"name": "a", "ingress": []},
                 "aws_instance.i": {"private_ip": "10.0.1.10"}},
                unknown={"aws_security_group.a": {"id": True, "egress": True},
                         "aws_instance.i": {"vpc_security_group_ids": [True]}},
                config={"aws_security_group.a": {"name": {"constant_value": "a"}},
                        "aws_instance.i": {"vpc_security_group_ids": {"references": [
                            "aws_security_group.a.id", "aws_security_group.a"]}}})
    loaded = parse_terraform_plan(text, "plan.json")
    egress = loaded.network.groups["aws_security_group.a"].egress
    assert len(egress) == 1 and egress[0].service_unknown
    assert "the .tf folder gives a precise answer" in "\n".join(map(str, loaded.warnings))
    got = verdicts(loaded.network, """
        - {name: a sends nothing out, deny: {from: aws_instance.i, to: internet}}
    """)
    assert got["a sends nothing out"] is not Verdict.HOLDS


def test_written_blocks_missing_from_the_plan_leave_an_unknown_rule():
    """Blocks whose values are unknown can merge in a planned set: fewer planned than written."""
    text = plan(
        {"aws_security_group.a": {"id": "sg-0aaa", "name": "a", "egress": [],
                                  "ingress": [sg_rule("tcp", 22, 22, cidrs=["10.0.0.0/8"])]}},
        config={"aws_security_group.a": {"ingress": [
            {"from_port": {"constant_value": 22}}, {"from_port": {"constant_value": 443}},
            {"from_port": {"constant_value": 8443}}]}})
    loaded = parse_terraform_plan(text, "plan.json")
    ingress = loaded.network.groups["aws_security_group.a"].ingress
    assert [str(r.service) for r in ingress] == ["tcp/22", "all"]
    assert ingress[1].service_unknown and "hides 2 written block(s)" in ingress[1].service_unknown
