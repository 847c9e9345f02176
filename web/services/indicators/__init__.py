"""The plan's indicators: the plan itself, progress against targets, Excel import and export."""
