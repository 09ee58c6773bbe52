"""The code's measured shape (issue 9), checked by reading the source.

Each rule names every offending place as path:line. The rules:

1. Parameters: no function (or method, or nested function) in securedrop/domain/
   or securedrop/web/ takes more than MAX_PARAMETERS parameters. Positional-only,
   ordinary, keyword-only, *args and **kwargs each count as one; a method's
   leading `self` or `cls` does not. A collaborator that many calls need belongs
   in a service object built once, not in every signature.
2. Service locator: nowhere in securedrop/ except securedrop/web/state.py (the one
   typed app-state module) reads `current_app.extensions`, or touches an attribute
   of flask's `g` (`g.x`, `getattr(g, ...)`, `setattr`, `hasattr`, `delattr`,
   `flask.g.x`). A string key or an untyped attribute fails only at request time.
3. Private Flask API: no attribute whose name starts with one underscore (dunders
   are Python's, not Flask's) is used on a Flask object: `current_app`, `request`,
   `session` and `g` imported from flask, and any name bound to `Flask(...)` or
   `Blueprint(...)` or annotated as Flask, Blueprint or Request. Werkzeug's
   documented `_get_current_object()` of a proxy is allowed. Flask internals
   with public-looking names are banned on any object: PRIVATE_FLASK_NAMES
   (`error_handler_spec` and the other per-app registries that Flask's own
   decorators fill). Public registries such as `view_functions` and `extensions`
   (on an app, not through current_app) are allowed.
4. Size: no module in securedrop/ is longer than MAX_MODULE_LINES lines.
5. Reasons: every `# type: ignore` and `# noqa` in securedrop/, tests/, bench/ and
   scripts/ names its codes and says why, in one of these forms:
       x = f()  # type: ignore[code]  # why this is right
       x = f()  # noqa: E501 why this is right
       x = f()  # noqa: E501 (why this is right)
       x = f()  # noqa: E501  # why this is right
   (mypy accepts only a `# comment` after `ignore[...]`, hence the second `#`.)
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "securedrop"
MAX_PARAMETERS = 5
MAX_MODULE_LINES = 400
STATE_MODULE = PACKAGE / "web" / "state.py"
FLASK_GLOBALS = {"current_app", "request", "session", "g"}
FLASK_TYPES = {"Flask", "Blueprint", "Request"}
ALLOWED_PRIVATE = {"_get_current_object"}
PRIVATE_FLASK_NAMES = {
    "error_handler_spec",
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "template_context_processors",
    "url_value_preprocessors",
    "url_default_functions",
    "deferred_functions",
}
CODE = r"[A-Z]+[0-9]*"
NOQA = re.compile(rf"^noqa(?::\s*(?P<codes>{CODE}(?:\s*,\s*{CODE})*))?(?P<rest>.*)$", re.IGNORECASE)
TYPE_IGNORE = re.compile(r"^type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def _modules(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                yield path


def _where(path: Path, line: int) -> str:
    shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    return f"{shown}:{line}"


def _by_line(found: list[tuple[int, str]]) -> list[str]:
    return [text for _line, text in sorted(found)]


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _report(rule: str, offences: list[str]) -> str:
    return f"{rule} ({len(offences)}):\n  " + "\n  ".join(offences)


# -- 1. parameters ---------------------------------------------------------------


def parameter_count(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> int:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    count = len(positional) + len(args.kwonlyargs) + (args.vararg is not None) + (args.kwarg is not None)
    is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if in_class and not is_static and positional and positional[0].arg in ("self", "cls"):
        count -= 1
    return count


def _functions(tree: ast.AST) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool]]:
    """Every function with whether it is defined directly in a class body."""
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield child, isinstance(parent, ast.ClassDef)


def too_many_parameters(path: Path) -> list[str]:
    return _by_line([
        (fn.lineno, f"{_where(path, fn.lineno)}: {fn.name}() takes {n} parameters (at most {MAX_PARAMETERS})")
        for fn, in_class in _functions(_parse(path))
        if (n := parameter_count(fn, in_class)) > MAX_PARAMETERS
    ])


def test_no_function_in_domain_or_web_takes_more_than_five_parameters() -> None:
    offences = [o for p in _modules(PACKAGE / "domain", PACKAGE / "web") for o in too_many_parameters(p)]
    assert not offences, _report("functions with too many parameters", offences)


# -- 2. service locator ------------------------------------------------------------


def _flask_imports(tree: ast.Module) -> set[str]:
    """Local names bound to flask's module-level objects and types (`from flask import g`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            for alias in node.names:
                if alias.name in FLASK_GLOBALS | FLASK_TYPES:
                    names.add(alias.asname or alias.name)
    return names


def _is_flask_global(node: ast.expr, name: str, imported: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name and name in imported
    # flask.g, flask.current_app
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id == "flask"
    )


def service_locator_uses(path: Path) -> list[str]:
    tree = _parse(path)
    imported = _flask_imports(tree)
    offences: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "extensions" and _is_flask_global(node.value, "current_app", imported):
                offences.append((node.lineno, f"{_where(path, node.lineno)}: current_app.extensions"))
            elif _is_flask_global(node.value, "g", imported):
                offences.append((node.lineno, f"{_where(path, node.lineno)}: g.{node.attr}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and node.args
            and _is_flask_global(node.args[0], "g", imported)
        ):
            offences.append((node.lineno, f"{_where(path, node.lineno)}: {node.func.id}(g, ...)"))
    return _by_line(offences)


def test_app_and_request_state_is_reached_through_one_typed_module() -> None:
    offences = [o for p in _modules(PACKAGE) if p != STATE_MODULE for o in service_locator_uses(p)]
    assert not offences, _report(f"string-keyed or untyped state outside {STATE_MODULE.name}", offences)


# -- 3. private Flask API ----------------------------------------------------------


def _annotation_names(annotation: ast.expr | None) -> set[str]:
    if annotation is None:
        return set()
    return {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)
    }


