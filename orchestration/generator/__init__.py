"""Deterministic synthetic Kvantum drop-folder generator (docs/generator.md).

    from orchestration.generator import generate
    summary = generate(Path("var/sample_exports"), invoices_per_month=3000, months=18)
    print(json.dumps(summary.as_dict(), indent=2))
"""

from .api import GenerationSummary, generate
from .writer import BAD_KINDS, EXTRACT_MODES

__all__ = ["BAD_KINDS", "EXTRACT_MODES", "GenerationSummary", "generate"]
