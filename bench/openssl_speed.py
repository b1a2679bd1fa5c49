"""Read `openssl speed -evp ALG -bytes 16384` output on stdin; print one JSON object with its
MB/s (openssl reports 1000s of bytes per second). Usage: openssl_speed.py ALG SECONDS."""
import json
import sys

alg, seconds = sys.argv[1], sys.argv[2]
text = sys.stdin.read()
rows = [l.split() for l in text.splitlines() if l.split()[:1] and l.split()[0].lower() == alg.lower()]
if not rows or not rows[-1][-1].endswith("k"):
    sys.exit(f"openssl_speed.py: no result row for {alg} in:\n{text}")
kbps = float(rows[-1][-1][:-1])
print(json.dumps({"runner": "openssl", "algorithm": alg,
                  "command": f"openssl speed -evp {alg} -bytes 16384 -seconds {seconds}",
                  "mbps": kbps * 1000 / 1e6}))
