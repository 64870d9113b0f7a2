"""How our YAML files (sources, taxonomy, gazetteer, alerts) are read: with libyaml where
PyYAML was built with it (a tenth of the pure-Python loader's CPU time, which every crawl
process pays at startup for the taxonomy), and refusing a key given twice in one mapping:
YAML keeps the last one, so a second `sources:` silently dropped every source above it."""

from __future__ import annotations

from typing import Any

import yaml

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":      # `<<: *base`: YAML's merge
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                repeated = key in seen
            except TypeError:                                # a list or mapping as a key
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be a plain value, not {key!r}",
                    key_node.start_mark) from None
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """The document in TEXT; raises yaml.YAMLError (with problem_mark) as yaml.safe_load."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a safe loader)
