"""The demo province: a generated register, users for every role and months of payment history.

The top layer: it builds on every other app and none of them imports it. What others (the
`seed_demo` command, the benchmarks, tests) call:

- `demo.seed.demo_seed(...)`: seed a province (units, users, register, planned history);
- `demo.seed.demo_province_ensure(province_code=...)`: load a province's units if missing;
- `demo.seed.demo_communes(province)` and `demo.generator.demo_people(...)`: the people
  `demo_seed` writes, as plain records, for writers of their own (the national bench's COPY);
- `demo.seed.demo_passwords(seed=...)`: the password of each role's users;
- `demo.seed.demo_digest(province=...)`: a fingerprint of a seeded register;
- `demo.history.history_finish(province=...)`: make the planned months of payment history;
- `demo.tasks.history_month_build`: the worker's task that makes them one month a task, oldest
  first, queueing itself for the next (`seed_demo --history=background`, what `make run` does);
- `demo.progress.history_progress()`: how far the history is (the pages' notice reads it).
"""