def _flask_object_names(tree: ast.Module) -> set[str]:
    """Names in this module that hold a Flask app, blueprint, request, session or g."""
    imported = _flask_imports(tree)
    names = imported & FLASK_GLOBALS
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and _annotation_names(node.annotation) & FLASK_TYPES:
            names.add(node.arg)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _annotation_names(node.annotation) & FLASK_TYPES:
                names.add(node.target.id)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = node.value.func
            called_name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
            if called_name in {"Flask", "Blueprint"}:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def private_flask_uses(path: Path) -> list[str]:
    tree = _parse(path)
    flask_objects = _flask_object_names(tree)
    offences: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in PRIVATE_FLASK_NAMES:
            offences.append((node.lineno, f"{_where(path, node.lineno)}: .{node.attr} (Flask's internal registry)"))
        elif (
            node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in ALLOWED_PRIVATE
            and isinstance(node.value, ast.Name)
            and node.value.id in flask_objects
        ):
            offences.append((node.lineno, f"{_where(path, node.lineno)}: {node.value.id}.{node.attr}"))
    return _by_line(offences)


def test_no_private_flask_attribute_is_used() -> None:
    offences = [o for p in _modules(PACKAGE) for o in private_flask_uses(p)]
    assert not offences, _report("private Flask attributes", offences)


# -- 4. size -----------------------------------------------------------------------


def test_no_module_is_longer_than_400_lines() -> None:
    offences = []
    for path in _modules(PACKAGE):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offences.append(f"{_where(path, MAX_MODULE_LINES + 1)}: {lines} lines (at most {MAX_MODULE_LINES})")
    assert not offences, _report("modules to split", offences)


# -- 5. reasons --------------------------------------------------------------------


def _is_directive(segment: str) -> bool:
    return bool(NOQA.match(segment) or TYPE_IGNORE.match(segment))


def unexplained_suppressions(source: str) -> list[tuple[int, str]]:
    """(line, problem) for each `type: ignore` or `noqa` comment without codes or a reason."""
    problems = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        segments = [part.strip() for part in token.string.split("#")[1:]]
        for index, segment in enumerate(segments):
            following = next((s for s in segments[index + 1 :] if s and not _is_directive(s)), "")
            if match := TYPE_IGNORE.match(segment):
                if not match["codes"] or match["codes"] == "[]":
                    problems.append((token.start[0], "type: ignore without [error-code]"))
                elif match["rest"].strip() or not following:
                    problems.append((token.start[0], "type: ignore[...] without '  # reason' after it"))
            elif match := NOQA.match(segment):
                reason = match["rest"].strip(" -()—:") or following
                if not match["codes"]:
                    problems.append((token.start[0], "noqa without codes"))
                elif not reason:
                    problems.append((token.start[0], "noqa without a reason after its codes"))
    return problems


def test_every_type_ignore_and_noqa_says_why() -> None:
    offences = []
    for path in _modules(PACKAGE, ROOT / "tests", ROOT / "bench", ROOT / "scripts"):
        for line, problem in unexplained_suppressions(path.read_text(encoding="utf-8")):
            offences.append(f"{_where(path, line)}: {problem}")
    assert not offences, _report("suppressions without a reason", offences)


# -- the rules themselves ------------------------------------------------------------


def test_the_suppression_rule_accepts_the_documented_forms_only() -> None:
    good = [
        "x = f()  # type: ignore[arg-type]  # werkzeug's stub is narrower than its code\n",
        "x = f()  # noqa: E501 a URL cannot be wrapped\n",
        "x = f()  # noqa: S105 (published dev value)\n",
        "x = f()  # noqa: E501, S105  # both, for the same URL\n",
        "x = '# type: ignore'  # a string is not a comment\n",
    ]
    bad = [
        "x = f()  # type: ignore\n",
        "x = f()  # type: ignore[arg-type]\n",
        "x = f()  # type: ignore[arg-type] (reason)\n",
        "x = f()  # noqa\n",
        "x = f()  # noqa: E501\n",
        "x = f()  # type: ignore[misc]  # noqa: E501\n",
    ]
    assert [unexplained_suppressions(s) for s in good] == [[] for _ in good]
    assert all(unexplained_suppressions(s) for s in bad)


def test_the_other_rules_catch_what_they_describe(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from flask import Blueprint, Flask, current_app, g\n"
        "bp = Blueprint('x', __name__)\n"
        "def six(a, b, c, d, e, *, f): pass\n"
        "class C:\n"
        "    def five(self, a, b, c, d, e): pass\n"
        "def view(app: Flask) -> None:\n"
        "    current_app.extensions['securedrop.services']\n"
        "    g.user = 1\n"
        "    getattr(g, 'user')\n"
        "    app.error_handler_spec\n"
        "    bp._got_registered_once\n"
        "    current_app._get_current_object()\n"
        "    app.view_functions['x'] = view\n"
    )
    where = str(sample)
    assert too_many_parameters(sample) == [f"{where}:3: six() takes 6 parameters (at most 5)"]
    assert service_locator_uses(sample) == [
        f"{where}:7: current_app.extensions",
        f"{where}:8: g.user",
        f"{where}:9: getattr(g, ...)",
    ]
    assert private_flask_uses(sample) == [
        f"{where}:10: .error_handler_spec (Flask's internal registry)",
        f"{where}:11: bp._got_registered_once",
    ]
