"""``mcclink hierarchy``: the tree of accounts under the MCC, with what mcclink holds of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcclink.cli._common import JsonOption, out, print_json, shown, state, status_text, wants_json
from mcclink.domain import CustomerId
from mcclink.hierarchy import MAX_DEPTH

if TYPE_CHECKING:
    from rich.tree import Tree as RichTree

    from mcclink.hierarchy import Tree, TreeNode


def hierarchy(
    ctx: typer.Context,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            min=1,
            max=MAX_DEPTH,
            help=f"Levels below the MCC to read, 1 to {MAX_DEPTH} (1: its direct clients; "
            "default: the whole tree).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the accounts under the MCC, sub-managers and their clients, from Google Ads.

    Each account shows its flags (manager, hidden, test, status) and whether it is registered
    in mcclink with the link status held; each manager, its pending invitations; a
    sub-manager Google will not let the login read, Google's error and the fix.

    Example: mcclink hierarchy --depth 2
    """
    from mcclink.hierarchy import read_tree

    container = state(ctx).container
    tree = read_tree(container.ads, container.store, container.mcc, depth)
    if wants_json(ctx, as_json):
        print_json(tree.to_dict())
        return
    out.print(_rich_tree(tree))
    if tree.unreachable:
        out.print(f"[yellow]{len(tree.unreachable)} sub-manager(s) could not be read[/]")


def _rich_tree(tree: Tree) -> RichTree:
    from rich.tree import Tree as RichTree

    top = RichTree(_label(tree, tree.nodes[0]))  # the walk yields the root first
    branches = {tree.root: top}
    _details(tree, tree.nodes[0], top)
    for node in tree.nodes[1:]:
        assert node.parent is not None  # only the root has none
        branch = branches[node.parent].add(_label(tree, node))
        branches[node.account.customer_id] = branch
        _details(tree, node, branch)
    return top


def _label(tree: Tree, node: TreeNode) -> str:
    account = node.account
    flags = [
        flag
        for flag, on in [
            ("manager", account.manager),
            ("hidden", account.hidden),
            ("test account", account.test_account),
            (account.status, account.status != "ENABLED"),
        ]
        if on
    ]
    text = f"[bold]{shown(account.name)}[/] {account.customer_id}"
    if flags:
        text += f" [dim]({', '.join(shown(f) for f in flags)})[/]"
    text += f" {shown(account.currency_code)} {shown(account.time_zone)}"
    if node.parent is not None:
        text += f" · {_held(tree, node.parent, account.customer_id, sub_manager=account.manager)}"
    return text


def _held(tree: Tree, manager: CustomerId, client: CustomerId, *, sub_manager: bool = False) -> str:
    """What mcclink holds of ``client`` under ``manager``: a sub-manager is not registered
    as a client, by design (its link builds the tree), so it is not called unregistered."""
    status = tree.status_of(manager, client)
    if status is not None:
        return f"mcclink {status_text(status)}"
    return "[dim]sub-manager[/]" if sub_manager else "[dim]not registered[/]"


def _details(tree: Tree, node: TreeNode, branch: RichTree) -> None:
    """A manager's pending invitations and, when Google refused to read it, why."""
    manager = node.account.customer_id
    for client in node.pending or ():
        branch.add(f"[yellow]invited[/] {client} (no answer yet) · {_held(tree, manager, client)}")
    if node.error is not None:
        from mcclink.hierarchy import fix_for

        branch.add(
            f"[red]cannot read below it:[/] {shown(node.error, lines=True)}\n"
            f"[bold]fix:[/] {shown(fix_for(node.error))}"
        )
