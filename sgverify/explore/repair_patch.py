"""A suggested fix as a patch of the native network, and as AWS CLI or Terraform changes."""

from __future__ import annotations

from ..inputs.native.export import _flow, _rule
from ..model import CidrPeer, Direction, GroupPeer, Network, PrefixListPeer, Rule
from ..model.service import ALL, PORTED, TYPED, protocol_name


def render_fix(spec_path: str, network: Network, fix) -> str:
    if fix is None:
        return (f"{spec_path}: no fix found: no selection of removing, narrowing or adding rules "
                f"made every assertion hold within the search bound\n")
    lines = [f"{spec_path}: suggested fix ({len(fix.edits)} change(s)); every assertion of the spec "
             f"was proved on the edited network", f"--- {network.source or 'network'}",
             f"+++ {network.source or 'network'} (fixed)"]
    for edit in fix.edits:
        lines += patch_lines(edit)
    if network.input_format == "aws":
        lines += ["# the same change with the AWS CLI:"] + [c for e in fix.edits for c in aws_commands(e)]
    elif network.input_format.startswith("terraform"):
        lines += ["# the same change in Terraform:"] + [c for e in fix.edits for c in terraform_lines(e)]
    if network.input_format == "native":
        lines.append(f"# `sgverify fix {spec_path} -o fixed.yaml` writes the repaired network")
    elif network.input_format in ("terraform", "cloudformation"):
        lines.append(f"# `sgverify fix {spec_path} -o fix.patch` writes it as a patch (`patch -p0` or `git apply`)")
    return "\n".join(lines) + "\n"


def patch_lines(edit) -> list[str]:
    where = str(edit.target.origin) if edit.target is not None else "(new rule)"
    out = [f"@@ {where} {edit.group} {edit.direction.value}: {edit.why}"]
    if edit.target is not None:
        out.append(f"-  - {_flow(_rule(edit.target))}")
    out += [f"+  - {_flow(_rule(r))}" for r in edit.rules]
    return out


# ---------------------------------------------------------------- AWS CLI

def ip_permission(rule: Rule) -> str:
    s = rule.service
    parts = [f"IpProtocol={'-1' if s.protocol == ALL else protocol_name(s.protocol)}"]
    if s.protocol in PORTED and s.ports:
        parts += [f"FromPort={s.ports[0].lo}", f"ToPort={s.ports[0].hi}"]
    elif s.protocol in TYPED:
        parts += [f"FromPort={-1 if s.icmp_type is None else s.icmp_type}",
                  f"ToPort={-1 if s.icmp_code is None else s.icmp_code}"]
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        key = "IpRanges=[{CidrIp=%s}]" if peer.cidr.family.value == 4 else "Ipv6Ranges=[{CidrIpv6=%s}]"
        parts.append(key % peer.cidr)
    elif isinstance(peer, GroupPeer):
        parts.append("UserIdGroupPairs=[{GroupId=%s}]" % peer.group)
    elif isinstance(peer, PrefixListPeer):
        parts.append("PrefixListIds=[{PrefixListId=%s}]" % peer.prefix_list)
    return ",".join(parts)


def _split_ports(rule: Rule) -> list[Rule]:
    """One rule per port range: an IpPermission holds a single range."""
    s = rule.service
    if s.protocol in PORTED and s.ports and len(s.ports) > 1:
        from dataclasses import replace
        return [replace(rule, service=replace(s, ports=(p,))) for p in s.ports]
    return [rule]


def aws_commands(edit) -> list[str]:
    verb = "ingress" if edit.direction is Direction.INGRESS else "egress"
    out = []
    if edit.target is not None:
        out += [f"aws ec2 revoke-security-group-{verb} --group-id {edit.group} "
                f"--ip-permissions '{ip_permission(r)}'" for r in _split_ports(edit.target)]
    out += [f"aws ec2 authorize-security-group-{verb} --group-id {edit.group} "
            f"--ip-permissions '{ip_permission(r)}'" for rule in edit.rules for r in _split_ports(rule)]
    return out


# ---------------------------------------------------------------- Terraform

def terraform_block(rule: Rule) -> list[str]:
    s, block = rule.service, rule.direction.value
    ports = (s.ports[0].lo, s.ports[-1].hi) if s.protocol in PORTED and s.ports else (0, 0)
    if s.protocol in PORTED and not s.ports:
        ports = (0, 65535)
    lines = [f"  {block} {{", f'    protocol    = "{"-1" if s.protocol == ALL else protocol_name(s.protocol)}"',
             f"    from_port   = {ports[0]}", f"    to_port     = {ports[1]}"]
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        key = "cidr_blocks" if peer.cidr.family.value == 4 else "ipv6_cidr_blocks"
        lines.append(f'    {key} = ["{peer.cidr}"]')
    elif isinstance(peer, GroupPeer):
        lines.append(f'    security_groups = ["{peer.group}"]')
    elif isinstance(peer, PrefixListPeer):
        lines.append(f'    prefix_list_ids = ["{peer.prefix_list}"]')
    return lines + ["  }"]


def terraform_lines(edit) -> list[str]:
    out = [f"# {edit.why} in the security group {edit.group}"
           + (f" ({edit.target.origin})" if edit.target is not None else "")]
    if edit.target is not None:
        out += [f"-{line}" for r in _split_ports(edit.target) for line in terraform_block(r)]
    out += [f"+{line}" for rule in edit.rules for r in _split_ports(rule) for line in terraform_block(r)]
    return out
