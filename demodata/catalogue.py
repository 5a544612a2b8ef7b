"""The demo program's shape: its stories, the weights and medians that draw it, the names it gives."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


REQUIRED_COURSES = ("PARTNER-101", "SALES-201", "TECH-301")
SETTINGS: dict[str, str] = {
    "time_zone": "America/New_York",
    "base_currency": "USD",
    "currency_rates": "EUR=1.08,GBP=1.27",
    "required_courses": ",".join(REQUIRED_COURSES),
    "program_name": "Northwind Partner Program",
}
RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}
STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")
QUALIFIED = STAGES.index("Proposal")
WON_STAGE, LOST_STAGE = "Closed Won", "Closed Lost"
DOMAIN = "northwind.example"

# Stories: DemoSummary.stories maps each to the partners that tell it.
SHOWCASE = "showcase"
FAST_ACTIVATORS = "fast activators"
STUCK_NOT_ENABLED = "in runway: not enabled"
STUCK_NO_SELLING = "in runway: enabled, no selling action"
STUCK_NO_QUALIFIED = "in runway: selling, no qualified opportunity"
STUCK_NO_WIN = "in runway: qualified, no win"
DORMANT_TRAINING = "dormant: training"
DORMANT_FIT = "dormant: fit"
DORMANT_MOMENTUM = "dormant: momentum"
FIRST_WIN_THIS_WEEK = "first win this week"
STALE_INTROS = "stale intros"
STALLED_DEALS = "stalled deals"
OVER_WIP_LIMIT = "owner over the WIP limit"
SUNSET = "sunset"
ONBOARDING_UNKNOWN = "onboarding date unknown"
WIP_OWNER = 0  # the first partner manager carries more partners in runway than the limit
SHOWCASE_OWNER = 1

# Partner attributes, with weights.
TYPES = (("reseller", 30), ("referral", 25), ("msp", 20), ("si", 15), ("technology", 10))
TIERS = (("platinum", 8), ("gold", 22), ("silver", 35), ("registered", 35))
REGIONS = (("NA", 40), ("EMEA", 30), ("APAC", 20), ("LATAM", 10))
SEGMENTS = (("enterprise", 30), ("mid-market", 40), ("smb", 30))
SOURCED_SHARE = {"reseller": 0.75, "referral": 0.85, "msp": 0.6, "si": 0.4, "technology": 0.3}
SEGMENT_SIZE = {"enterprise": 1.9, "mid-market": 1.0, "smb": 0.45}
CURRENCIES = ("USD", "EUR", "GBP")
CURRENCY_SHARES = {"EMEA": (0.15, 0.65), "direct": (0.75, 0.90)}  # cumulative shares of USD, then EUR; GBP the rest
OTHER_CURRENCY_SHARES = (0.94, 0.99)
WIN_RATE = {"sourced": 0.42, "influenced": 0.32, "direct": 0.25}
DEAL_MEDIAN = {"sourced": 42_000.0, "influenced": 50_000.0, "direct": 36_000.0}  # base currency units
STAY_MEDIAN = (10.0, 14.0, 18.0, 12.0)  # days in each pipeline stage, direct deals; partner deals move faster
PARTNER_SPEED = 0.85
LOST_AT = (0.35, 0.65, 0.85, 1.0)  # cumulative share of lost deals whose furthest stage is each pipeline stage

# Activities: kinds by weight, and what their detail names.
KINDS = ("login", "training_completed", "certification", "asset_download", "event_attended", "qbr", "co_sell_call")
KIND_WEIGHTS = (46, 9, 2, 18, 6, 2, 8)
LOGIN, TRAINING, CERTIFICATION, DOWNLOAD, EVENT, QBR, CO_SELL = range(len(KINDS))
ELECTIVES = ("CLOUD-110", "SECURITY-220", "DATA-330", "PRICING-140", "AI-150")
ASSETS = ("battlecard.pdf", "pricing-2026.xlsx", "demo-script.docx", "case-study-retail.pdf", "roi-calculator.xlsx")
EVENTS = ("Partner Summit", "Quarterly roadmap webinar", "Regional partner day", "Security bootcamp")
DETAILS = (*REQUIRED_COURSES, *ELECTIVES, *ASSETS, *EVENTS)
INTRO_OUTCOMES = (("opportunity created", 45), ("qualified out", 20), ("no budget", 15), ("duplicate", 5))
PRODUCTS = ("platform expansion", "renewal", "cloud migration", "pilot", "enterprise license", "security add-on")
SURVEY_COMMENTS = {
    "promoter": (
        "Great enablement team",
        "Co-selling with your reps works well",
        "Deal registration is fast now",
        "The new partner portal is a big improvement",
    ),
    "passive": (
        "Good program, but MDF claims are slow",
        "We would like more technical training",
        "Leads are good but too few",
    ),
    "detractor": (
        "Deal registration approvals take too long",
        "Channel conflict with direct reps on two accounts",
        "The portal is hard to use",
        "We rarely hear back on our intros",
    ),
}

# Names.
STEM_HEADS = (
    "Blue Iron North Silver Bright Clear Red Stone Oak Pine Cedar Maple Summit Harbor River Lake Eagle Falcon Star "
    "Sun Sky Cloud Frost Ember Granite Copper Cobalt Amber Jade Coral Crimson Golden Green High Deep True Swift "
    "Prime Apex Nova Terra Vector Quantum Signal West East South Bold Open Clover"
).split()
STEM_TAILS = (
    "bridge stone point ridge field brook crest vale wood peak shore gate path line wave light works forge port view "
    "mark wind rock leaf spring haven land well side"
).split()
COMPANY_WORDS = (
    "Systems|Consulting|Partners|Technologies|Solutions|Group|Labs|Networks|Cloud|Data|IT|Digital|Advisory|"
    "Integrations|Security|Software|Services|Analytics|Interactive|Logic"
).split("|")
LEGAL = ("Inc", "LLC", "Ltd", "GmbH", "Corp")
QUALIFIERS = ("Global", "International", "Holdings", "North America", "Europe", "Pacific", "Americas")
CUSTOMER_HEADS = (
    "Atlas|Beacon|Cascade|Delta|Evergreen|Frontier|Gateway|Horizon|Keystone|Liberty|Meridian|Orion|Pacific|"
    "Pioneer|Redwood|Sierra|Titan|Union|Vista|Westfield|Bayview|Crescent|Dominion|Empire|Fairway|Heritage|"
    "Ironwood|Lakeshore|Midland|Oakmont|Parkside|Riverside|Sterling|Tristate|Upland|Valley|Willow|Harborview|"
    "Lone Star|Great Plains"
).split("|")
CUSTOMER_TAILS = (
    "Logistics|Health|Bank|Foods|Energy|Retail|Insurance|Manufacturing|Airlines|Hotels|Pharma|Media|Motors|"
    "Utilities|Telecom|University|Credit Union|Freight|Apparel|Construction|Hospital|Realty|Chemicals|Shipping|"
    "Brewing"
).split("|")
FIRST_NAMES = (
    "Ava Ben Chloe Dev Emma Felix Grace Hugo Isla Jonah Kira Liam Maya Noah Omar Pia Quinn Rosa Sven Tara Uma "
    "Victor Wen Xavier Yara Zoe Aaron Bianca Carlos Dana Elif Farah Gus Hiro Ilse Jamal Kenji Lucia Mateo Nadia"
).split()
LAST_NAMES = (
    "Adams Brooks Chen Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau Novak Ortiz Patel Quist "
    "Rossi Singh Torres Ueda Varga Walsh Xu Young Zimmer Akhtar Berg Costa Dubois Eriksen Fontaine Gill Haas "
    "Ivanova Jones Kowalski Lindqvist Mendes Nakamura"
).split()
OWNERS = ("Olivia Park", "Marcus Bell", "Priya Nair", "Tom Reyes", "Aiko Tanaka", "Lena Fischer")
HEAD = ("Hana Okafor", "admin")
SALES_VP = "Victor Hale"
SALES_DIRECTORS = ("Grace Kim", "Diego Alvarez")
ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "America/Los_Angeles")

BUSINESS_START, BUSINESS_SECONDS = 30_600, 34_200  # 08:30 local, and 9.5 hours
BATCH_ROWS = 200_000  # rows generated before a batch of partners is written
