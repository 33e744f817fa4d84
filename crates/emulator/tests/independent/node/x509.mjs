// Self-signed X.509 certificates with nothing but node:crypto: an RSA-2048 key and a v3
// certificate signed with SHA-256 (RFC 5280), written out as DER and PEM. Used for the emulator's
// HTTPS certificate (subjectAltName IP 127.0.0.1) and for the certificates a connection's app
// registration holds.

import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";

// ---- DER (X.690): just the types a certificate needs ---------------------------------------

function length(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag, ...contents) {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items) => tlv(0x30, ...items);
const set = (...items) => tlv(0x31, ...items);
const utf8 = (text) => tlv(0x0c, Buffer.from(text, "utf8"));
const bitString = (bytes) => tlv(0x03, Buffer.from([0]), bytes);
const octetString = (bytes) => tlv(0x04, bytes);
const explicit = (number, item) => tlv(0xa0 | number, item);

function integer(bytes) {
  // Positive: a leading 0x00 when the high bit is set.
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted) {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const value of rest) {
    const groups = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) groups.unshift(0x80 | (v & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(date) {
  // UTCTime (YYMMDDHHMMSSZ) for years before 2050, as RFC 5280 §4.1.2.5 requires.
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tlv(0x17, Buffer.from(text, "ascii"));
}

const SHA256_WITH_RSA = sequence(oid("1.2.840.113549.1.1.11"), Buffer.from([0x05, 0x00]));

function name(commonName) {
  return sequence(set(sequence(oid("2.5.4.3"), utf8(commonName))));
}

function extension(id, critical, value) {
  const flag = critical ? [tlv(0x01, Buffer.from([0xff]))] : [];
  return sequence(oid(id), ...flag, octetString(value));
}

/**
 * A self-signed certificate and its key.
 * @param {{commonName: string, ipAddress?: string, days?: number}} options `ipAddress` adds a
 *   subjectAltName and the serverAuth extended key usage (a TLS server certificate).
 */
export function selfSignedCertificate({ commonName, ipAddress, days = 30 }) {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Date.now();
  const extensions = [extension("2.5.29.19", true, sequence())]; // basicConstraints: not a CA
  if (ipAddress) {
    const ip = Buffer.from(ipAddress.split(".").map(Number));
    extensions.push(extension("2.5.29.17", false, sequence(tlv(0x87, ip)))); // subjectAltName
    extensions.push(extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1")))); // serverAuth
  }
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    SHA256_WITH_RSA,
    name(commonName),
    sequence(time(new Date(now - 3600_000)), time(new Date(now + days * 86400_000))),
    name(commonName),
    publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...extensions)),
  );
  const der = sequence(tbs, SHA256_WITH_RSA, bitString(sign("sha256", tbs, privateKey)));
  const base64 = der.toString("base64");
  return {
    der,
    /** The `key` of a keyCredential: base64 of the DER certificate. */
    base64,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g).join("\n")}\n-----END CERTIFICATE-----\n`,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }),
    sha1Hex: createHash("sha1").update(der).digest("hex"),
    sha256Hex: createHash("sha256").update(der).digest("hex"),
  };
}
