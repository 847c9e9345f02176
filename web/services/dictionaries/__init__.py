"""字典管理: the value lists admins edit (service categories, reject reasons, contract types,
qualifications), with history; retire instead of delete.

For other areas (the whole API)::

    from web.services import dictionaries

    dictionaries.options(session, "qualification")        # [(code, label)] a form may offer
    dictionaries.check(session, "qualification", value)   # the code, or ValidationFailed (Chinese)
    dictionaries.check(session, "category", value, current=posting.category)  # edits keep a retired value
    dictionaries.labels(session, "category")              # {code: label}, retired included

Rows store the ``code``; it never changes, so renames and retirements leave stored rows and
the matcher (which compares codes) untouched.
"""

from web.services.dictionaries.lists import KINDS, check, labels, options

__all__ = ["KINDS", "check", "labels", "options"]
