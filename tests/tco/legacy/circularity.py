"""Not a copy: ``tco/circularity.py`` was never rewritten, so the legacy engine uses it as is."""

from tco.circularity import material_circularity_indicator

__all__ = ["material_circularity_indicator"]
