"""Writing a fix in the input's own format: the changed files' new texts, and a patch.

One module per format (native.py, terraform.py, cloudformation.py) turns the
edits of a fix (search.py) into changes of the user's text, found from
each rule's origin (file:line). `editable` tells the search which rules a
writer can change and which groups it can add to, so the search only offers
edits that can be written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..explore.repair import Editable
from ..model import Network
from .text import FileEdits, Unwritable, unified_diff

FORMATS = ("native", "terraform", "cloudformation")


@dataclass(frozen=True)
class Written:
    """Each changed file and its edits."""

    files: dict[str, FileEdits]

    def texts(self) -> dict[str, str]:
        """path -> the file's new text."""
        return {path: edits.text() for path, edits in self.files.items()}

    def diff(self) -> str:
        return "".join(unified_diff(edits) for _, edits in sorted(self.files.items()))


def check_writable(network: Network) -> None:
    """Raise an InputError when no patch can be written for this input at all."""
    if network.input_format not in FORMATS:
        raise InputError(f"fix writes native, Terraform (.tf) and CloudFormation (YAML) input, "
                         f"not {network.input_format}; `check --suggest-fix` shows a fix for it",
                         network.source)
    if network.input_format in ("cloudformation", "native"):
        text = Path(network.source).read_text(encoding="utf-8") if Path(network.source).is_file() else ""
        if text.lstrip().startswith(("{", "[")):
            what = "templates" if network.input_format == "cloudformation" else "networks (`sgverify import` writes one)"
            raise InputError(f"fix writes YAML {what}; this one is JSON", network.source)


def editable(network: Network) -> Editable:
    """What the search may change: for native input every rule; otherwise plain blocks and entries
    of security groups. Entries may be added to the NACLs the input writes (not default NACLs)."""
    if network.input_format == "terraform":
        from . import terraform

        cache: dict = {}
        shared = terraform.shared_origins(network)
        return Editable(rule=lambda r: terraform.editable_rule(r, cache, shared),
                        group=lambda key: terraform.editable_group(network, key),
                        nacl=lambda key: terraform.editable_nacl(network, key))
    if network.input_format == "cloudformation":
        from . import cloudformation

        cache: dict = {}
        return Editable(rule=lambda r: cloudformation.editable_rule(network, r, cache),
                        group=lambda key: cloudformation.editable_group(network, key, cache),
                        nacl=lambda key: cloudformation.editable_nacl(network, key, cache))
    def nacl_written(key: str) -> bool:
        acl = network.topology.nacls.get(key) if network.topology is not None else None
        return acl is not None and acl.origin.line is not None and acl.origin.file == network.source

    return Editable(nacl=nacl_written)


def path_editable(network: Network):
    """Which NACL entries and routes the search may change, and which tables take a route."""
    from .path_candidates import PathEditable

    if network.topology is None:
        return PathEditable()
    if network.input_format == "terraform":
        from .path_terraform import editable as of_terraform
        return of_terraform(network)
    if network.input_format == "cloudformation":
        from .path_cloudformation import editable as of_cloudformation
        return of_cloudformation(network)
    from .path_native import editable as of_native
    return of_native(network)


def write_fix(network: Network, fix) -> Written:
    """The fix as new texts of the input's files; Unwritable when an edit cannot be written."""
    if network.input_format == "terraform":
        from .terraform import write
    elif network.input_format == "cloudformation":
        from .cloudformation import write
    else:
        from .native import write
    return Written(write(network, fix))


__all__ = ["FORMATS", "Unwritable", "Written", "check_writable", "editable", "path_editable", "write_fix"]
