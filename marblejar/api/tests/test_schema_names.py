"""Every schema in the API description has a name of its own.

The OpenAPI document keeps one schema per name: two classes called the same
(there were two ``AnswerIn``) make one operation describe the other's body.
"""

from __future__ import annotations

from collections import defaultdict

import pydantic

from marblejar.api.api import api


def models_of_operations() -> dict[str, set[type]]:
    """Every model a mounted operation reads or answers with, by the name the document uses."""
    by_name: dict[str, set[type]] = defaultdict(set)

    def add(model) -> None:
        if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
            # ninja wraps each response in a model of this name, never in the document.
            if model.__name__ != "NinjaResponseSchema":
                by_name[model.__name__].add(model)
            for field in model.model_fields.values():
                for arg in _types_in(field.annotation):
                    add(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for param_model in operation.models:
                    for field in param_model.model_fields.values():
                        for arg in _types_in(field.annotation):
                            add(arg)
                for response in operation.response_models.values():
                    add(response)
    return by_name


def _types_in(annotation) -> list:
    found, todo = [], [annotation]
    while todo:
        current = todo.pop()
        if isinstance(current, type):
            found.append(current)
        todo.extend(getattr(current, "__args__", ()) or ())
        todo.extend(getattr(current, "__metadata__", ()) or ())
        origin = getattr(current, "__origin__", None)
        if origin is not None:
            todo.append(origin)
    return found


def test_no_two_schemas_share_a_name():
    names = models_of_operations()
    assert {"ReflectionIn", "TokenIn", "TokenCreated"} <= set(names)  # bodies and answers
    shared = {name: sorted(m.__qualname__ + " in " + m.__module__ for m in models)
              for name, models in names.items() if len(models) > 1}  # fmt: skip
    assert not shared, shared


def test_every_body_in_the_document_is_the_one_the_operation_reads(client, db):
    document = client.get("/api/v1/openapi.json").json()
    components = document["components"]["schemas"]
    for name, models in models_of_operations().items():
        if name not in components:
            continue  # inlined by ninja (a parameter model)
        (model,) = models
        described = set(components[name].get("properties", {}))
        assert described == set(model.model_json_schema().get("properties", {})), name
