"""Not a copy: ``tco/finance.py`` was never rewritten, so the legacy engine uses it as it is."""

from tco.finance import discount_factors, escalation_index, payment_times, upv

__all__ = ["discount_factors", "escalation_index", "payment_times", "upv"]
