"""A relying party written with Python's Authlib (Debian's python3-authlib), run by
test/browser/oidc-authlib.test.ts: a tiny web app that signs people in with OpenID Connect exactly as
Authlib's documentation shows — discovery from the bare issuer, the code flow with PKCE and a nonce, the
ID token checked by Authlib's own CodeIDToken (signature from the JWKS, iss, aud, exp, nonce, at_hash),
UserInfo, a refresh, and RP-initiated logout. Nothing in it knows authbridge.

Usage: python3 authlib_rp.py ISSUER CLIENT_ID CLIENT_SECRET PORT
Prints {"port": N} once it listens on 127.0.0.1:PORT; GET /result answers what the last sign-in saw, as JSON.
"""
import json
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test issuer is http on loopback

ISSUER, CLIENT_ID, CLIENT_SECRET, PORT = sys.argv[1:5]
SCOPE = "openid profile email groups"
META = requests.get(ISSUER + "/.well-known/openid-configuration", timeout=10).json()
if META["issuer"] != ISSUER:
    raise SystemExit("issuer mismatch")

pending = {}
result = {}


def verify_id_token(id_token, nonce, access_token):
    jwks = JsonWebKey.import_key_set(requests.get(META["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        id_token,
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": ISSUER}, "aud": {"essential": True, "value": CLIENT_ID}},
        claims_params={"nonce": nonce, "client_id": CLIENT_ID, "access_token": access_token},
    )
    claims.validate(leeway=5)
    return dict(claims), claims.header["alg"]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def send(self, status, body, content_type="text/html", location=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        if location:
            self.send_header("location", location)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        base = "http://127.0.0.1:%d" % self.server.server_port
        path, _, query = self.path.partition("?")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        try:
            if path == "/login":
                session = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope=SCOPE, redirect_uri=base + "/cb", code_challenge_method="S256")
                verifier = secrets.token_urlsafe(48)
                nonce = secrets.token_urlsafe(16)
                url, state = session.create_authorization_url(META["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
                pending[state] = (verifier, nonce)
                return self.send(302, "", location=url)
            if path == "/cb":
                if "error" in params:
                    result["error"] = params["error"]
                    return self.send(200, "<h1>sign-in refused: %s</h1>" % params["error"])
                verifier, nonce = pending.pop(params["state"])
                session = OAuth2Session(CLIENT_ID, CLIENT_SECRET, redirect_uri=base + "/cb", state=params["state"])
                token = session.fetch_token(META["token_endpoint"], authorization_response=base + self.path, code_verifier=verifier)
                claims, alg = verify_id_token(token["id_token"], nonce, token["access_token"])
                userinfo = session.get(META["userinfo_endpoint"]).json()
                refreshed = session.refresh_token(META["token_endpoint"], refresh_token=token["refresh_token"])
                again, _ = verify_id_token(refreshed["id_token"], None, refreshed["access_token"])
                result.clear()
                result.update({"claims": claims, "alg": alg, "userinfo": userinfo, "refreshed": again, "id_token": refreshed["id_token"]})
                return self.send(200, "<h1>signed in as %s</h1>" % claims.get("preferred_username"))
            if path == "/logout":
                query = urlencode({"id_token_hint": result["id_token"], "post_logout_redirect_uri": base + "/bye", "state": "py-bye"})
                return self.send(302, "", location=META["end_session_endpoint"] + "?" + query)
            if path == "/bye":
                result["logged_out_state"] = params.get("state")
                return self.send(200, "<h1>signed out</h1>")
            if path == "/result":
                return self.send(200, json.dumps(result), "application/json")
            return self.send(404, "not found")
        except Exception as e:  # the test reads what went wrong
            result["exception"] = "%s: %s" % (type(e).__name__, e)
            return self.send(500, "<h1>error</h1><pre>%s</pre>" % type(e).__name__)


server = HTTPServer(("127.0.0.1", int(PORT)), Handler)
print(json.dumps({"port": server.server_port}), flush=True)
server.serve_forever()
