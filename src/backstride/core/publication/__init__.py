"""Pure helpers for the publication: Markdown, related articles, podcast feed maths, byte ranges.

Nothing below this package imports Django.
"""
