"""Finding the data inside an AliExpress document without parsing the whole page as HTML.

Item pages embed their data as a JavaScript assignment (`window.runParams = { data: {...} }`). We find it
with plain string search and decode the JSON at the brace with `json.JSONDecoder().raw_decode`, which is
cheap even on a 500 KB page. When the value is JavaScript rather than strict JSON (unquoted keys, single
quotes, trailing commas) a small converter turns that one object literal into JSON.
"""

from __future__ import annotations

import json
import re

_DECODER = json.JSONDecoder()
# Assignments that carry the item data, newest first. `_init_data_` is the variant some regional sites use.
_ASSIGNMENTS = ("runParams", "_init_data_")  # also matches window.runParams = ...
_DATA_KEY = re.compile(r"""\s*(?:data|"data"|'data')\s*:\s*""")
_CALLBACK = re.compile(r"[\w$.]+\s*")
_LD_JSON = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def load_json_document(text: str):
    """The document itself as JSON (plain or JSONP-wrapped), or None when it is not JSON."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return None
    if stripped[0] not in "{[":
        # JSONP: `callback({...})`, as mtop answers when asked for type=jsonp.
        paren = stripped.find("(", 0, 100)
        close = stripped.rfind(")")
        if paren == -1 or close < paren or not _CALLBACK.fullmatch(stripped[:paren]):
            return None
        stripped = stripped[paren + 1 : close]
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def find_run_params(text: str) -> tuple[dict | None, bool]:
    """(the `data` object of `window.runParams`, whether a runParams assignment exists at all).

    An empty assignment (`window.runParams = { };`, the client-rendered shell) gives (None, True).
    """
    seen = False
    for name in _ASSIGNMENTS:
        position = text.find(name)
        while position != -1:
            brace = _assignment_brace(text, position + len(name))
            if brace is not None:
                seen = True
                data = _data_of_object(text, brace)
                if data is not None:
                    return data, True
            position = text.find(name, position + len(name))
    return None, seen


def _assignment_brace(text: str, after_name: int) -> int | None:
    """Index of the "{" in `name = {`, or None when the name is not being assigned an object."""
    i = after_name
    length = len(text)
    while i < length and text[i] in " \t\r\n":
        i += 1
    if i >= length or text[i] != "=" or text[i : i + 2] in ("==", "=>"):
        return None
    i += 1
    while i < length and text[i] in " \t\r\n":
        i += 1
    return i if i < length and text[i] == "{" else None


def _data_of_object(text: str, brace: int) -> dict | None:
    """The value of the `data` key of the object literal starting at `brace` (None when empty or absent)."""
    inner = brace + 1
    key = _DATA_KEY.match(text, inner)
    if key is None:
        # `data` is not the first key: look for it among the first keys of the object.
        window = text[inner : inner + 2000]
        found = re.search(r"""(?:^|[\s,{])(?:data|"data"|'data')\s*:\s*(?=\{)""", window)
        if found is None:
            return None
        start = inner + found.end()
    else:
        start = key.end()
    if start >= len(text) or text[start] != "{":
        return None
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except ValueError:
        value = _decode_js_object(text, start)
    return value if isinstance(value, dict) and value else None


def json_ld_blocks(text: str) -> list:
    """Every JSON-LD item on the page (lists flattened, @graph expanded); broken blocks are skipped."""
    items: list = []
    for match in _LD_JSON.finditer(text):
        try:
            value = json.loads(match.group(1).strip())
        except ValueError:
            continue
        stack = value if isinstance(value, list) else [value]
        for item in stack:
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(i for i in item["@graph"] if isinstance(i, dict))
            elif isinstance(item, dict):
                items.append(item)
    return items


# --- JavaScript object literal -> JSON ---------------------------------------------------------------

_JS_BARE_WORDS = {"undefined": "null", "NaN": "null", "Infinity": "null", "!0": "true", "!1": "false"}


def _decode_js_object(text: str, start: int):
    """Decode the JS object literal at `start`: unquoted keys, 'single quotes', trailing commas, undefined."""
    converted = _js_to_json(text, start)
    if converted is None:
        return None
    try:
        return json.loads(converted)
    except ValueError:
        return None


def _js_to_json(text: str, start: int) -> str | None:
    out: list[str] = []
    depth = 0
    i = start
    length = len(text)
    while i < length:
        ch = text[i]
        if ch in "\"'":
            end = _string_end(text, i)
            if end is None:
                return None
            body = text[i + 1 : end].replace("\\'", "'")  # JSON has no \' escape
            if ch == "'":
                body = body.replace('\\"', '"').replace('"', '\\"')
            out.append('"' + body + '"')
            i = end + 1
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            while out and not out[-1].strip():
                out.pop()
            if out and out[-1] == ",":  # a trailing comma before the close
                out.pop()
            out.append(ch)
            i += 1
            if depth == 0:
                return "".join(out)
            continue
        elif ch == "/" and text[i : i + 2] in ("//", "/*"):
            i = text.find("\n" if text[i + 1] == "/" else "*/", i) + (1 if text[i + 1] == "/" else 2)
            if i <= 0:
                return None
            continue
        elif ch.isalpha() or ch in "_$!":
            word = re.match(r"!?[\w$]+", text[i:])
            token = word.group(0) if word else ch
            rest = text[i + len(token) :].lstrip()
            if rest.startswith(":"):
                out.append(json.dumps(token))  # an unquoted key
            else:
                out.append(_JS_BARE_WORDS.get(token, token))
            i += len(token)
            continue
        out.append(ch)
        i += 1
    return None


def _string_end(text: str, quote_at: int) -> int | None:
    quote = text[quote_at]
    i = quote_at + 1
    while True:
        i = text.find(quote, i)
        if i == -1:
            return None
        backslashes = 0
        j = i - 1
        while text[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2 == 0:
            return i
        i += 1
