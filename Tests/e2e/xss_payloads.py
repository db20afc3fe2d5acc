"""The script-injection corpus of issue 14.

Every payload tries to set `window.__xss` (to 1) if a page ever runs it:
tags, attributes that break out of a quoted value, javascript: URLs, SVG,
escaped forms a careless decoder would turn back into markup, mustache
braces, and a quote or an angle bracket followed by a combining mark, a
zero-width joiner or a variation selector (the swift-mustache grapheme
bug of docs/security.md [1]).

No digits besides the `1` the hook is set to (the personal-information
masker must not touch them), and no sequence a moderation word list
matches.
"""

from __future__ import annotations

ZWJ = "\u200d"
ZWNJ = "\u200c"
ACUTE = "\u0301"          # combining acute accent
LONG_SOLIDUS = "\u0338"   # combining long solidus overlay (< + U+0338 is ≮ under NFC)
VS16 = "\ufe0f"           # variation selector-16
VS15 = "\ufe0e"

# (name, payload). Short ones first: nicknames allow 20 characters.
CORPUS: list[tuple[str, str]] = [
    ("svg-onload", "<svg onload=__xss=1>"),
    ("quote-zwj-attr", f'"{ZWJ} onfocus=__xss=1'),
    ("quote-acute-attr", f'"{ACUTE}/onclick=__xss=1'),
    ("mustache-braces", "{{{x}}}{{#x}}{{/x}}"),
    ("apos-vs16-attr", f"'{VS16} onmouseover=__xss=1"),
    ("lt-vs16-svg", f"<{VS16}svg onload=__xss=1>"),
    ("lt-zwj-img", f"<{ZWJ}img src=x onerror=__xss=1>"),
    ("lt-solidus-img", f"<{LONG_SOLIDUS}img src=x onerror=__xss=1>"),
    ("gt-acute-close", f'"{ACUTE}>{ACUTE}<svg/onload=__xss=1>'),
    ("img-onerror", '<img src=x onerror="window.__xss=1">'),
    ("break-attr-svg", '"><svg onload=window.__xss=1>'),
    ("break-apos-img", "'><img src=x onerror=window.__xss=1>"),
    ("script-tag", "<script>window.__xss=1</script>"),
    ("script-escaped", "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e"),
    ("entity-escaped", "&lt;svg onload=window.__xss=1&gt;"),
    ("javascript-link", '<a href="javascript:window.__xss=1">link</a>'),
    ("javascript-bare", "javascript:window.__xss=1"),
    ("javascript-tab", "java\tscript:window.__xss=1//"),
    ("svg-animate", "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>"),
    ("svg-script", "<svg><script>window.__xss=1</script></svg>"),
    ("svg-href", '<svg><a xlink:href="javascript:window.__xss=1"><text y=20>x</text></a></svg>'),
    ("iframe-srcdoc", "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>"),
    ("close-textarea", "</textarea><img src=x onerror=window.__xss=1>"),
    ("close-title", "</title><svg onload=window.__xss=1>"),
    ("details-toggle", "<details open ontoggle=window.__xss=1>"),
    ("mustache-triple", "{{{window.__xss}}}{{=<% %>=}}<%x%>"),
    ("template-literal", "${window.__xss=1}`;window.__xss=1;`"),
    ("json-break", '"};window.__xss=1;//</script><script>window.__xss=1</script>'),
    ("quote-zwnj-attr", f'"{ZWNJ}{ACUTE} autofocus onfocus=window.__xss=1 x="'),
    ("lt-vs15-script", f"<{VS15}script>window.__xss=1</script>"),
]

# Query-string values (GET forms echo them into an input's value).
QUERY_CORPUS: list[tuple[str, str]] = [
    ("q-quote-zwj", f'"{ZWJ}/autofocus/onfocus=__xss=1//'),
    ("q-quote-acute", f'"{ACUTE}><svg onload=__xss=1>'),
    ("q-lt-vs16", f"<{VS16}img src=x onerror=__xss=1>"),
    ("q-apos-zwj", f"'{ZWJ} autofocus onfocus=__xss=1 '"),
    ("q-mustache", "{{{x}}}{{#x}}x{{/x}}"),
]


def pack(payloads: list[str], limit: int, separator: str = " | ") -> list[str]:
    """Greedy packing of payloads into values of at most `limit` Unicode
    scalars each (how the server counts), so that one submission carries
    as many as the field allows. A payload longer than `limit` is left out
    (see `fitting`)."""
    values: list[str] = []
    current = ""
    for payload in payloads:
        if len(payload) > limit:
            continue
        candidate = payload if not current else current + separator + payload
        if len(candidate) <= limit:
            current = candidate
        else:
            values.append(current)
            current = payload
    if current:
        values.append(current)
    return values


def fitting(limit: int, *, single_line: bool = False) -> list[str]:
    """The payloads a field of `limit` characters takes; a one-line field
    (a name) refuses control characters such as a tab."""
    return [payload for _, payload in CORPUS
            if len(payload) <= limit and not (single_line and any(ord(c) < 32 for c in payload))]
