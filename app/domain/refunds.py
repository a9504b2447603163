"""What a refund gives back. Pure.

Every order line keeps what was paid for it (its total less its share of the discount, fixed at
checkout). A returned unit refunds the line's paid total / quantity, rounded half-up; the line's
last unit takes the remainder, so refunding every unit gives back exactly what was paid for the
line, and no sequence of partial returns gives back more.
"""

from decimal import Decimal

from app.domain.money import ZERO, round_money


def paid_for_units(paid: Decimal, quantity: int, units: int) -> Decimal:
    """What the first `units` of a line of `quantity` units paid `paid` in all come to."""
    if units <= 0 or quantity <= 0:
        return ZERO
    if units >= quantity:
        return paid
    return min(paid, round_money(paid / quantity) * units)


def line_refund(*, paid: Decimal, quantity: int, refunded_units: int, returning: int) -> Decimal:
    """The refund for `returning` more units of a line of which `refunded_units` were refunded before."""
    return (paid_for_units(paid, quantity, refunded_units + returning)
            - paid_for_units(paid, quantity, refunded_units))


def shipping_left(*, shipping: Decimal, shipping_discount: Decimal, shipping_refunded: Decimal) -> Decimal:
    """Shipping paid and not given back yet."""
    return max(ZERO, shipping - shipping_discount - shipping_refunded)
