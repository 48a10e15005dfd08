"""Markdown in report text and descriptions, rendered safely for a page that makes no outside requests.

What a report author may write is CommonMark plus tables and ~~strikethrough~~, with these rules:

- raw HTML is shown as text, never as markup;
- links may point to http(s), mailto or a relative URL; any other scheme (``javascript:``, ``data:``,
  ``file:``, …) leaves the whole link as plain text;
- links to other sites get ``rel="noopener noreferrer"`` (the report's address is not sent along);
- images become links to the image (an ``<img>`` would make the page fetch from another host);
- headings are demoted below the page's own: the text's top heading becomes ``<h2>`` in a report's text
  (``<h3>`` in a card), the others keep their distance to it, none beyond ``<h6>``;
- ``$name`` is replaced by the parameter's value as literal text: the value is escaped, never read as
  Markdown or HTML.

``render`` gives HTML (the ``markdown`` Jinja filter); ``plain`` gives the text without any markup (the
``plain_text`` filter, for the index page and ``<meta name="description">``).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

from reportsite.values.tokens import PARAMETER

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
ALLOWED_SCHEMES = ("http", "https", "mailto")
_SPACES = re.compile(r"\s+")
_HIDDEN = re.compile(r"[\x00-\x20\x7f]+")


def allowed_link(url: str) -> bool:
    """True for http(s), mailto and relative URLs (``page.html``, ``#part``, ``/x``); False for any other scheme.

    The destination arrives normalized (entities decoded, then percent-encoded); it is decoded again and
    stripped of whitespace and control characters, so ``java&#9;script:`` is refused like ``javascript:``.
    """
    bare = _HIDDEN.sub("", urllib.parse.unquote(url))  # what a browser reads: tabs and newlines dropped
    match = _SCHEME.match(bare)
    return match is None or match.group(1).lower() in ALLOWED_SCHEMES


def is_external(url: str) -> bool:
    """A link that leaves the site: an http(s) URL or a protocol-relative one (``//host/…``)."""
    url = url.strip()
    scheme = _SCHEME.match(url)
    if scheme:
        return scheme.group(1).lower() in ("http", "https")
    return url.startswith(("//", "\\\\", "/\\", "\\/"))


class _SafeRenderer(RendererHTML):
    """markdown-it's HTML renderer, with images drawn as links (no request leaves the page)."""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        text = self.renderInlineAsText(token.children or [], options, env).strip() or src
        attrs = f' href="{escape(src)}"'
        if is_external(src):
            attrs += ' rel="noopener noreferrer"'
        return f"<a{attrs}>{escape(text)}</a>"

    def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return '<div class="md-table">' + self.renderToken(tokens, idx, options, env)

    def table_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self.renderToken(tokens, idx, options, env) + "</div>\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False},
                    renderer_cls=_SafeRenderer)
    md.enable(["table", "strikethrough"])
    md.validateLink = allowed_link  # type: ignore[method-assign]
    return md


def _fill(text: str, parameters: Mapping[str, Any]) -> str:
    return PARAMETER.sub(lambda m: str(parameters[m.group(1)]) if m.group(1) in parameters else m.group(0), text)


def _fill_url(url: str, parameters: Mapping[str, Any]) -> str:
    return PARAMETER.sub(lambda m: urllib.parse.quote(str(parameters[m.group(1)]), safe="")
                         if m.group(1) in parameters else m.group(0), url)


def _prepare(tokens: list[Token], parameters: Mapping[str, Any], level: int) -> list[Token]:
    """Fill parameters into text (escaped later by the renderer), demote headings, mark external links."""
    levels = [int(t.tag[1:]) for t in tokens if t.type == "heading_open"]
    shift = max(0, level - min(levels)) if levels else 0  # the text's top heading becomes h<level>
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1:]) + shift)}"
        if token.type in ("fence", "code_block") and parameters:
            token.content = _fill(token.content, parameters)
        for child in token.children or []:
            if child.type in ("text", "code_inline") and parameters:
                child.content = _fill(child.content, parameters)
            elif child.type == "link_open":
                href = _fill_url(str(child.attrGet("href") or ""), parameters) if parameters else str(
                    child.attrGet("href") or "")
                child.attrSet("href", href)
                if is_external(href):
                    child.attrSet("rel", "noopener noreferrer")
            elif child.type == "image" and parameters:
                child.attrSet("src", _fill_url(str(child.attrGet("src") or ""), parameters))
                for grandchild in child.children or []:
                    if grandchild.type in ("text", "code_inline"):
                        grandchild.content = _fill(grandchild.content, parameters)
    return tokens


def render(text: str | None, parameters: Mapping[str, Any] | None = None, level: int = 2) -> Markup:
    """Markdown ``text`` as safe HTML; its top heading is ``<h{level}>``; ``$name`` shows ``parameters[name]``."""
    if not text or not text.strip():
        return Markup("")
    md = _parser()
    tokens = _prepare(md.parse(text), parameters or {}, level)
    return Markup(md.renderer.render(tokens, md.options, {}).strip())  # safe: rendered with html off


def plain(text: str | None, parameters: Mapping[str, Any] | None = None) -> str:
    """The words of Markdown ``text`` without any markup, on one line (link text kept, URLs dropped)."""
    if not text or not text.strip():
        return ""
    parts: list[str] = []
    for token in _prepare(_parser().parse(text), parameters or {}, 1):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif child.type == "image":
                    parts.append("".join(c.content for c in child.children or []))
            parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(" " + token.content + " ")
    return _SPACES.sub(" ", "".join(parts)).strip()


__all__ = ["allowed_link", "is_external", "plain", "render"]
