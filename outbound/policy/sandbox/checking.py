"""From a text's source to its output: the checks on the source before jinja2
parses it (size, literals, bracket and block nesting, tokens per tag), the
whitelist walk over the parsed tree (statements, filters, tests and calls a
message text may use, named in the refusal with their line), the rewrite that
sends output, loops, `~` and comparisons through the guards, and the entry
points `compile_text`, `python_source`, `variables_used` and `render_text`.
Trees and compiled templates are cached by source.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from jinja2 import meta, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.visitor import NodeTransformer

from outbound.policy.sandbox.environment import ENVIRONMENT
from outbound.policy.sandbox.filters import FILTERS, TESTS
from outbound.policy.sandbox.limits import (
    ALLOWED_NODES,
    BLOCK_TAGS,
    FILTER_NAMES,
    MAX_BLOCK_DEPTH,
    MAX_BRACKET_DEPTH,
    MAX_LITERAL_CHARACTERS,
    MAX_LOOP_DEPTH,
    MAX_RENDERED_CHARACTERS,
    MAX_SOURCE_CHARACTERS,
    MAX_TAG_TOKENS,
    MAX_TOKENS,
    REFUSED_STATEMENTS,
    SKIPPED_TOKENS,
    STR_METHODS,
    TemplateRefused,
)
from outbound.policy.sandbox.spending import current
from outbound.policy.sandbox.values import as_text, refuse_private, too_long


def _check_tokens(source: str) -> None:
    """Refuse, before jinja2 parses it, a text whose parsing or compiling would
    recurse deeply or convert huge literals."""
    if len(source) > MAX_SOURCE_CHARACTERS:
        raise TemplateRefused(f"a message text has at most {MAX_SOURCE_CHARACTERS} characters")
    brackets = blocks = total = in_tag = 0
    first_name: str | None = None
    assigns = False
    for lineno, kind, value in ENVIRONMENT.lex(source):
        if kind in SKIPPED_TOKENS:
            continue
        if kind in ("variable_begin", "block_begin"):
            in_tag, first_name, assigns = 0, None, False
            continue
        if kind in ("variable_end", "block_end"):
            if first_name in BLOCK_TAGS or (first_name == "set" and not assigns):
                blocks += 1
                if blocks > MAX_BLOCK_DEPTH:
                    raise _refused_at(
                        lineno, f"blocks nest at most {MAX_BLOCK_DEPTH} deep in a message text"
                    )
            elif first_name is not None and first_name.startswith("end"):
                blocks = max(blocks - 1, 0)
            continue
        in_tag += 1
        total += 1
        if in_tag > MAX_TAG_TOKENS:
            raise _refused_at(
                lineno, f"a {{{{ }}}} or {{% %}} tag is too long (more than {MAX_TAG_TOKENS} parts)"
            )
        if total > MAX_TOKENS:
            raise _refused_at(
                lineno, f"the text has too many parts in its tags (more than {MAX_TOKENS})"
            )
        if kind == "name" and first_name is None:
            first_name = value
        elif kind in ("integer", "float") and len(value) > MAX_LITERAL_CHARACTERS:
            raise _refused_at(
                lineno, f"numbers in a message text have at most {MAX_LITERAL_CHARACTERS} digits"
            )
        elif kind == "operator":
            if value in "([{":
                brackets += 1
                if brackets > MAX_BRACKET_DEPTH:
                    raise _refused_at(
                        lineno, f"brackets nest at most {MAX_BRACKET_DEPTH} deep in a message text"
                    )
            elif value in ")]}":
                brackets -= 1
            elif value == "=":
                assigns = True


def _refused_at(lineno: int | None, message: str) -> TemplateRefused:
    return TemplateRefused(f"{message} (line {lineno})" if lineno else message)


def _shown(node: nodes.Node) -> str | None:
    """The expression as staff wrote it, for messages: customer.name, slots[0]."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _shown(node.node)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        inner = _shown(node.node)
        return f"{inner}[{node.arg.value!r}]" if inner else None
    return None


def _check_tree(node: nodes.Node, loops: int = 0, blocks: int = 0) -> None:
    """Refuse what message texts cannot use, naming it, with its line: statements
    before what they hold, expressions after their parts (so `x.__class__.y()`
    is refused for `__class__`, not for the call)."""
    refused = REFUSED_STATEMENTS.get(type(node))
    if refused is not None:
        raise _refused_at(node.lineno, f"{refused} is not available in message texts")
    if not isinstance(node, ALLOWED_NODES):
        raise _refused_at(node.lineno, "this part of the text is not available in message texts")
    if isinstance(node, nodes.For):
        if node.recursive:
            raise _refused_at(node.lineno, "{% for … recursive %} is not available")
        loops += 1
        if loops > MAX_LOOP_DEPTH:
            raise _refused_at(node.lineno, f"loops nest at most {MAX_LOOP_DEPTH} deep")
    if isinstance(node, nodes.Stmt) and not isinstance(node, nodes.Output | nodes.Assign):
        blocks += 1
        if blocks > MAX_BLOCK_DEPTH:
            raise _refused_at(node.lineno, f"blocks nest at most {MAX_BLOCK_DEPTH} deep")
    for child in node.iter_child_nodes():
        _check_tree(child, loops, blocks)
    _check_expression(node)


