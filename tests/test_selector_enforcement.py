"""Protected data is read only through the access layer (docs/adr/0012-one-access-layer.md).

Every module that answers requests or builds what they show — views, API views, forms, template
tags, URL confs, tables, charts and maps, exports — is parsed, and fails if it queries a
protected model itself: `Model.objects`, `Model._default_manager` or `_base_manager` (through any
import alias, or a module alias such as `m.Case.objects`), `get_object_or_404` and friends,
guardian's `get_objects_for_user`, `.raw()`, `.extra()` or a database cursor. Selectors, services,
the access package, models and migrations are where such queries belong. And no module anywhere
reaches across apps with `apps.get_model` to avoid an import (migrations excepted: they must).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
APPS = [
    "partners",
    "victims",
    "asb_cases",
    "community_trigger",
    "feedback",
    "oversight",
    "documents",
    "reporting",
]

# Reference lists anyone may read (they hold no record of anyone).
REFERENCE = {
    "asb_cases.IncidentType",
    "asb_cases.ActionType",
    "asb_cases.ActionRule",
    "asb_cases.Ward",
    "asb_cases.Lsoa",
    "asb_cases.CaseReferenceCounter",
    "victims.VulnerabilityFactor",
    "victims.RiskQuestionnaire",
    "victims.RiskQuestion",
    "victims.ContactStandard",
    "victims.StatusDefinition",
    "community_trigger.ThresholdPolicy",
    "community_trigger.SweepRun",
    "oversight.PccReviewPolicy",
    "feedback.SurveyPolicy",
}
# Reporting's person- and case-level summaries are protected too; its counts are read through
# reporting.selectors like everything else.
REPORTING_PROTECTED = {"reporting.HouseholdRank", "reporting.CaseCostMonth"}

FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404", "get_objects_for_user"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}

# Where queries of protected models belong.
ALLOWED_PARTS = {"models.py", "selectors.py", "services.py", "selectors", "services", "migrations"}
# Domain modules below the interfaces that read as the system (each says so in its docstring).
DOMAIN = {
    "asb_cases/receivers.py",
    "asb_cases/demo.py",
    "community_trigger/engine.py",
    "community_trigger/sweep.py",
    "community_trigger/receivers.py",
    "community_trigger/recovery.py",
    "community_trigger/tasks.py",
    "community_trigger/demo.py",
    "victims/status.py",
    "reporting/demo.py",
    "config/health.py",  # SELECT 1: whether the database answers
    "partners/audit_chain.py",  # the audit log's hash chain (docs/adr/0014)
    "partners/db_insert.py",  # writes rows it is given (bulk INSERT), reads none
}


def protected_models() -> dict[str, set[str]]:
    """{module path: {model class names}} of every protected model."""
    found: dict[str, set[str]] = {}
    for label in ("victims", "asb_cases", "community_trigger", "reporting"):
        for model in apps.get_app_config(label).get_models():
            name = f"{label}.{model.__name__}"
            if name in REFERENCE or (label == "reporting" and name not in REPORTING_PROTECTED):
                continue
            found.setdefault(model.__module__, set()).add(model.__name__)
    return found


def interface_modules() -> list[Path]:
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            parts = set(relative.parts)
            if parts & ALLOWED_PARTS or relative.as_posix() in DOMAIN:
                continue
            if "management" in parts or "tests" in parts:
                continue
            modules.append(path)
    modules += [
        path
        for path in sorted((ROOT / "config").glob("*.py"))
        if path.relative_to(ROOT).as_posix() not in DOMAIN
    ]
    return modules


def violations(source: str, protected: dict[str, set[str]]) -> list[str]:
    tree = ast.parse(source)
    names: set[str] = set()  # local names bound to a protected model class
    module_aliases: dict[str, set[str]] = {}  # local name -> protected class names in it
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in protected:
            for alias in node.names:
                if alias.name in protected[node.module]:
                    names.add(alias.asname or alias.name)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if dotted in protected:
                    module_aliases[alias.asname or alias.name] = protected[dotted]
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in protected:
                    local = alias.asname or alias.name.split(".")[0]
                    module_aliases[alias.asname or alias.name] = protected[alias.name]
                    module_aliases.setdefault(local, protected[alias.name])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in names:
                found.append(f"line {node.lineno}: {owner.id}.{node.attr}")
            elif isinstance(owner, ast.Attribute):
                base = ast.unparse(owner.value)
                if owner.attr in module_aliases.get(base, set()):
                    found.append(f"line {node.lineno}: {base}.{owner.attr}.{node.attr}")
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: {name}()")
            if name in {"raw", "extra", "cursor"}:
                found.append(f"line {node.lineno}: .{name}() bypasses the access layer")
    return found


def get_model_calls(source: str) -> list[str]:
    return [
        f"line {node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) in {"get_model", "get_models"}
    ]


PROTECTED = protected_models()


def test_the_checker_catches_direct_reads():
    bad = (
        "from asb_cases.models import Case, Incident as I\n"
        "import victims.models as vm\n"
        "from asb_cases import models as cm\n"
        "def view(request, pk):\n"
        "    a = Case.objects.get(pk=pk)\n"
        "    b = I._default_manager.all()\n"
        "    c = vm.PersonDetails.objects.all()\n"
        "    d = cm.CaseNote._base_manager.all()\n"
        "    e = get_object_or_404(Case, pk=pk)\n"
        "    f = get_objects_for_user(request.user, 'view_case', Case)\n"
        "    g = Case.objects.raw('select 1')\n"
    )
    assert len(violations(bad, PROTECTED)) == 8


def test_the_checker_lets_reference_lists_through():
    fine = (
        "from asb_cases.models import IncidentType\n"
        "from partners.models import Organisation\n"
        "x = IncidentType.objects.all()\n"
        "y = Organisation.objects.all()\n"
    )
    assert violations(fine, PROTECTED) == []


def test_protected_models_include_every_kind_of_record():
    names = {name for names in PROTECTED.values() for name in names}
    assert {
        "Case",
        "Incident",
        "Person",
        "PersonDetails",
        "CaseNote",
        "ImpactStatement",
        "RiskAssessment",
        "ContactLog",
        "SupportReferral",
        "Application",
        "ApplicationStatement",
        "Evidence",
        "Recommendation",
        "ResolutionMeeting",
        "SweepAlert",
        "HouseholdRank",
    } <= names


def test_there_are_interface_modules_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in interface_modules()}
    assert {
        "partners/views.py",
        "asb_cases/views.py",
        "asb_cases/forms.py",
        "victims/api.py",
        "community_trigger/forms.py",
        "reporting/views.py",
        "reporting/templatetags/dashboards.py",
    } <= names
    assert any(name.startswith("asb_cases/api/") for name in names)


@pytest.mark.parametrize(
    "module", interface_modules(), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_interfaces_read_protected_models_only_through_the_access_layer(module):
    found = violations(module.read_text(), PROTECTED)
    assert not found, f"{module.relative_to(ROOT)} reads protected models directly: {found}"


def every_module() -> list[Path]:
    modules = []
    for package in [*APPS, "access", "config"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules.append(path)
    return modules


@pytest.mark.parametrize("module", every_module(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_reaches_across_apps_with_get_model(module):
    found = get_model_calls(module.read_text())
    assert not found, f"{module.relative_to(ROOT)} calls apps.get_model: {found}"
