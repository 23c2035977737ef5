"""Check JSON-LD against schema.org's own vocabulary (tests/vocab)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

VOCAB = Path(__file__).resolve().parent / "vocab" / "schemaorg-current-https.jsonld"


def _ids(value) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [i["@id"].removeprefix("schema:") for i in items if isinstance(i, dict) and "@id" in i]


@lru_cache(maxsize=1)
def vocabulary() -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """(class -> parents, property -> classes in its domain)."""
    graph = json.loads(VOCAB.read_text(encoding="utf-8"))["@graph"]
    classes, domains = {}, {}
    for node in graph:
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        name = node["@id"].removeprefix("schema:")
        if "rdfs:Class" in types:
            classes[name] = _ids(node.get("rdfs:subClassOf", []))
        if "rdf:Property" in types:
            domains[name] = set(_ids(node.get("schema:domainIncludes", [])))
    return classes, domains


def ancestors(type_name: str) -> set[str]:
    classes, _ = vocabulary()
    seen, todo = set(), [type_name]
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(classes.get(t, []))
    return seen


def problems(node, path: str = "$") -> list[str]:
    """Every unknown type and every property outside its type's domain, in a JSON-LD tree."""
    classes, domains = vocabulary()
    found = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            found += problems(item, f"{path}[{i}]")
        return found
    if not isinstance(node, dict):
        return found
    type_name = node.get("@type")
    if type_name is not None:
        if type_name not in classes:
            return [f"{path}: unknown type {type_name}"]
        allowed = ancestors(type_name)
        for key, value in node.items():
            if key.startswith("@"):
                continue
            # schema.org Actions annotate inputs as "<property>-input" (PropertyValueSpecification).
            prop = key.removesuffix("-input").removesuffix("-output")
            if prop not in domains:
                found.append(f"{path}.{key}: unknown property")
            elif not domains[prop] & allowed:
                found.append(f"{path}.{key}: not a property of {type_name}")
            found += problems(value, f"{path}.{key}")
    return found
