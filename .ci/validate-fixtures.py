#!/usr/bin/env python3
"""Independent check of the interchange format: validates every fixture payload (Fixtures/events/*.jsonl and
Fixtures/upcasters/*.json) against Schemas/<type>.v<N>.schema.json with Python's jsonschema, the kind of tool an
auditor would use. Prints 'N passed, M failed' and exits non-zero on any failure."""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed; skipping the independent schema check")
    sys.exit(0)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
schemas = {}
for path in glob.glob(os.path.join(root, "Schemas", "*.schema.json")):
    with open(path) as f:
        schemas[os.path.basename(path)] = json.load(f)

checker = jsonschema.FormatChecker()
passed = failed = 0
for path in sorted(glob.glob(os.path.join(root, "Fixtures", "events", "*.jsonl"))):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            name = "%s.v%d.schema.json" % (record["type"], record["schemaVersion"])
            where = "%s:%d (%s)" % (os.path.relpath(path, root), n, record["type"])
            if name not in schemas:
                print("FAIL %s: no schema %s" % (where, name))
                failed += 1
                continue
            errors = sorted(jsonschema.Draft202012Validator(schemas[name], format_checker=checker).iter_errors(record["data"]), key=str)
            if errors:
                print("FAIL %s: %s at %s" % (where, errors[0].message, "/".join(map(str, errors[0].path))))
                failed += 1
            else:
                passed += 1
print("fixture schema check: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
