"""The bottom layer: what every app may use and that uses no app (errors, months, logging,
metrics). It holds no models."""
