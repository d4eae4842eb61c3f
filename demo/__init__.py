"""The fictional demo partnership (`manage.py demo-data`, or the first-run set-up's checkbox).

It sits above services/ and goes through the same doors a page does: the role-checked service functions, acting
as the demo account whose role the step needs, and the public rule functions. services/ never imports it.
"""
