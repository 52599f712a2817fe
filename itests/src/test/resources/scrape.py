"""Scrapes a p2p /metrics endpoint and parses it with the Prometheus Python client's text parser.

Usage: scrape.py URL [TOKEN]. Prints one line per sample, NAME<TAB>LABELS-AS-JSON<TAB>VALUE, and on
the first line the HTTP status. A text the parser refuses makes it exit 3.
"""
import json
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

url = sys.argv[1]
request = urllib.request.Request(url)
if len(sys.argv) > 2:
    request.add_header("Authorization", "Bearer " + sys.argv[2])
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        status, body = response.status, response.read().decode("utf-8")
except urllib.error.HTTPError as e:
    print(e.code)
    sys.exit(0)
print(status)
try:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            print("%s\t%s\t%r" % (sample.name, json.dumps(sample.labels, sort_keys=True), sample.value))
except Exception as e:  # the parser's own errors: not the Prometheus text format
    print("unparsable: %s" % e, file=sys.stderr)
    sys.exit(3)
