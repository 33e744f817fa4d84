#!/usr/bin/env python3
"""Plays the system browser for the end-to-end test: spconnect runs it as $BROWSER with the
authorize URL. It loads Microsoft's sign-in page (the demo tenant's), signs in as the account in
SPCONNECT_E2E_LOGIN / SPCONNECT_E2E_PASSWORD, accepts consent if asked, and follows the redirect to
spconnect's loopback listener, as a browser does. What it saw (the final page, the redirect's
query) goes to SPCONNECT_E2E_BROWSER_LOG, so the test can check that none of it leaked.
Only the Python standard library; only loopback addresses are contacted."""

import html
import http.cookiejar
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

LOG = os.environ.get("SPCONNECT_E2E_BROWSER_LOG")


def log(line):
    if LOG:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class LoopbackOnly(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        host = urllib.parse.urlsplit(newurl).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise RuntimeError(f"refusing to leave loopback for {host}")
        if urllib.parse.urlsplit(newurl).query.find("code=") >= 0:
            log("redirect " + urllib.parse.urlsplit(newurl).query)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def first_form(page):
    form = re.search(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", page, re.S)
    if not form:
        return None, {}
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form.group(2)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return html.unescape(form.group(1)), fields


def main():
    url = sys.argv[1]
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), LoopbackOnly()
    )
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url))
    page = opener.open(url, timeout=30).read().decode()
    for _ in range(4):
        action, fields = first_form(page)
        if action is None:
            break
        if "passwd" in fields:
            fields["login"] = os.environ["SPCONNECT_E2E_LOGIN"]
            fields["passwd"] = os.environ["SPCONNECT_E2E_PASSWORD"]
        elif "consent" in action:
            fields["action"] = "accept"
        else:
            break
        body = urllib.parse.urlencode(fields).encode()
        page = opener.open(urllib.parse.urljoin(origin, action), data=body, timeout=30).read().decode()
    log("final " + re.sub(r"\s+", " ", page)[:300])


if __name__ == "__main__":
    try:
        main()
    except urllib.error.HTTPError as error:  # the test reads the log to say what went wrong
        body = error.read().decode(errors="replace")
        log(f"error {error!r} at {error.url}: " + re.sub(r"\s+", " ", body)[:400])
        sys.exit(1)
    except Exception as error:
        log(f"error {error!r}")
        sys.exit(1)
