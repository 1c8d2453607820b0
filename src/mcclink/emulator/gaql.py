"""A small subset of the Google Ads Query Language: parse, check against a catalog, evaluate.

Supported::

    SELECT field [, field]* FROM resource
      [WHERE condition [AND condition]*]
      [ORDER BY field [ASC|DESC] [, field [ASC|DESC]]*]
      [LIMIT n]

    condition := field (= | != | < | <= | > | >=) literal
               | field [NOT] IN (literal [, literal]*)
    literal   := 'string' | "string" | number | ENUM_NAME | TRUE | FALSE

Keywords are case-insensitive. Anything else is answered with a ``QueryError`` code from the
installed library (``UNRECOGNIZED_FIELD``, ``EXPECTED_FROM``, ``UNEXPECTED_END_OF_QUERY``, ...),
as Google would. Which resources and fields exist is the caller's catalog.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from mcclink.emulator.failures import RpcFault, query_error

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[,()])
    )""",
    re.VERBOSE,
)
_EQUALITY_ONLY = {"bool", "enum"}
_UNSUPPORTED_OPERATORS = {"LIKE", "CONTAINS", "BETWEEN", "DURING", "IS", "REGEXP_MATCH"}
_PROHIBITED_ENUMS = {"UNSPECIFIED", "UNKNOWN"}
#: The code for a field of another resource, per clause.
_PROHIBITED_IN = {
    "SELECT": "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
    "WHERE": "PROHIBITED_RESOURCE_TYPE_IN_WHERE_CLAUSE",
    "ORDER BY": "PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE",
}


@dataclass(frozen=True)
class FieldKind:
    """What values a field holds: ``string``, ``int``, ``bool`` or ``enum`` (with its names)."""

    type: Literal["string", "int", "bool", "enum"]
    enum_names: frozenset[str] = frozenset()


#: resource name -> full field name (``resource.field``) -> kind.
Catalog = Mapping[str, Mapping[str, FieldKind]]
Record = Mapping[str, Any]


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "name" else ""


@dataclass(frozen=True)
class Condition:
    """``field operator values`` (one value unless the operator is IN / NOT IN)."""

    field: str
    operator: str
    values: tuple[object, ...]

    def matches(self, record: Record) -> bool:
        """Whether ``record`` satisfies the condition."""
        value = record[self.field]
        if self.operator in ("IN", "NOT IN"):
            return (value in self.values) == (self.operator == "IN")
        return bool(_COMPARE[self.operator](value, self.values[0]))


