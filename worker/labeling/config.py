"""Parse and validate Label Studio labeling configs (XML) safely.

``parse_config`` raises ``ConfigError`` naming the problem; it never resolves entities
or DTDs (defusedxml), so XXE and entity-expansion bombs are refused, not expanded.
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from xml.etree.ElementTree import ParseError

from ..errors import ConfigError
from . import tags as T

MAX_CONFIG_BYTES = 1_000_000
_VAR = re.compile(r"^\$([A-Za-z_][\w.]*)$")


@dataclass
class Control:
    name: str
    tag: str
    to_names: list
    labels: set = field(default_factory=set)
    dynamic: bool = False  # labels come from task data: any value is accepted

    @property
    def type(self):
        return T.result_type(self.tag)


@dataclass
class ObjectTag:
    name: str
    tag: str
    value: str  # the task data field, without '$'


@dataclass
class ParsedConfig:
    objects: dict
    controls: dict

    @property
    def data_fields(self):
        return sorted({o.value for o in self.objects.values() if o.value})

    def first_object(self, *tags):
        for obj in self.objects.values():
            if not tags or obj.tag in tags:
                return obj
        return None


def parse_config(xml):
    """Parse ``xml``; return a ``ParsedConfig``. Raises ``ConfigError``."""
    return _parse_cached(xml)


@lru_cache(maxsize=256)
def _parse_cached(xml):
    if not isinstance(xml, str) or not xml.strip():
        raise ConfigError("label_config is empty")
    if len(xml) > MAX_CONFIG_BYTES:
        raise ConfigError(f"label_config is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ConfigError(f"label_config may not contain a DTD or entities ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise ConfigError(f"label_config is not well-formed XML: {exc}") from exc
    if root.tag != "View":
        raise ConfigError(f"label_config must start with <View>, not <{root.tag}>")

    objects, controls, names = {}, {}, set()
    for el in root.iter():
        if el.tag not in T.ALL_TAGS:
            raise ConfigError(f"unknown tag <{el.tag}>")
        if el.tag in T.OBJECT_TAGS or el.tag in T.CONTROL_TAGS or el.tag in T.FREE_CONTROL_TAGS:
            name = el.get("name")
            if not name:
                raise ConfigError(f"<{el.tag}> needs a name attribute")
            if name in names:
                raise ConfigError(f"duplicate name {name!r}: every object and control needs its own name")
            names.add(name)
        if el.tag in T.OBJECT_TAGS:
            objects[el.get("name")] = _object(el)
        elif el.tag in T.CONTROL_TAGS or el.tag in T.FREE_CONTROL_TAGS:
            controls[el.get("name")] = _control(el)

    if not objects:
        raise ConfigError("label_config has no object tag (Image, Text, Audio, ...) to label")
    for ctl in controls.values():
        if ctl.tag in T.FREE_CONTROL_TAGS:
            continue
        if not ctl.to_names:
            raise ConfigError(f"control {ctl.name!r} (<{ctl.tag}>) needs a toName attribute")
        for target in ctl.to_names:
            if target not in objects:
                raise ConfigError(f"control {ctl.name!r} has toName={target!r}, which names no object tag")
    return ParsedConfig(objects=objects, controls=controls)


def _object(el):
    raw = el.get("value", "")
    match = _VAR.match(raw)
    value = match.group(1).split(".")[0] if match else ""
    if not raw:
        raise ConfigError(f"<{el.tag} name={el.get('name')!r}> needs value=\"$field\"")
    return ObjectTag(name=el.get("name"), tag=el.tag, value=value)


def _control(el):
    to_names = [n.strip() for n in (el.get("toName") or "").split(",") if n.strip()]
    labels = set()
    for child in el.iter():
        if child is not el and child.tag in T.VALUE_TAGS:
            label = child.get("value") or child.get("alias")
            if label is None:
                raise ConfigError(f"<{child.tag}> inside {el.get('name')!r} needs a value attribute")
            labels.add(label)
            if child.get("alias"):
                labels.add(child.get("alias"))
    dynamic = bool(el.get("value", "").startswith("$")) or el.get("allowNew") == "true"
    if el.tag == "Taxonomy":
        dynamic = True  # paths of nested choices are validated by the editor
    return Control(name=el.get("name"), tag=el.tag, to_names=to_names, labels=labels, dynamic=dynamic)
