"""Planned sessions out of the app: FIT workout files for watches and iCalendar feeds."""
