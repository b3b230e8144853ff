"""Signals of the bottom layer, for the apps above to listen to."""

from django.dispatch import Signal

# Personal data left the system (a download, an API read, a command's file). Sent with
# user (None for a command), what, unit, parameters, row_count. The reports app keeps the
# export log from it; `org.downloads.export_logged` sends it and insists someone listened.
personal_data_exported = Signal()
