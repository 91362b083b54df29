"""Mistakes the plugin catches; without it, mypy lets them all through.

The comments give the errors mypy reports, in strict mode, with the plugin
and without it (the notation is explained in tests/test_typing.py).
"""

from __future__ import annotations

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyOr


class Account:
    balance: int = 0

    def deposit(self, amount: int) -> None:
        self.balance += amount


class Other:
    pass


account = Proxy(Account)
account.balanse  # plugin E: "Account" has no attribute "balanse"; maybe "balance"?  [attr-defined]
# plugin E: Argument 1 to "deposit" of "Account" has incompatible type "str"; expected "int"  [arg-type]
account.deposit('10')
account.deposit()  # plugin E: Missing positional argument "amount" in call to "deposit" of "Account"  [call-arg]
total: str = account.balance  # plugin E: Incompatible types in assignment (expression has type "int", variable has type "str")  [assignment]
numbers = Proxy(lambda: [1, 2])
numbers.push(3)  # plugin E: "list[int]" has no attribute "push"  [attr-defined]


def either(item: ProxyOr[Account]) -> None:
    # plugin E: Item "Proxy[Account]" of "Proxy[Account] | Account" has no attribute "withdraw"  [union-attr]
    # E: Item "Account" of "Proxy[Account] | Account" has no attribute "withdraw"  [union-attr]
    item.withdraw(1)


def two(item: Proxy[Account] | Proxy[Other]) -> None:
    # plugin E: Item "Proxy[Other]" of "Proxy[Account] | Proxy[Other]" has no attribute "deposit"  [union-attr]
    item.deposit(1)


def read(account: Proxy[Account]) -> int:
    # plain E: Returning Any from function declared to return "int"  [no-any-return]
    return account.balance


def optional(account: Proxy[Account] | None) -> None:
    # E: Item "None" of "Proxy[Account] | None" has no attribute "balance"  [union-attr]
    account.balance
