#!/usr/bin/env python3
"""bench/lib/render.py: fills a bench/peers/*.in template: every @NAME@ is replaced by the
value given as NAME=VALUE. A placeholder left without a value is an error, so a template and
the script never drift apart silently.

  render.py TEMPLATE OUT NAME=VALUE...
  render.py --for-each-pem DIR TEMPLATE OUT NAME=VALUE...
      the template once per DIR/*.pem (sorted), with DOMAIN = the file name without .pem and
      DOMAIN_CERT = its path, concatenated (nginx: one server block per certificate)
"""
import glob
import os
import re
import sys

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def fill(text, values, template):
    def replace(match):
        name = match.group(1)
        if name not in values:
            sys.exit(f"render.py: {template}: no value for @{name}@")
        return values[name]
    return PLACEHOLDER.sub(replace, text)


def main(argv):
    each_dir = None
    if argv[:1] == ["--for-each-pem"]:
        each_dir, argv = argv[1], argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    template, out, pairs = argv[0], argv[1], argv[2:]
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"render.py: expected NAME=VALUE, got {pair!r}")
        values[name] = value
    with open(template, encoding="utf-8") as source:
        text = source.read()
    if each_dir is None:
        rendered = fill(text, values, template)
    else:
        parts = []
        for pem in sorted(glob.glob(os.path.join(each_dir, "*.pem"))):
            domain = os.path.basename(pem)[:-len(".pem")]
            parts.append(fill(text, dict(values, DOMAIN=domain, DOMAIN_CERT=pem), template))
        rendered = "".join(parts)
    with open(out, "w", encoding="utf-8") as target:
        target.write(rendered)


if __name__ == "__main__":
    main(sys.argv[1:])
