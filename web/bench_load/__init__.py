"""Load benchmark over loopback: ``python -m web.bench_load`` (see ``__main__``)."""
