"""The Terraform reader and the path engine against the independent path oracle.

Random multi-VPC networks (peerings, or a transit gateway; NACLs, route tables,
security groups) are written out as a `.tf` configuration (tf_render.py), read
back by the Terraform reader, and checked there; the oracle decides on the
network as drawn. A reader that drops, adds or misreads anything on the path
(a default table's routes, a NACL's rule order, a propagation, a group
reference) shows up as a verdict the oracle disagrees with.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tf_render
from path_oracle import decide
from sgverify.inputs import load_network
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import ResourceEndpoint
from test_path_oracle import cases


def _renamed(assertion):
    def one(endpoint):
        if isinstance(endpoint, ResourceEndpoint):
            return ResourceEndpoint(f"aws_instance.{tf_render.name(endpoint.name)}")
        return endpoint
    return replace(assertion, sources=tuple(map(one, assertion.sources)),
                   destinations=tuple(map(one, assertion.destinations)))


def _read(tmp_path_factory, network):
    folder = tmp_path_factory.mktemp("tf")
    (folder / "main.tf").write_text(tf_render.render(network))
    loaded = load_network(str(folder))
    assert not loaded.warnings, [str(w) for w in loaded.warnings]
    return loaded.network


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.booleans().flatmap(lambda transit: cases(transit=transit)))
def test_the_terraform_reader_reads_what_the_oracle_decides_on(tmp_path_factory, case):
    network, assertion = case
    if not network.resources:
        return
    drawn = tf_render.writable(network)
    read = _read(tmp_path_factory, drawn)
    assert sorted(read.resources) == sorted(f"aws_instance.{tf_render.name(k)}" for k in drawn.resources)
    result = check_assertion(read, _renamed(assertion))
    assert result.verdict is not Verdict.UNKNOWN, result.reason
    witness = decide(drawn, assertion)
    if result.verdict is Verdict.HOLDS:
        assert witness is None, f"read from Terraform: holds; oracle: violated by {witness}"
    else:  # the oracle takes the free choices itself (absent NACLs, tables, targets)
        assert witness is not None, f"read from Terraform: violated by {result.counterexample.packet}; oracle: holds"
