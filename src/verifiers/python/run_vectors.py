"""Runs linkgateway_verifier.py over a vector file: prints "name TAB outcome" per vector (valid, invalid, key-refused)."""

import json
import sys

from linkgateway_verifier import BotHeaderVerifier, KeyRefused


class _Headers(dict):
    def get(self, name, default=None):
        return super().get(name.lower(), default)


def outcome(vector):
    try:
        verifier = BotHeaderVerifier(vector["key"])
    except KeyRefused:
        return "key-refused"
    headers = _Headers((name.lower(), value) for name, value in vector["headers"].items())
    verdict = verifier.verify(headers, vector["method"], vector["target"], now=vector["now"])
    return "valid" if verdict.verified else "invalid"


with open(sys.argv[1], encoding="utf-8") as file:
    for vector in json.load(file)["vectors"]:
        print("%s\t%s" % (vector["name"], outcome(vector)))
