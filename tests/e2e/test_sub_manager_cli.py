"""A sub-manager on the CLI (issue 17's second review, defect 1), on the shipped tree
(docs/examples/tree.json, as docs/hierarchy.md serves it): ``hierarchy`` labels it
"sub-manager", never "not registered", and ``clients add`` of one registers it (inviting a
manager builds the tree) with a warning that it is linked as a sub-manager."""

from __future__ import annotations

from tests.e2e.conftest import Cli
from tests.e2e.test_tree_walkthrough import CAFE, NORTE, PADARIA, ROOT, SUL, cli, tree

__all__ = ["cli", "tree"]  # the fixtures, shared with test_tree_walkthrough

WARNING = "is a manager account of your tree: once invited it is linked as a sub-manager under"


def test_hierarchy_labels_a_sub_manager_as_such(cli: Cli) -> None:
    drawn = cli("hierarchy", "--depth", "1").stdout

    assert "Time Sul 222-000-0001 (manager) BRL America/Sao_Paulo · sub-manager" in drawn
    assert "Time Norte 222-000-0002 (manager) BRL America/Sao_Paulo · sub-manager" in drawn
    assert "Padaria São João 111-222-3333 BRL America/Sao_Paulo · not registered" in drawn
    found = {a["customer_id"]: a for a in cli.json("hierarchy", "--depth", "1")["accounts"]}
    assert (found[SUL]["registered"], found[NORTE]["registered"]) == (False, False)


def test_adding_a_sub_manager_as_a_client_warns_and_registers_it(cli: Cli) -> None:
    added = cli("clients", "add", "222-000-0002", "--name", "Time Norte", "--no-invite")

    assert f"222-000-0002 {WARNING} 123-456-7890, not as an advertiser" in added.stderr
    assert "`mcclink --mcc 222-000-0002`" in added.stderr
    assert [c["customer_id"] for c in cli.json("clients", "list")] == [NORTE]
    under_sul = cli("--mcc", SUL, "clients", "add", "222-000-0011", "--name", "Porto Alegre")
    assert f"{WARNING} 222-000-0001" in under_sul.stderr  # the acting MCC


def test_adding_an_advertiser_gives_no_warning(cli: Cli) -> None:
    for customer in (CAFE, PADARIA):
        added = cli("clients", "add", customer, "--name", "Anunciante", "--no-invite")
        assert "warning" not in added.stderr, customer
    assert cli.json("clients", "list")[0]["mcc_customer_id"] == ROOT
