"""Facts about the model that every layer asks, defined once: what makes a subnet public, and
which maps hold the resources (the builders fill the same ones)."""

from __future__ import annotations

import typing
from dataclasses import fields

import pytest

from netpath.model import resources
from netpath.model.resources import RESOURCE_MAPS, Model
from netpath.sources.building import Parts
from netpath.sources.loader import load_spec


@pytest.fixture(scope="module")
def model() -> Model:
    return load_spec(None).model


def test_a_subnet_is_public_when_its_table_routes_to_an_internet_gateway(model: Model) -> None:
    public = {s.name for s in model.subnets.values() if model.is_public(s)}
    assert public == {"public-a", "public-b"}
    route = model.internet_route(model.subnets["public-a"])
    assert route is not None and route.target == "igw-prod"
    assert model.internet_route(model.subnets["private-a"]) is None  # 0.0.0.0/0 -> nat-a


def test_resource_names_are_every_map_of_the_aws_part(model: Model) -> None:
    names = set(model.resource_names())
    assert {"prod", "public-a", "rt-private", "nat-a", "web-alb", "orders-db"} <= names
    assert not set(model.clusters) & names


def test_the_builders_parts_hold_exactly_the_models_maps() -> None:
    hints = typing.get_type_hints(Parts, vars(resources))
    model_hints = typing.get_type_hints(Model, vars(resources))
    others = ("clusters", "description", "notes")
    maps = tuple(f.name for f in fields(Model) if f.name not in others)
    assert maps == RESOURCE_MAPS
    for name in RESOURCE_MAPS:
        assert hints[name] == model_hints[name], name
