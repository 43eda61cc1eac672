"""The bounded jinja2 environment every message text compiles and renders in. Staff write the
texts, so each is untrusted code: checked before parsing, walked with a whitelist, guarded and
run on a budget; whatever is refused raises `TemplateRefused` with a sentence for staff. The
names below are the package's interface."""

from __future__ import annotations

from outbound.policy.sandbox.checking import (
    compile_text,
    python_source,
    render_text,
    variables_used,
)
from outbound.policy.sandbox.environment import ENVIRONMENT, MessageSandbox
from outbound.policy.sandbox.filters import FILTERS, TESTS
from outbound.policy.sandbox.limits import (
    ALLOWED_NODES,
    BLOCK_TAGS,
    CHARACTERS_PER_STEP,
    FILTER_NAMES,
    LOOP_ATTRIBUTES,
    MAX_BLOCK_DEPTH,
    MAX_BRACKET_DEPTH,
    MAX_COMPARED_PARTS,
    MAX_CPU_SECONDS,
    MAX_ITEMS,
    MAX_LITERAL_CHARACTERS,
    MAX_LOOP_DEPTH,
    MAX_NUMBER,
    MAX_RANGE,
    MAX_RENDERED_CHARACTERS,
    MAX_SOURCE_CHARACTERS,
    MAX_STEPS,
    MAX_TAG_TOKENS,
    MAX_TOKENS,
    REFUSED_STATEMENTS,
    SKIPPED_TOKENS,
    STR_METHODS,
    TemplateRefused,
)
from outbound.policy.sandbox.spending import budget

__all__ = [
    "ALLOWED_NODES",
    "BLOCK_TAGS",
    "CHARACTERS_PER_STEP",
    "ENVIRONMENT",
    "FILTERS",
    "FILTER_NAMES",
    "LOOP_ATTRIBUTES",
    "MAX_BLOCK_DEPTH",
    "MAX_BRACKET_DEPTH",
    "MAX_COMPARED_PARTS",
    "MAX_CPU_SECONDS",
    "MAX_ITEMS",
    "MAX_LITERAL_CHARACTERS",
    "MAX_LOOP_DEPTH",
    "MAX_NUMBER",
    "MAX_RANGE",
    "MAX_RENDERED_CHARACTERS",
    "MAX_SOURCE_CHARACTERS",
    "MAX_STEPS",
    "MAX_TAG_TOKENS",
    "MAX_TOKENS",
    "REFUSED_STATEMENTS",
    "SKIPPED_TOKENS",
    "STR_METHODS",
    "TESTS",
    "MessageSandbox",
    "TemplateRefused",
    "budget",
    "compile_text",
    "python_source",
    "render_text",
    "variables_used",
]
