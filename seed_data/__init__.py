"""Demo data (``demo/``, 示例数据) and the labelled match set (``labelled/``).

:mod:`seed_data.loader` reads and checks the demo files; ``web.services.seed`` writes them.
"""
