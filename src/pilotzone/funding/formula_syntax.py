"""Syntax of the funding formula language (see :mod:`pilotzone.funding.formula`): tokens, AST, parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

FUNCTIONS = {"if": (3, 3), "min": (1, None), "max": (1, None), "tier": (2, 2), "progressive": (2, 2),
             "round_fen": (1, 1), "coalesce": (2, None)}
KEYWORDS = {"and", "or", "not", "true", "false", "inf"}


class FormulaError(ValueError):
    """A formula that does not compile (or, as :class:`EvaluationError`, cannot be evaluated)."""

    def __init__(self, key: str, position: int, message: str) -> None:
        self.key, self.position, self.message = key, position, message
        super().__init__(f"{key}: {message} at position {position}")


# -- tokens ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<num>[0-9][0-9_]*(?:\.[0-9][0-9_]*)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|[-+*/<>()\[\],])",
    re.ASCII,
)


@dataclass
class Token:
    kind: str  # num, name, op, end
    text: str
    pos: int


def tokenize(source: str, key: str = "formula") -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise FormulaError(key, pos, f"unexpected character {source[pos]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            raw = m.group()
            if kind == "num" and (raw.endswith("_") or "__" in raw or "_." in raw):
                raise FormulaError(key, pos, f"misplaced '_' in number {raw!r}")
            tokens.append(Token(kind, raw, pos))
        pos = m.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


# -- AST ------------------------------------------------------------------------------------------


@dataclass
class Node:
    start: int
    end: int


@dataclass
class Num(Node):
    value: Decimal


@dataclass
class Bool(Node):
    value: bool


@dataclass
class Name(Node):
    name: str


@dataclass
class Unary(Node):
    op: str
    operand: Node


@dataclass
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass
class ListLit(Node):
    items: list[Node]


@dataclass
class Inf(Node):
    pass


@dataclass
class Call(Node):
    func: str
    args: list[Node]


class _Parser:
    def __init__(self, source: str, key: str) -> None:
        self.source, self.key = source, key
        self.tokens = tokenize(source, key)
        self.i = 0

    def error(self, pos: int, message: str) -> FormulaError:
        return FormulaError(self.key, pos, message)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def expect(self, text_: str) -> Token:
        if not self.at(text_):
            found = "end of formula" if self.tok.kind == "end" else repr(self.tok.text)
            raise self.error(self.tok.pos, f"expected {text_!r}, found {found}")
        return self.take()

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error(0, "empty formula")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.error(self.tok.pos, f"unexpected {self.tok.text!r}")
        return node

    def expr(self) -> Node:
        return self.binary_chain("or", self.and_)

    def and_(self) -> Node:
        return self.binary_chain("and", self.not_)

    def binary_chain(self, op: str, sub: Callable[[], Node]) -> Node:
        node = sub()
        while self.at(op) and self.tok.kind == "name":
            self.take()
            right = sub()
            node = Binary(node.start, right.end, op, node, right)
        return node

    def not_(self) -> Node:
        if self.at("not") and self.tok.kind == "name":
            start = self.take().pos
            operand = self.not_()
            return Unary(start, operand.end, "not", operand)
        return self.cmp()

    def cmp(self) -> Node:
        node = self.sum()
        if self.at("<", "<=", ">", ">=", "==", "!=") and self.tok.kind == "op":
            op = self.take().text
            right = self.sum()
            node = Binary(node.start, right.end, op, node, right)
            if self.at("<", "<=", ">", ">=", "==", "!="):
                raise self.error(self.tok.pos, "comparisons do not chain; use 'and'")
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at("+", "-") and self.tok.kind == "op":
            op = self.take().text
            right = self.product()
            node = Binary(node.start, right.end, op, node, right)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("*", "/") and self.tok.kind == "op":
            op = self.take().text
            right = self.unary()
            node = Binary(node.start, right.end, op, node, right)
        return node

    def unary(self) -> Node:
        if self.at("-") and self.tok.kind == "op":
            start = self.take().pos
            operand = self.unary()
            return Unary(start, operand.end, "-", operand)
        return self.primary()

    def primary(self, in_list: bool = False) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            return Num(tok.pos, tok.pos + len(tok.text), Decimal(tok.text.replace("_", "")))
        if tok.kind == "name":
            self.take()
            end = tok.pos + len(tok.text)
            if tok.text in ("true", "false"):
                return Bool(tok.pos, end, tok.text == "true")
            if tok.text == "inf":
                if not in_list:
                    raise self.error(tok.pos, "'inf' is only allowed as the last bound of progressive()")
                return Inf(tok.pos, end)
            if tok.text in KEYWORDS:
                raise self.error(tok.pos, f"unexpected {tok.text!r}")
            if self.at("(") and self.tok.kind == "op":
                return self.call(tok)
            return Name(tok.pos, end, tok.text)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.expr()
            close = self.expect(")")
            node.start, node.end = tok.pos, close.pos + 1
            return node
        if tok.kind == "op" and tok.text == "[":
            raise self.error(tok.pos, "a list is only allowed as the second argument of tier() or progressive()")
        found = "end of formula" if tok.kind == "end" else repr(tok.text)
        raise self.error(tok.pos, f"expected a value, found {found}")

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise self.error(name.pos, f"unknown function '{name.text}'")
        self.expect("(")
        args: list[Node] = []
        if not self.at(")"):
            while True:
                if self.at("[") and name.text in ("tier", "progressive") and len(args) == 1:
                    args.append(self.list_literal())
                else:
                    args.append(self.expr())
                if not self.at(","):
                    break
                self.take()
        close = self.expect(")")
        low, high = FUNCTIONS[name.text]
        if len(args) < low or (high is not None and len(args) > high):
            want = f"{low}" if low == high else f"at least {low}"
            raise self.error(name.pos, f"{name.text}() takes {want} argument(s), got {len(args)}")
        return Call(name.pos, close.pos + 1, name.text, args)

    def list_literal(self) -> ListLit:
        start = self.expect("[").pos
        items: list[Node] = []
        while not self.at("]"):
            if self.at("["):
                inner_start = self.take().pos
                inner: list[Node] = [self.list_item()]
                while self.at(","):
                    self.take()
                    inner.append(self.list_item())
                close = self.expect("]")
                items.append(ListLit(inner_start, close.pos + 1, inner))
            else:
                raise self.error(self.tok.pos, "expected a bracket like [threshold, amount]")
            if not self.at(","):
                break
            self.take()
        end = self.expect("]").pos + 1
        return ListLit(start, end, items)

    def list_item(self) -> Node:
        if self.at("inf") and self.tok.kind == "name":
            return self.primary(in_list=True)
        return self.expr()


def parse(source: str, key: str = "formula") -> Node:
    return _Parser(source, key).parse()
