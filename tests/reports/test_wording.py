"""How figures read on the cards: separators, one rounding rule, small samples that say what they lack."""

from __future__ import annotations

from reports.blocks.common import deal_size_text
from reports.blocks.dormant import dormant_line
from reports.blocks.program import survival_text
from reports.kpis.activation import Survival
from reports.kpis.dormancy import DormantPartner
from reports.kpis.revenue import DealSize
from reports.model import PartnerProfile
from reports.stats import Median, Rate

ACME = PartnerProfile(1, "P-1", "Smith & <Sons>", owner_email="olga@example.com")


def test_a_survival_line_says_how_many_reached_the_milestone_and_why_there_is_no_median() -> None:
    few = Survival(17, 1, ((30, Rate(1, 17)), (60, Rate(0, 3))), Median(1, 12.0))
    assert survival_text(few) == (
        "1 of 17 reached it · median: not enough data (n=1)\nday 30: 6% (1 of 17) · day 60: not enough data (n=3)"
    )
    many = Survival(6711, 4238, ((30, Rate(1204, 6711)),), Median(4238, 38.15))
    assert survival_text(many) == "4,238 of 6,711 reached it · median 38.2 d\nday 30: 18% (1,204 of 6,711)"


def test_days_quiet_are_a_duration_with_one_decimal() -> None:
    item = DormantPartner(ACME, "fit", "Book an account-mapping session.", 61.25, None, False)
    assert dormant_line(item).startswith("• *Smith &amp; &lt;Sons&gt;* — 61.3 d quiet · olga@example.com")


def test_deal_size_gives_each_mean_it_has() -> None:
    assert deal_size_text(DealSize(4_800_000, 5_400_000, 12, 30, 0.888), "USD") == (
        "$48k partner mean · $54k direct mean (0.89×)"
    )
    assert deal_size_text(DealSize(4_800_000, None, 12, 3, None), "USD") == (
        "$48k partner mean · direct: not enough data (n=3)"
    )
    assert deal_size_text(DealSize(None, 5_400_000, 0, 30, None), "EUR") == "partner: no won deals · €54k direct mean"
