"""Immutable records: named tuples declared as typing.NamedTuple declares them, their fields as annotations and
their defaults as class attributes, without importing typing, which costs every start-up several milliseconds."""

from collections import namedtuple


def record(cls: type) -> type:
    """The class as a named tuple of its annotated fields, in order, with its methods, properties and docstring:

        @record
        class Point:
            x: int
            y: int = 0  # a default, as every field after it needs
    """
    fields = tuple(cls.__dict__.get("__annotations__", {}))
    defaults = tuple(cls.__dict__[name] for name in fields if name in cls.__dict__)
    namespace = {key: value for key, value in cls.__dict__.items()
                 if key not in fields and key not in ("__dict__", "__weakref__")}
    return type(cls.__name__, (namedtuple(cls.__name__, fields, defaults=defaults),), {**namespace, "__slots__": ()})
