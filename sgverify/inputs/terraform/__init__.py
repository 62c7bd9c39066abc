"""Terraform: `.tf` folders (HCL, modules, expressions) and `terraform show -json` plans."""

from .plan import load_terraform_plan, looks_like_terraform_plan

__all__ = ["load_terraform_plan", "looks_like_terraform_plan"]
