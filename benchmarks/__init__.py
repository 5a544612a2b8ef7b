"""`partnerbot bench`: fills a store at a named scale and measures what users wait for (see README, Benchmark)."""
