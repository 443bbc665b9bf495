"""Data rights: who looked at my data, download everything, delete my account.

This app sits above the domain apps (it reads every one of them to export or erase a person)
and below the site shell: only ``web``, the root URL conf and the API's mount point import it.
"""
