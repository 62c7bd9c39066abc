from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """How to verify. Passed down explicitly; there is no global configuration."""

    timeout: float | None = None  # seconds per assertion; None = no limit
    jobs: int = 1  # worker processes for run_check; 1 = check in this process
    # z3's statistics for each query (--stats); reading them costs a few
    # milliseconds a query, as much as solving a small one.
    solver_statistics: bool = False
    # With a VPC layer: the client's source ports that replies go back to
    # (`allow`), and which layers decide ("all", or "security-groups" alone).
    # None: the spec's own (`client_ports:`, `layers:`), else 1024-65535 and all.
    client_ports: tuple[int, int] | None = None
    layers: str | None = None

    def ports_for(self, assertion) -> tuple[int, int]:
        return self.client_ports or assertion.client_ports or DEFAULT_CLIENT_PORTS

    def layers_for(self, assertion) -> str:
        return self.layers or assertion.layers or "all"


DEFAULT_CLIENT_PORTS = (1024, 65535)  # the ephemeral range of ELB and NAT gateways
