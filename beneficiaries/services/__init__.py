"""Writes to the register, one module per capability (as Zulip's `zerver/actions/`).

- `inputs`: the typed inputs forms, the import and the portal build;
- `checks`: the checks registration and changes share (fields, who may act);
- `registration`: a new beneficiary (an increase);
- `changes`: every other change under maker-checker: create, submit, cancel, reject, approve,
  and applying an approved change (one function per kind);
- `import_file` and `importing`: the spreadsheet contract, and importing a file all or nothing;
- `proposals`: the changes the system proposes (age limits, money not collected).

Nothing is re-exported here: import the module that holds the capability. Every service runs in
one transaction: on any error nothing is saved. History (who, when, before, after) is kept by
django-simple-history on every row written here.
"""
