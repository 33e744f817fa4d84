// Runs the MSAL for Node tests with Node's own test runner (`node --test`). Node reads
// NODE_EXTRA_CA_CERTS only when it starts, so this first makes the emulator's self-signed HTTPS
// certificate for 127.0.0.1, then starts `node --test` trusting it, and exits with its status.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { selfSignedCertificate } from "./x509.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "spconnect-msal-node-"));
try {
  const tls = selfSignedCertificate({ commonName: "127.0.0.1", ipAddress: "127.0.0.1", days: 2 });
  const cert = join(folder, "tls-cert.pem");
  const key = join(folder, "tls-key.pem");
  writeFileSync(cert, tls.certificatePem);
  writeFileSync(key, tls.privateKeyPem, { mode: 0o600 });
  const tests = readdirSync(here).filter((name) => name.endsWith(".test.mjs")).sort().map((name) => join(here, name));
  const noProxy = [process.env.NO_PROXY, "127.0.0.1", "localhost"].filter(Boolean).join(",");
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...process.argv.slice(2), ...tests], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, EMULATOR_TLS_CERT: cert, EMULATOR_TLS_KEY: key, NO_PROXY: noProxy, no_proxy: noProxy },
  });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(folder, { recursive: true, force: true });
}
