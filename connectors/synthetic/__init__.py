"""A synthetic but realistic partnership: families, and what each agency holds.

Nothing here is real personal data. ``model`` is the truth (who the people
are); each agency module renders its own view of it in its native format.
"""
