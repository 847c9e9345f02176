"""定时任务: periodic jobs that run once across all workers (a database lease), with history.

Adding a job (the whole API)::

    from web.services.jobs.registry import JobSpec, register

    def send_pool_reminders(session: Session, ctx: JobContext) -> str:
        ...                      # do the work; commit; return a one-line Chinese result
        return f"已提醒 {n} 家企业"

    register(JobSpec(name="pool_reminders", label="培育库提醒", description="…",
                     run=send_pool_reminders, every=timedelta(days=1), at_hour=9))

Register at import time of a module listed in ``web.services.jobs.builtin.JOB_MODULES``.
The scheduler (``runner``) runs due jobs; admins see them at /admin/jobs and can run one now.
"""