def _check_expression(node: nodes.Node) -> None:
    if isinstance(node, nodes.Name):
        refuse_private(node.name)
        if node.name == "self":
            raise _refused_at(node.lineno, "self is not available in message texts")
    elif isinstance(node, nodes.Getattr):
        refuse_private(node.attr)
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        refuse_private(node.arg.value)
    elif isinstance(node, nodes.Const):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise _refused_at(node.lineno, "the number is too large for a message text")
    elif isinstance(node, nodes.Pair):
        if not isinstance(node.key, nodes.Const) or not isinstance(node.key.value, str | int):
            raise _refused_at(node.lineno, "the names in a {…} group are plain texts or numbers")
    elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
        raise _refused_at(
            node.lineno,
            f"the filter |{node.name} is not available in message texts; the filters are "
            f"{', '.join(FILTER_NAMES)}",
        )
    elif isinstance(node, nodes.Test) and node.name not in TESTS:
        raise _refused_at(node.lineno, f"the test 'is {node.name}' is not available")
    if isinstance(node, nodes.Call | nodes.Filter | nodes.Test) and (
        node.dyn_args is not None or node.dyn_kwargs is not None
    ):
        raise _refused_at(node.lineno, "* and ** in calls are not available in message texts")
    if isinstance(node, nodes.Call):
        _check_call(node)


def _check_call(node: nodes.Call) -> None:
    callee = node.node
    if isinstance(callee, nodes.Name) and callee.name == "range":
        return
    if isinstance(callee, nodes.Getattr) and callee.attr in STR_METHODS:
        return
    if isinstance(callee, nodes.Name):
        called = f"{callee.name}()"
    elif isinstance(callee, nodes.Getattr):
        called = f"{_shown(callee) or '.' + callee.attr}()"
    else:
        called = "this value"
    raise _refused_at(
        node.lineno,
        f"calling {called} is not available in message texts; only range() and the text "
        f"methods {', '.join(sorted(STR_METHODS))}",
    )


def _guard(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None, lineno=lineno)


class _Guarded(NodeTransformer):
    """Routes what jinja2 would run unguarded through the guards: output,
    loops, `~` and comparisons."""

    def visit_Output(self, node: nodes.Output) -> nodes.Output:
        self.generic_visit(node)
        node.nodes = [
            _guard(
                "message_emit",
                [
                    nodes.Const(child.data) if isinstance(child, nodes.TemplateData) else child,
                    nodes.Const(_shown(child)),
                ],
                child.lineno,
            )
            for child in node.nodes
        ]
        return node

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = _guard("message_loop", [node.iter], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        self.generic_visit(node)
        return _guard("message_concat", list(node.nodes), node.lineno)

    def visit_Compare(self, node: nodes.Compare) -> nodes.Call:
        self.generic_visit(node)
        args: list[nodes.Expr] = [node.expr]
        for operand in node.ops:
            args += [nodes.Const(operand.op), operand.expr]
        return _guard("message_compare", args, node.lineno)


@functools.lru_cache(maxsize=256)
def _tree(source: str) -> nodes.Template:
    _check_tokens(source)
    tree = ENVIRONMENT.parse(source)
    _check_tree(tree)
    tree = _Guarded().visit(tree)
    tree.set_environment(ENVIRONMENT)
    return tree


def _safely(step: Callable[[], Any]) -> Any:
    try:
        return step()
    except (TemplateRefused, TemplateSyntaxError):
        raise
    except (RecursionError, MemoryError, SyntaxError) as error:
        # Defence behind the token limits: the parser, code generator and
        # Python's compiler all recurse over the nesting of a text.
        raise TemplateRefused("the text is nested too deeply to compile") from error


def compile_text(source: str) -> Any:
    """The compiled jinja2 template of `source`. Raises TemplateSyntaxError for
    jinja2 syntax errors and TemplateRefused for what message texts cannot do."""
    return _compiled(source)


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    tree = _safely(lambda: _tree(source))
    code = _safely(lambda: ENVIRONMENT.compile(tree))
    return ENVIRONMENT.template_class.from_code(
        ENVIRONMENT, code, ENVIRONMENT.make_globals(None), None
    )


def python_source(source: str) -> str:
    """The Python code jinja2 generates for `source`: where to look to see that
    compiling computed nothing of the text (no folded constants)."""
    tree = _safely(lambda: _tree(source))
    return _safely(lambda: ENVIRONMENT.compile(tree, raw=True))


def variables_used(source: str) -> frozenset[str]:
    """The variables `source` reads from its context (not those it sets itself).
    Raises like `compile_text`."""
    tree = _safely(lambda: _tree(source))
    return frozenset(_safely(lambda: meta.find_undeclared_variables(tree)))


def render_text(source: str, context: dict[str, Any]) -> str:
    """`source` rendered with `context`, inside the current `budget()`. Stops as
    soon as the output outgrows a message text instead of building it whole."""
    if current() is None:
        raise TemplateRefused("message texts render only inside a budget")
    template = compile_text(source)
    pieces: list[str] = []
    size = 0
    stream = template.generate(context)
    try:
        for piece in stream:
            # A {% filter %} block's result comes out unguarded; check it here.
            text = (
                piece if isinstance(piece, str) else as_text(piece, where="a {% filter %} result")
            )
            size += len(text)
            if size > 2 * MAX_RENDERED_CHARACTERS:
                raise too_long()
            pieces.append(text)
    finally:
        stream.close()
    return "".join(pieces)
