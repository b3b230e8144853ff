"""Signals other apps listen to (the API notifies the portal when its application is decided)."""

from django.dispatch import Signal

# Sent inside the deciding transaction with `change` (approved, rejected or cancelled).
change_decided = Signal()
