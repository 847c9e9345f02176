"""The engine side of matching: the worker's index, proposals pushed from it, staff feedback figures."""