_COMPARE: Mapping[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Query:
    """A parsed, checked query."""

    resource: str
    fields: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    ordering: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = None

    def run(self, records: Iterable[Record]) -> list[Record]:
        """The records that match, in order, at most ``limit`` of them."""
        rows = [r for r in records if all(c.matches(r) for c in self.conditions)]
        for field, descending in reversed(self.ordering):  # stable sorts, last key first
            rows.sort(key=operator.itemgetter(field), reverse=descending)
        return rows if self.limit is None else rows[: self.limit]


def parse(text: str, catalog: Catalog) -> Query:
    """Parse and check a GAQL query against ``catalog``.

    Raises:
        RpcFault: a ``QueryError`` naming what is wrong.
    """
    return _Parser(_tokenize(text), catalog).query()


def _fault(code: str, message: str) -> RpcFault:
    return RpcFault(query_error(code), message, location=("query",))


def _tokenize(text: str) -> list[_Token]:
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            rest = text[position:].lstrip()
            if rest[0] in "'\"":
                first_line = rest.split("\n", 1)[0]
                newline = rest[0] not in first_line[1:] and rest[0] in rest[1:]
                code = "PROHIBITED_NEWLINE_IN_STRING" if newline else "STRING_NOT_TERMINATED"
                raise _fault(code, f"String literal starting at {rest[:20]!r} is not terminated.")
            raise _fault("BAD_SYMBOL", f"Unexpected symbol {rest[0]!r} in the query.")
        tokens.append(_Token(match.lastgroup, match[match.lastgroup]))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], catalog: Catalog) -> None:
        self._tokens, self._at, self._catalog = tokens, 0, catalog

    def query(self) -> Query:
        if self._peek().word != "SELECT":
            raise _fault("EXPECTED_SELECT", "Expected SELECT at the start of the query.")
        self._at += 1
        selected = self._field_list()
        if self._peek().word != "FROM":
            raise self._unexpected("EXPECTED_FROM", "Expected FROM after the SELECT fields.")
        self._at += 1
        resource = self._resource()
        query = Query(resource, tuple(self._check_fields(selected, resource, "SELECT")))
        if self._take_word("WHERE"):
            query = replace(query, conditions=tuple(self._conditions(resource)))
        if self._take_word("ORDER"):
            if not self._take_word("BY"):
                raise self._unexpected("EXPECTED_BY", "Expected BY after ORDER.")
            query = replace(query, ordering=tuple(self._ordering(resource)))
        if self._take_word("LIMIT"):
            query = replace(query, limit=self._limit())
        if self._at < len(self._tokens):
            hint = " (GAQL has no OR: use IN)" if self._peek().word == "OR" else ""
            raise _fault("UNEXPECTED_INPUT", f"Unexpected input {self._peek().text!r}{hint}.")
        return query

    # -- tokens ------------------------------------------------------------------------------

    def _peek(self) -> _Token:
        return self._tokens[self._at] if self._at < len(self._tokens) else _Token("end", "")

    def _next(self, what: str) -> _Token:
        token = self._peek()
        if token.kind == "end":
            raise _fault("UNEXPECTED_END_OF_QUERY", f"The query ended where {what} was expected.")
        self._at += 1
        return token

    def _take_word(self, word: str) -> bool:
        if self._peek().word == word:
            self._at += 1
            return True
        return False

    def _take_punct(self, punct: str) -> bool:
        if self._peek().kind == "punct" and self._peek().text == punct:
            self._at += 1
            return True
        return False

    def _unexpected(self, code: str, message: str) -> RpcFault:
        if self._peek().kind == "end":
            return _fault("UNEXPECTED_END_OF_QUERY", message)
        return _fault(code, f"{message} Found {self._peek().text!r}.")

    # -- clauses -----------------------------------------------------------------------------

    def _field_list(self) -> list[str]:
        fields = [self._name("a field name")]
        while self._take_punct(","):
            fields.append(self._name("a field name"))
        return fields

    def _name(self, what: str) -> str:
        token = self._next(what)
        if token.kind != "name":
            raise _fault("BAD_FIELD_NAME", f"Expected {what}, found {token.text!r}.")
        return token.text

    def _resource(self) -> str:
        resource = self._name("a resource name")
        if resource not in self._catalog:
            known = ", ".join(sorted(self._catalog))
            raise _fault(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                f"Resource {resource!r} is not supported by this emulator (only {known}).",
            )
        return resource

    def _check_fields(self, fields: list[str], resource: str, clause: str) -> list[str]:
        for field in fields:
            if field in self._catalog[resource]:
                continue
            if any(field in known for known in self._catalog.values()):
                raise _fault(
                    _PROHIBITED_IN[clause],
                    f"Field {field!r} cannot be used in {clause} FROM {resource}.",
                )
            raise _fault(
                "UNRECOGNIZED_FIELD",
                f"Unrecognized field in the {clause} clause: {field!r} "
                "(or not supported by this emulator).",
            )
        return fields

    def _conditions(self, resource: str) -> list[Condition]:
        conditions = [self._condition(resource)]
        while self._take_word("AND"):
            conditions.append(self._condition(resource))
        return conditions

    def _condition(self, resource: str) -> Condition:
        field = self._check_fields([self._name("a field name")], resource, "WHERE")[0]
        kind = self._catalog[resource][field]
        op = self._operator()
        if op in ("IN", "NOT IN"):
            return Condition(field, op, tuple(self._list(field, kind)))
        if op not in ("=", "!=") and kind.type in _EQUALITY_ONLY:
            raise _fault("OPERATOR_FIELD_MISMATCH", f"Operator {op} cannot apply to {field}.")
        return Condition(field, op, (self._literal(field, kind),))

    def _operator(self) -> str:
        token = self._next("an operator")
        if token.kind == "op":
            return token.text
        if token.word == "IN":
            return "IN"
        if token.word == "NOT" and self._take_word("IN"):
            return "NOT IN"
        extra = " (not supported by this emulator)" if token.word in _UNSUPPORTED_OPERATORS else ""
        raise _fault("BAD_OPERATOR", f"Invalid operator {token.text!r}{extra}.")

    def _list(self, field: str, kind: FieldKind) -> list[object]:
        if not self._take_punct("("):
            raise self._unexpected("EXPECTED_LIST", "Expected a list in parentheses after IN.")
        if self._take_punct(")"):
            raise _fault("PROHIBITED_EMPTY_LIST_IN_CONDITION", "The IN list is empty.")
        values = [self._literal(field, kind)]
        while self._take_punct(","):
            values.append(self._literal(field, kind))
        if not self._take_punct(")"):
            raise self._unexpected("EXPECTED_LIST", "Expected ')' to close the IN list.")
        return values

    def _literal(self, field: str, kind: FieldKind) -> object:
        token = self._next("a value")
        text = _unquote(token.text) if token.kind == "string" else token.text
        if kind.type == "enum" and token.kind in ("string", "name"):
            return _enum_value(field, kind, text)
        if kind.type == "string" and token.kind == "string":
            return text
        if kind.type == "int" and token.kind == "number":
            if "." in text:
                raise _fault("BAD_NUMBER", f"{field} needs an integer, not {text}.")
            return int(text)
        if kind.type == "bool" and token.word in ("TRUE", "FALSE"):
            return token.word == "TRUE"
        raise _fault("BAD_VALUE", f"Invalid value {token.text!r} for {field} ({kind.type}).")

    def _ordering(self, resource: str) -> list[tuple[str, bool]]:
        ordering = []
        while True:
            field = self._check_fields([self._name("a field name")], resource, "ORDER BY")[0]
            descending = self._take_word("DESC")
            if not descending:
                self._take_word("ASC")
            ordering.append((field, descending))
            if not self._take_punct(","):
                return ordering

    def _limit(self) -> int:
        token = self._next("a LIMIT value")
        if token.kind != "number" or "." in token.text:
            raise _fault("BAD_LIMIT_VALUE", f"LIMIT needs a positive integer, not {token.text!r}.")
        if int(token.text) < 1:
            raise _fault("LIMIT_VALUE_TOO_LOW", f"LIMIT must be at least 1, not {token.text}.")
        return int(token.text)


def _enum_value(field: str, kind: FieldKind, name: str) -> str:
    if name in _PROHIBITED_ENUMS:
        raise _fault("PROHIBITED_ENUM_CONSTANT", f"{name} cannot be used to filter {field}.")
    if name not in kind.enum_names:
        known = ", ".join(sorted(kind.enum_names - _PROHIBITED_ENUMS))
        raise _fault("BAD_ENUM_CONSTANT", f"{name!r} is not a value of {field} ({known}).")
    return name


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])
