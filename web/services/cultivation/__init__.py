"""Cultivation (培育): qualification rules as data, pools, 缺什么补什么 gaps, the indicator
pipeline and the listing pool's 一企一策. The shipped rule set and the plan's pools are
installed at startup by :func:`web.services.cultivation.pools.ensure_defaults`."""
