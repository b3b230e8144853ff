#!/usr/bin/env python3
"""Act as the one-stop portal (Cổng dịch vụ công): send an application to the API and wait for
the district's decision, which arrives on this script's own webhook (signature checked), or,
if the webhook does not come, by polling the application's status.

    python scripts/portal_client.py --api http://127.0.0.1:8000 --token KEY \\
        --commune 19777 --listen 127.0.0.1:8950 [--dossier HS-...] [--secret S] [--wait 600]

The application system must POST its decisions to this script: set
TROCAP_PORTAL_WEBHOOK_URL=http://127.0.0.1:8950/webhook (and the same
TROCAP_PORTAL_WEBHOOK_SECRET) for the web and worker processes. Standard library only; prints
one JSON line per event and exits 0 once the decision is in, 1 if it is not within --wait
seconds, 2 if the application is refused, 3 if the API cannot be reached.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def say(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


def demo_application(dossier: str, commune: str) -> dict:
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7))).date()
    return {
        "dossier_id": dossier,
        "received_on": today.isoformat(),
        "commune": commune,
        "applicant": {
            "full_name": "Lê Thị Xuân",
            "date_of_birth": "1938-04-12",
            "sex": "F",
            "id_number": "046138004512",
            "phone": "0912345678",
            "address": "Thôn 3",
        },
        "category": "K5C",
        "documents": [
            {"name": "To khai mau 1a.pdf", "kind": "to_khai", "size": 183204},
            {"name": "CCCD.jpg", "kind": "giay_to_tuy_than", "size": 90211},
        ],
    }


def serve_webhook(listen: str, secret: str, decisions: queue.Queue) -> ThreadingHTTPServer:
    host, port = listen.rsplit(":", 1)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # one JSON line per event, nothing else
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, self.headers.get("X-Trocap-Signature", "")):
                say("webhook_refused", reason="bad signature")
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(204)
            self.end_headers()
            decisions.put(json.loads(body))

    server = ThreadingHTTPServer((host, int(port)), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def call(url: str, token: str, payload: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Accept", "application/json")
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        return 0, {"error": str(exc)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--commune", required=True, help="GSO code of the applicant's commune")
    parser.add_argument("--listen", default="127.0.0.1:8950", help="where the webhook arrives")
    parser.add_argument("--secret", default="portal-demo-secret")
    parser.add_argument("--dossier", default=f"HS-{int(time.time())}")
    parser.add_argument("--application", help="a JSON file instead of the demo applicant")
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for a decision")
    parser.add_argument("--poll", type=float, default=30, help="seconds between status polls")
    args = parser.parse_args(argv)

    decisions: queue.Queue = queue.Queue()
    server = serve_webhook(args.listen, args.secret, decisions)
    say("listening", webhook=f"http://{args.listen}/webhook")
    if args.application:
        with open(args.application, encoding="utf-8") as f:
            application = json.load(f)
    else:
        application = demo_application(args.dossier, args.commune)
    base = args.api.rstrip("/") + "/api/v1/portal/applications/"
    status, body = call(base, args.token, application)
    if status == 0:
        say("unreachable", api=base, error=body["error"])
        return 3
    if status not in (200, 201):
        say("refused", http_status=status, errors=body)
        return 2
    dossier = body["dossier_id"]
    say("sent", http_status=status, dossier_id=dossier, change_id=body["change_id"])

    deadline = time.monotonic() + args.wait
    try:
        while time.monotonic() < deadline:
            try:
                left = max(0.1, deadline - time.monotonic())
                decision = decisions.get(timeout=min(args.poll, left))
                if decision.get("dossier_id") == dossier:
                    decision.pop("event", None)  # "application.decided"
                    say("decision", via="webhook", **decision)
                    return 0
            except queue.Empty:
                status, body = call(base + dossier + "/", args.token)
                if status == 200 and body.get("status") != "received":
                    say("decision", via="poll", **body)
                    return 0
        say("timeout", dossier_id=dossier)
        return 1
    finally:
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
