"""What the Terraform reader tests share: read inline .tf text, list its warnings, and decide
assertions written inline, so each test shows only its configuration and its verdicts."""

from __future__ import annotations

import textwrap

from sgverify.inputs.terraform.hcl import parse_terraform_text
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import parse_spec
from sgverify.spec.resolve import resolve_spec


def tf(text: str):
    """The Loaded network of one configuration file, `main.tf` (the text is dedented first)."""
    return parse_terraform_text(textwrap.dedent(text), "main.tf")


def warnings(loaded) -> list[str]:
    return [str(w) for w in loaded.warnings]


def results(network, assertions: str) -> dict:
    """Assertion name -> its Result, for a YAML list of assertions."""
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertions), "  "))
    spec, _ = resolve_spec(doc, network)
    return {r.assertion.name: r for r in verify(network, spec)}


def verdicts(network, assertions: str) -> dict[str, Verdict]:
    return {name: r.verdict for name, r in results(network, assertions).items()}
