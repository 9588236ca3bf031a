"""Views and API views read Case, Incident and Person only through user-scoped selectors.

A view that queries one of these models itself (`Case.objects...`, `get_object_or_404(Case,
...)`, a related manager walked from a model class, or guardian's `get_objects_for_user`)
fails this test. Selectors (`selectors.py`) and services are where such queries belong.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["partners", "victims", "asb_cases", "community_trigger", "reporting"]
PROTECTED = {"Case", "Incident", "Person"}
FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404", "get_objects_for_user"}


def interface_modules() -> list[Path]:
    """Modules that answer requests: views and API views of every app."""
    modules = []
    for app in APPS:
        base = ROOT / app
        modules += list(base.glob("views*.py"))
        modules += list(base.glob("api*.py"))
        modules += list((base / "api").glob("*.py")) if (base / "api").is_dir() else []
        modules += list((base / "views").glob("*.py")) if (base / "views").is_dir() else []
    return sorted(modules)


def violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in PROTECTED
            and node.attr in {"objects", "_default_manager", "_base_manager"}
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: {name}()")
            if name == "raw" or name == "extra":
                found.append(f"line {node.lineno}: .{name}() bypasses the selectors")
    return found


def test_the_checker_catches_direct_reads():
    bad = (
        "from asb_cases.models import Case\n"
        "def view(request, pk):\n"
        "    a = Case.objects.get(pk=pk)\n"
        "    b = get_object_or_404(Person, pk=pk)\n"
        "    c = get_objects_for_user(request.user, 'view_case', Case)\n"
    )
    assert len(violations(bad)) == 3


def test_there_are_views_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in interface_modules()}
    assert {"partners/views.py", "asb_cases/views.py"} <= names


@pytest.mark.parametrize(
    "module", interface_modules(), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_views_read_protected_models_only_through_selectors(module):
    found = violations(module.read_text())
    assert not found, f"{module.relative_to(ROOT)} reads protected models directly: {found}"
