"""Creates the fleet's subscriptions in the emulator, as the keeper would have, so that a keeper
started on a store seeded with the returned ids finds the platform in agreement (B7: nothing to
create at start-up, only one list call per account).

  populate.py --emulator PORT --webhooks PORT --subscriptions N --out FILE

While it runs, a stand-in listens on 127.0.0.1:WEBHOOKS and answers the emulator's validation
handshakes; the keeper later binds that port and its effective public URL is the same address.
Writes one JSON object per line: account, name, id, eventFilters, creationTime, expirationTime.
Names, filters, lifetime and verification tokens are those of bench/tools/fleet.cc.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import threading
import urllib.parse

SECRET = b"bench-webhook-secret"  # bench::FleetOptions::webhook_secret
NAMES = ["sms", "voicemail", "presence"]
FILTERS = ["/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
           "/restapi/v1.0/account/~/extension/~/voicemail",
           "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"]
REMINDER = "/restapi/v1.0/subscription/~?threshold=86400&interval=3600"  # default for 7 days
EXPIRES_IN = 604800


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Validation-Token", self.headers.get("Validation-Token", ""))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def token(account, name):
    mac = hmac.new(SECRET, f"{account}/{name}".encode(), hashlib.sha256).hexdigest()
    return mac[:32]


def call(conn, method, path, body, headers):
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", type=int, required=True)
    ap.add_argument("--webhooks", type=int, required=True)
    ap.add_argument("--subscriptions", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.webhooks), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    accounts = (a.subscriptions + 2) // 3
    results = [None] * accounts
    errors = []
    workers = [threading.Thread(target=create_range, args=(a, range(w, accounts, 4), results,
                                                            errors)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    server.shutdown()
    server.server_close()
    if errors:
        raise RuntimeError(errors[0])
    with open(a.out, "w") as out:
        for lines in results:
            out.writelines(lines)


def create_range(a, indexes, results, errors):
    """Creates the subscriptions of the accounts at `indexes` on one keep-alive connection."""
    basic = base64.b64encode(b"demo-client:demo-secret").decode()
    conn = http.client.HTTPConnection("127.0.0.1", a.emulator, timeout=60)
    try:
        for i in indexes:
            account = f"acct-{i + 1:05d}"
            form = urllib.parse.urlencode({
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": f"jwt-{account}"})
            tok = call(conn, "POST", "/restapi/oauth/token", form,
                       {"Authorization": f"Basic {basic}",
                        "Content-Type": "application/x-www-form-urlencoded"})
            auth = {"Authorization": f"Bearer {tok['access_token']}",
                    "Content-Type": "application/json"}
            lines = []
            for slot in range(min(3, a.subscriptions - 3 * i)):
                name = NAMES[slot]
                body = json.dumps({
                    "eventFilters": [FILTERS[slot], REMINDER], "expiresIn": EXPIRES_IN,
                    "deliveryMode": {
                        "transportType": "WebHook",
                        "address": f"http://127.0.0.1:{a.webhooks}/webhooks/{account}/{name}",
                        "verificationToken": token(account, name)}})
                sub = call(conn, "POST", "/restapi/v1.0/subscription", body, auth)
                lines.append(json.dumps({
                    "account": account, "name": name, "id": sub["id"],
                    "eventFilters": sub["eventFilters"], "creationTime": sub["creationTime"],
                    "expirationTime": sub["expirationTime"]}) + "\n")
            results[i] = lines
    except Exception as e:  # reported by main(); the other workers finish their share
        errors.append(f"{type(e).__name__}: {e}")
    finally:
        conn.close()

if __name__ == "__main__":
    main()
