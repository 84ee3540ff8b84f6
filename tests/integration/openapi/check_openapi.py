#!/usr/bin/env python3
# Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
"""Checks a running app's real answers against docs/openapi.yaml.

Starts the app (--port 0, a temporary run dir), sends a request to every
JSON endpoint of the API (errors included: 400, 401, 403, 404, 405, 409, 422),
and checks for each answer that the spec declares its path, method and status
(or a `default`), that its Content-Type is one the spec lists, and that its
JSON body validates against the spec's schema (JSON Schema 2020-12, Debian's
python3-jsonschema). An endpoint the app does not serve yet (404 "no route
for ...") is reported as skipped, so it is checked once it lands.

  check_openapi.py --app build/ci/bin/tunable_counter --spec docs/openapi.yaml
Exit code 0 when every answer matches; 1 with one line per mismatch.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover
    sys.exit(f"check_openapi.py needs python3-jsonschema and python3-yaml "
             f"(scripts/install-deps.sh): {e}")

DEADLINE_S = 30


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        self.templates = [(t, self._regex(t)) for t in self.doc["paths"]]

    @staticmethod
    def _regex(template):
        parts = re.split(r"(\{[^}]+\})", template)
        body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        if template.endswith("{route}"):  # user routes: the rest of the path
            body = body[: -len("[^/]+")] + ".+"
        return re.compile("^" + body + "$")

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def operation(self, method, path):
        for template, regex in self.templates:
            if regex.match(path):
                op = self.doc["paths"][template].get(method.lower())
                return template, op
        return None, None

    def check(self, method, target, status, content_type, body):
        """The mismatches of one answer, as strings."""
        path = target.split("?")[0]
        template, op = self.operation(method, path)
        if template is None:
            # A path the API does not have: the router's 404 (an Error).
            if status != 404:
                return [f"{method} {path}: no path of the spec matches, yet {status}"]
            return self.check_schema(f"{method} {path}", {"$ref": "#/components/schemas/Error"},
                                     content_type, body)
        if op is None:
            # A known path with another method: the router's 405 (an Error).
            if status != 405:
                return [f"{method} {path}: the spec has no {method} for {template}, yet {status}"]
            return self.check_schema(f"{method} {path}", {"$ref": "#/components/schemas/Error"},
                                     content_type, body)
        responses = op["responses"]
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            return [f"{method} {path}: status {status} is not in the spec"]
        response = self.deref(response)
        content = response.get("content")
        if not content:
            return [] if not body else [f"{method} {path} {status}: the spec says no body"]
        media = (content_type or "").split(";")[0].strip()
        if media not in content:
            return [f"{method} {path} {status}: Content-Type {content_type!r} "
                    f"is not one of {sorted(content)}"]
        if media != "application/json":
            return []
        return self.check_schema(f"{method} {path} {status}", content[media].get("schema", {}),
                                 content_type, body)

    def check_schema(self, what, schema, content_type, body):
        try:
            value = json.loads(body)
        except ValueError as e:
            return [f"{what}: the body is not JSON ({e}): {body[:200]!r}"]
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        return [f"{what}: {'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
                for e in validator.iter_errors(value)]


class App:
    def __init__(self, exe):
        self.dir = tempfile.mkdtemp(prefix="openapi-check-")
        self.run_dir = os.path.join(self.dir, "run")
        self.stderr = open(os.path.join(self.dir, "app.stderr"), "w+")
        self.proc = subprocess.Popen([os.path.abspath(exe), "--run-dir", self.run_dir, "--port", "0"],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr, cwd=self.dir)
        deadline = time.monotonic() + DEADLINE_S
        api = os.path.join(self.run_dir, "api.json")
        while True:
            try:
                with open(api, encoding="utf-8") as f:
                    url = json.load(f)["url"]
                with open(os.path.join(self.run_dir, "api-token"), encoding="utf-8") as f:
                    self.token = f.read().strip()
                break
            except (OSError, ValueError, KeyError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the app did not write {api}:\n{self.log()}")
                time.sleep(0.01)  # polling a file the app writes; bounded by the deadline
        self.port = int(url.rsplit(":", 1)[1])

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read()

    def request(self, method, target, body=None, token=True, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE_S)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + self.token
        if body is not None:
            h["Content-Type"] = "application/json"
            body = body if isinstance(body, str) else json.dumps(body)
        conn.request(method, target, body=body, headers=h)
        res = conn.getresponse()
        if res.getheader("Content-Type", "").startswith("text/event-stream"):
            data = b""
            while b"\n\n" not in data:  # the first event is enough
                chunk = res.fp.readline()
                if not chunk:
                    break
                data += chunk
            conn.close()
            return res.status, res.getheader("Content-Type"), data.decode()
        data = res.read().decode()
        conn.close()
        return res.status, res.getheader("Content-Type"), data

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def not_served(status, body):
    if status != 404:
        return False
    try:
        return json.loads(body)["error"]["message"].startswith("no route for")
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="an app binary (tunable_counter)")
    parser.add_argument("--spec", required=True, help="docs/openapi.yaml")
    args = parser.parse_args()
    spec = Spec(args.spec)
    app = App(args.app)
    failures, checked, skipped = [], 0, []

    def expect(method, target, statuses, body=None, token=True, headers=None, served=True):
        nonlocal checked
        status, content_type, text = app.request(method, target, body, token, headers)
        if not served and not_served(status, text):
            skipped.append(f"{method} {target}")
            return status, text
        checked += 1
        if status not in statuses:
            failures.append(f"{method} {target}: status {status}, expected {statuses}: {text[:300]}")
        if status == 304:
            return status, text
        if content_type and content_type.startswith("text/event-stream"):
            data = "".join(line[len("data: "):] for line in text.splitlines()
                           if line.startswith("data: "))
            failures.extend(spec.check_schema(f"{method} {target} (first event)",
                                              {"$ref": "#/components/schemas/StateDocument"},
                                              content_type, data))
        failures.extend(spec.check(method, target, status, content_type, text))
        return status, text

    try:
        expect("GET", "/healthz", [200], token=False)
        expect("GET", "/readyz", [200], token=False)
        _, text = expect("GET", "/api/v1/state", [200], token=False)
        version = json.loads(text)["version"]
        expect("GET", "/api/v1/state", [304, 200], token=False,
               headers={"If-None-Match": f'"{version}"'})
        expect("GET", "/api/v1/state/stream", [200], token=False)
        expect("GET", "/", [200], token=False, served=False)
        expect("GET", "/api/v1/components", [200], token=False, served=False)
        expect("GET", "/api/v1/workers", [200], token=False, served=False)
        expect("GET", "/api/v1/layout", [200], token=False, served=False)
        expect("GET", "/api/v1/works/root.ticker/logs?tail=5", [200], token=False, served=False)
        expect("GET", "/api/v1/works/root.nope/logs", [404], token=False, served=False)
        expect("GET", "/metrics", [200], token=False, served=False)
        expect("GET", "/api/v1/nope", [404], token=False)
        expect("DELETE", "/api/v1/state", [405], token=True)

        patch = [{"op": "replace", "path": "/vars/target", "value": 2000000000}]
        expect("POST", "/api/v1/state", [401], {"version": version, "patch": patch}, token=False)
        _, _, text = app.request("GET", "/api/v1/state")
        seen = json.loads(text)["version"]
        expect("POST", "/api/v1/state", [200], {"version": seen, "patch": patch})
        expect("POST", "/api/v1/state", [409], {"version": seen, "patch": patch})
        expect("POST", "/api/v1/state", [400], '{"version": 0, "patch": [')
        expect("POST", "/api/v1/state", [403], {"version": seen, "patch": [
            {"op": "replace", "path": "/works/ticker/vars/count", "value": 1}]})
        expect("POST", "/api/v1/state", [404], {"version": seen, "patch": [
            {"op": "replace", "path": "/vars/nope", "value": 1}]})
        expect("POST", "/api/v1/state", [422], {"version": seen, "patch": [
            {"op": "replace", "path": "/vars/target", "value": "ten"}]})

        expect("GET", "/app/api/progress", [200], token=False)
        expect("POST", "/app/api/target", [400], {"target": "five"})
        expect("POST", "/app/api/wait_for", [200], {"count": 0})
        expect("POST", "/app/api/nope", [404], {})

        expect("POST", "/api/v1/works/root.nope/stop", [404], None)
        expect("POST", "/api/v1/works/root.ticker/stop", [202], None)
        expect("POST", "/api/v1/app/stop", [202], None)
        app.proc.wait(DEADLINE_S)
    finally:
        log = app.log()
        app.close()

    for s in skipped:
        print(f"SKIP (not served yet): {s}")
    print(f"{checked} answers checked against {args.spec}, {len(skipped)} skipped")
    if failures:
        print("\n".join(f"MISMATCH {f}" for f in failures))
        print("--- app stderr ---\n" + log)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
