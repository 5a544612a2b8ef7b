"""The seeded demo and benchmark program generator: a program with every story the KPIs exist to show.

`catalogue` holds the program's shape (stories, weights, names), `plan` draws each partner's plan and the staff,
`rows` turns planned partners into table rows, and `write` fills a store with them in bulk. It is not part of the
running bot's storage: `partnerbot demo` and the benchmark call it, and it writes through storage's own rules.
"""

from demodata.plan import DemoSize, DemoSummary
from demodata.write import build_demo

__all__ = ["DemoSize", "DemoSummary", "build_demo"]
