"""What a message text may be and do, as numbers and names: the limits on its
source (size, literals, nesting, tokens), on its rendering (steps, CPU time,
output, list and number sizes), the filters, text methods and loop attributes it
may use, the jinja2 nodes it may contain and the statements refused by name, and
`TemplateRefused`, the error that tells staff which limit a text ran into. Data
only; every other module of the sandbox reads from here.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.exceptions import SecurityError

# A rendered text larger than this is a template running away, not a message.
MAX_RENDERED_CHARACTERS = 20_000
MAX_SOURCE_CHARACTERS = 20_000
MAX_RANGE = 1_000
MAX_ITEMS = 1_000  # items in a list a text builds (`*`, `+`, split)
MAX_NUMBER = 10**15  # |int| a text may compute; 15 digits, like the literals
# Before parsing: bounds on what the parser and code generator recurse over.
MAX_LITERAL_CHARACTERS = 15
MAX_BRACKET_DEPTH = 20
MAX_TAG_TOKENS = 100  # in one {{ }} or {% %}; bounds operator, filter and `not` chains
MAX_TOKENS = 1_000  # in all tags of a text; the largest default text has 79
MAX_BLOCK_DEPTH = 10
MAX_LOOP_DEPTH = 3
# While rendering: every guarded operation and loop turn is a step.
MAX_STEPS = 10_000
MAX_CPU_SECONDS = 0.05
CHARACTERS_PER_STEP = 256  # building a long text costs steps in proportion
MAX_COMPARED_PARTS = 2_000  # parts of the values one comparison may look at

FILTER_NAMES = (
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "default",
    "d",
    "length",
    "count",
    "first",
    "last",
    "join",
    "replace",
    "truncate",
    "round",
    "int",
    "abs",
)
STR_METHODS = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "replace",
        "split",
    }
)
LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
    }
)
# The statements jinja2 knows that a message text has no use for, by node type.
REFUSED_STATEMENTS = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Block: "{% block %}",
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
    nodes.ExprStmt: "{% do %}",
    nodes.Continue: "{% continue %}",
    nodes.Break: "{% break %}",
    nodes.NSRef: "setting a part of a value ({% set x.y = … %})",
    nodes.Scope: "{% autoescape %}",
    nodes.OverlayScope: "{% autoescape %}",
}
ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
    nodes.CondExpr,
    nodes.If,
    nodes.For,
    nodes.Assign,
    nodes.AssignBlock,
    nodes.With,
    nodes.FilterBlock,
    nodes.Filter,
    nodes.Test,
    nodes.Call,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Pow,
    nodes.Neg,
    nodes.Pos,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
)
# Tags that open a block closed by an {% end… %} tag (a `set` without `=` too).
BLOCK_TAGS = frozenset(
    {"if", "for", "with", "filter", "macro", "call", "block", "autoescape", "trans"}
)
SKIPPED_TOKENS = frozenset(
    {"whitespace", "data", "comment_begin", "comment", "comment_end", "raw_begin", "raw_end"}
)


class TemplateRefused(SecurityError):
    """A message text asks for something message texts cannot do; the message
    says what, for staff."""
