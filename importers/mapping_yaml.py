"""Reading a mapping file's YAML with limits, and :class:`MappingError`.

A mapping file is small, but YAML can make a small file large: anchors and aliases (``&a``,
``*a``) can name a billion values in a few lines, deep nesting exhausts the (recursive) composer,
and an alias can point into itself. So the file's size is checked before it is read
(``PASSPORTS_MAPPING_MAX_BYTES``), its nesting on the event stream before it is composed
(``PASSPORTS_MAPPING_MAX_DEPTH``), and the number of values once aliases are expanded on the
composed graph, counting each node once, before anything walks the data
(``PASSPORTS_MAPPING_MAX_NODES``). Each refusal is a MappingError naming the limit.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from importers.limits import ENV, ImportLimits
from registry.core.errors import RegistryError


class MappingError(RegistryError, ValueError):
    """A mapping file that cannot be used: says which key, on which line, and what to do."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None, key: str = "",
                 status: int | None = None, message_nl: str | None = None):
        self.source, self.line, self.key = source, line, key
        where = source + (f", line {line}" if line else "") + (f", key {key}" if key else "")
        where_nl = source + (f", regel {line}" if line else "") + (f", sleutel {key}" if key else "")
        message_nl = message_nl or message
        super().__init__(f"{where}: {message}" if where else message, status=status,
                         message_nl=f"{where_nl}: {message_nl}" if where_nl else message_nl)


def read_mapping_text(path: Path, limits: ImportLimits) -> str:
    """The text of a mapping file, refused unread beyond ``limits.mapping_bytes``."""
    with open(path, "rb") as fh:
        raw = fh.read(limits.mapping_bytes + 1)
    if len(raw) > limits.mapping_bytes:
        raise _too_large(limits, str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(f"not UTF-8 text (byte {exc.start}); save the mapping as UTF-8",
                           message_nl=f"geen UTF-8-tekst (byte {exc.start}); sla de koppeling op als UTF-8",
                           source=str(path)) from None


def _too_large(limits: ImportLimits, source: str) -> MappingError:
    return MappingError(f"the file is larger than {limits.mapping_bytes} bytes ({ENV['mapping_bytes']}); a "
                        "mapping is a few kilobytes", source=source, status=413)


def _check_events(text: str, limits: ImportLimits, source: str) -> None:
    """Refuse nesting deeper than ``limits.mapping_depth`` before the (recursive) composer runs."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > limits.mapping_depth:
                raise MappingError(f"nested more than {limits.mapping_depth} levels deep "
                                   f"({ENV['mapping_depth']}); a mapping needs about five",
                                   source=source, line=event.start_mark.line + 1, status=413,
                                   message_nl=f"meer dan {limits.mapping_depth} niveaus diep genest "
                                   f"({ENV['mapping_depth']}); een koppeling heeft er een stuk of vijf nodig")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _expanded_size(root, limits: ImportLimits, source: str) -> int:
    """The number of nodes with every alias (``*name``) replaced by what it names, up to the limit.

    A few lines of anchors and aliases can name billions of nodes (a "billion laughs" in YAML);
    they are counted once per node of the graph, so counting costs what the file holds."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]

    def children(node):
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return list(node.value) if isinstance(node, yaml.SequenceNode) else []

    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children(node))
            if sizes[key] > limits.mapping_nodes:
                raise MappingError(
                    f"the mapping expands to more than {limits.mapping_nodes} values through anchors and "
                    f"aliases (&name, *name) ({ENV['mapping_nodes']}); write the values out",
                    source=source, line=node.start_mark.line + 1, status=413,
                    message_nl=f"de koppeling groeit door ankers en aliassen (&naam, *naam) tot meer dan "
                    f"{limits.mapping_nodes} waarden ({ENV['mapping_nodes']}); schrijf de waarden uit")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise MappingError("an alias (*name) refers to a node that contains it; a mapping cannot be "
                               "recursive", source=source, line=node.start_mark.line + 1,
                               message_nl="een alias (*naam) verwijst naar een knoop waar hij zelf in staat; een "
                               "koppeling kan niet naar zichzelf verwijzen")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)
    return sizes.get(id(root), 0)


def load_yaml(text: str, source: str, limits: ImportLimits):
    """(the composed node, the data) of a mapping's YAML, within the limits."""
    if len(text) > limits.mapping_bytes:
        raise _too_large(limits, source)
    try:
        _check_events(text, limits, source)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _expanded_size(node, limits, source)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        raise MappingError(f"not valid YAML: {problem}", message_nl=f"geen geldige YAML: {problem}",
                           source=source, line=mark.line + 1 if mark else None) from exc
    except MappingError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date such as 2001-02-30
        raise MappingError(f"a value cannot be read: {exc}", source=source,
                           message_nl=f"een waarde is niet leesbaar: {exc}") from exc
    return node, data


def line_of(node, loc: tuple[str, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of the deepest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == part:
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line
