"""An example receiver of farm-auth's webhooks (Standard Webhooks), standard library only.

Verifies each request's signature with WEBHOOK_SECRET (the endpoint's `whsec_...` secret,
shown once when it is subscribed), refuses stale or replayed ones, and prints the event.
Answers 204 when the event is taken (farm-auth then stops retrying), 401 otherwise.
"""

import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ.get("WEBHOOK_SECRET", "")
TOLERANCE_SECONDS = 300
SEEN = {}  # webhook-id -> when, to drop a repeat (a retry of something already taken)


def verified(headers, body: bytes) -> bool:
    if not SECRET.startswith("whsec_"):
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{msg_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in headers.get("webhook-signature", "").split()
        if sig.startswith("v1,")
    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = min(int(self.headers.get("content-length", "0") or 0), 1 << 20)
        body = self.rfile.read(length)
        if not verified(self.headers, body):
            self.send_response(401)
            self.end_headers()
            print("refused: bad or missing signature (is WEBHOOK_SECRET set?)", flush=True)
            return
        msg_id = self.headers["webhook-id"]
        now = time.time()
        for old in [k for k, at in SEEN.items() if now - at > 2 * TOLERANCE_SECONDS]:
            del SEEN[old]
        if msg_id not in SEEN:
            SEEN[msg_id] = now
            event = json.loads(body)
            print(f"{event['type']}: {json.dumps(event['data'])}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
