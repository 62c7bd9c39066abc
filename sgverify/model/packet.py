"""A concrete packet: what a counterexample is made of."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .addresses import Family, format_address
from .service import PORTED, TYPED, protocol_name, service_point


@dataclass(frozen=True)
class Packet:
    family: Family
    src: int
    dst: int
    protocol: int
    port: int | None = None  # tcp/udp only
    icmp_type: int | None = None  # icmp/icmpv6 only
    icmp_code: int | None = None

    @property
    def src_ip(self) -> str:
        return format_address(self.family, self.src)

    @property
    def dst_ip(self) -> str:
        return format_address(self.family, self.dst)

    @cached_property
    def service(self) -> int:
        return service_point(self.protocol, self.port, self.icmp_type, self.icmp_code)

    def __str__(self) -> str:
        name = protocol_name(self.protocol)
        src, dst = self.src_ip, self.dst_ip
        if self.family.value == 6:
            src, dst = f"[{src}]", f"[{dst}]"
        if self.protocol in PORTED:
            return f"{name} {src}:* -> {dst}:{self.port}"
        if self.protocol in TYPED:
            return f"{name} {src} -> {dst} type {self.icmp_type} code {self.icmp_code}"
        return f"proto {name} {src} -> {dst}"
