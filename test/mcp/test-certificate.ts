/**
 * A throwaway certificate authority and a server certificate it signed, made with `openssl` at test time:
 * for serving a client ID metadata document over real https from the test. Only a process told to trust
 * the CA (NODE_EXTRA_CA_CERTS, or `ca` on a request) accepts the certificate; nothing is installed.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** PEM texts, and the CA's path (for NODE_EXTRA_CA_CERTS). */
export interface TestCertificate {
  caPem: string;
  caPath: string;
  key: string;
  cert: string;
}

/**
 * Create a CA and a certificate for `hostname` (valid one day, P-256) in `dir`.
 * @example const tls = testCertificate(dir.path, "client.example.test"); https.createServer({ key: tls.key, cert: tls.cert }, …);
 */
export function testCertificate(dir: string, hostname: string): TestCertificate {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "1", "-subj", "/CN=authbridge test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", ...ec, "-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", `/CN=${hostname}`);
  writeFileSync(file("leaf.ext"), `subjectAltName=DNS:${hostname}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl("x509", "-req", "-in", file("leaf.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out", file("leaf.pem"), "-days", "1", "-extfile", file("leaf.ext"));
  return { caPem: readFileSync(file("ca.pem"), "utf8"), caPath: file("ca.pem"), key: readFileSync(file("leaf.key"), "utf8"), cert: readFileSync(file("leaf.pem"), "utf8") };
}
