"""The tree of accounts under the manager: ``GET /api/v1/hierarchy`` and the ``/hierarchy`` page.

Both read ``hierarchy.read_tree`` (Google Ads, one manager at a time, and the store's overlay),
as ``mcclink hierarchy`` does; the API answers ``Tree.to_dict``, the page draws it as nested
lists, each sub-manager a ``<details>`` disclosure (no JavaScript needed). Read-only: viewer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.errors import InputError
from mcclink.hierarchy import (
    MAX_DEPTH,
    Tree,
    TreeNode,
    check_depth,
    depth_rule,
    fix_for,
    read_tree,
)
from mcclink.staff import Role
from mcclink.web import api_models as m
from mcclink.web import deps, problems
from mcclink.web.roles import RoleCheck, Viewer
from mcclink.web.views import render

api_router = APIRouter(dependencies=[Depends(RoleCheck(Role.VIEWER, api=True))])
router = APIRouter(include_in_schema=False)

Built = Annotated[Container, Depends(deps.container)]
_DEPTH_HELP = (
    f"Levels below the manager to read, 1 to {MAX_DEPTH} (1: its direct clients; default: the "
    "whole tree)."
)


class HeldOut(BaseModel):
    """What mcclink holds of a client under the manager above it."""

    registered: bool = Field(description="Registered in mcclink under that manager.")
    link_status: str | None = Field(description="The link status mcclink holds, if registered.")


class InvitationOut(HeldOut):
    """A client a manager invited that has not answered yet."""

    customer_id: str


class NodeErrorOut(BaseModel):
    """Why the walk could not read below a sub-manager."""

    code: str = Field(description="Google's error code.")
    message: str
    fix: str


class AccountOut(HeldOut):
    """One account of the tree, as the manager above it lists it (``customer_client``)."""

    customer_id: str
    name: str
    level: int = Field(description="Distance from the root (0 for the root).")
    parent: str | None = Field(description="The manager above it; null for the root.")
    manager: bool
    hidden: bool = Field(description="Hidden in the manager's account list.")
    status: str = Field(description="Google's CustomerStatus: ENABLED, CANCELED, ...")
    test_account: bool
    currency_code: str
    time_zone: str
    pending_invitations: list[InvitationOut] | None = Field(
        None, description="Managers only: null when the manager was not read (depth, error)."
    )
    error: NodeErrorOut | None = Field(None, description="Managers only: why it was not read.")


class HierarchyOut(BaseModel):
    """The tree under the manager, breadth first."""

    root: str
    depth: int | None
    accounts: list[AccountOut]
    unreachable: int = Field(description="How many sub-managers could not be read.")


@api_router.get(
    "/hierarchy",
    response_model=HierarchyOut,
    responses=m.problem_responses(403),
    tags=["hierarchy"],
)
def get_hierarchy(
    box: Built,
    depth: Annotated[int | None, Query(ge=1, le=MAX_DEPTH, description=_DEPTH_HELP)] = None,
    mcc: Annotated[
        str | None,
        Query(
            max_length=32,
            json_schema_extra=m.CUSTOMER_ID_SCHEMA,
            description="The manager at the top (default: the server's MCC).",
        ),
    ] = None,
) -> dict[str, Any]:
    """The accounts under the manager, from Google Ads (``mcclink hierarchy --json``): each
    with its flags and what mcclink holds of it, each manager with its pending invitations;
    a sub-manager Google will not let the login read carries Google's error and the fix, and
    the rest is read all the same. A client account or an unknown one as ``mcc`` is a 422."""
    root = box.mcc if mcc is None else CustomerId.parse(mcc)
    return read_tree(box.ads, box.store, root, depth).to_dict()


@router.get("/hierarchy")
def hierarchy_page(
    request: Request,
    principal: Viewer,
    built: Built,
    mcc: deps.TreeTop,
    depth: str | None = None,
) -> HTMLResponse:
    """The tree under the manager the browser chose (the switcher's), or under any manager
    ``mcc=`` names, as the API reads it, as nested lists; a depth it cannot read, or an
    account that is no manager the login reaches, is a 422 page naming the rule."""
    try:
        tree = read_tree(built.ads, built.store, mcc, parse_depth(depth))
    except InputError as exc:
        return render(
            request,
            "hierarchy.html",
            problems.status_for(exc),
            problem=exc.told("page"),
            mcc=mcc,
            depth_text=depth,
        )
    deps.directory(request).learn_names(tree)  # the switcher names them from now on
    return render(
        request,
        "hierarchy.html",
        tree=tree,
        children=_children(tree),
        status_of=tree.status_of,
        fix_for=fix_for,
        mcc=mcc,
        depth_text=depth or "",
    )


def parse_depth(text: str | None) -> int | None:
    """The page's ``depth`` field: empty for the whole tree, else a whole number from 1 to
    ``MAX_DEPTH``.

    Raises:
        InputError: anything else, named.
    """
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):  # int() takes '²'-like digits badly
        raise InputError(depth_rule(text))
    return check_depth(int(text))


def _children(tree: Tree) -> dict[CustomerId, list[TreeNode]]:
    below: dict[CustomerId, list[TreeNode]] = defaultdict(list)
    for node in tree.nodes:
        if node.parent is not None:
            below[node.parent].append(node)
    return below
