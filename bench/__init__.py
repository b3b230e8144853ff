"""Benchmarks of the payment cycle on PostgreSQL (`make bench`, `make bench-national`)."""
