"""A person's task inbox: what is due from them soon, overdue, escalated to them, awaiting their
decision, and what they met. The inbox (``inbox``) is the union of small task sources
(``sources``), one function each, so another kind of task is one more source. No case content:
kinds of duty, case ids, deadlines and countdowns."""
