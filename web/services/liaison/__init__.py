"""重点企业包联: staff assignments, visit schedules and logs, 诉求 followed to closure, overdue flags."""
