"""Reading what a model needs from a Label Studio labeling config.

Parsed with defusedxml (no DTDs or entities), like the service does. Labels keep the order
they have in the config, which is the order of a classifier's outputs.
"""
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

#: Control tags whose children name the classes (``<Choice>`` / ``<Label>``).
LABEL_CHILDREN = {"Choice", "Label"}
MAX_CONFIG_BYTES = 1_000_000


class ConfigMismatch(ValueError):
    """The labeling config has no control/object pair this model can serve."""


@dataclass(frozen=True)
class Binding:
    """One control tag bound to the object tag it labels: what a model reads and writes."""

    from_name: str
    to_name: str
    control: str  # control tag, e.g. "Choices"
    object: str  # object tag, e.g. "Image"
    value: str  # task data field, without "$"
    labels: tuple = field(default_factory=tuple)

    @property
    def type(self):
        """The result ``type``: the control tag in lower case, as Label Studio writes it."""
        return self.control.lower()


def parse(label_config):
    """All (control, object) bindings of ``label_config``, in document order.

    Raises ConfigMismatch for XML that is empty, too large, malformed or unsafe.
    """
    if not isinstance(label_config, str) or not label_config.strip():
        raise ConfigMismatch("label_config is empty")
    if len(label_config) > MAX_CONFIG_BYTES:
        raise ConfigMismatch("label_config is too large")
    try:
        root = SafeET.fromstring(label_config, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception as exc:  # defusedxml and expat raise several unrelated types
        raise ConfigMismatch(f"label_config is not safe, well-formed XML: {exc}") from exc
    objects = {}
    for el in root.iter():
        value = el.get("value", "")
        if el.get("name") and value.startswith("$"):
            objects[el.get("name")] = (el.tag, value[1:])
    out = []
    for el in root.iter():
        to_name = el.get("toName")
        if not el.get("name") or not to_name:
            continue
        target = objects.get(to_name.split(",")[0])
        if target is None:
            continue
        labels = tuple(c.get("value") for c in el if c.tag in LABEL_CHILDREN and c.get("value"))
        out.append(Binding(el.get("name"), to_name.split(",")[0], el.tag, target[0], target[1], labels))
    return out


def find(label_config, shapes):
    """The first binding whose (control tag, object tag) is in ``shapes``, with at least two
    labels for label-choosing controls. Raises ConfigMismatch naming what was looked for."""
    for binding in parse(label_config):
        for control, objects in shapes:
            if binding.control == control and binding.object in objects and len(binding.labels) >= 2:
                return binding
    wanted = ", ".join(f"<{c}> on <{'/'.join(o)}>" for c, o in shapes)
    raise ConfigMismatch(f"the labeling config has none of: {wanted} (with at least two labels)")
