import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err: unknown) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(
      `testenv: openssl ${args[0] ?? ''} failed in ${cwd}: ${stderr.trim() || String(err)}. Is openssl (>= 1.1.1) installed?`,
      {
        cause: err,
      },
    );
  }
}

/** Paths of the cluster's credentials (all PEM). */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Client cert kube-apiserver presents to aggregated APIs (front proxy); same CA, CN front-proxy-client. */
  frontProxyCert: string;
  frontProxyKey: string;
  /** RSA key that signs and verifies ServiceAccount tokens. */
  serviceAccountKey: string;
}

// Names and groups end up in an openssl -subj string; keep them to characters that need no escaping.
const SAFE = /^[A-Za-z0-9:._@-]+$/;

/** Issues an EC P-256 client certificate signed by the cluster CA: CN = user, one O per group. */
export async function issueClientCert(
  pkiDir: string,
  opts: { fileBase: string; user: string; groups?: readonly string[] },
): Promise<{ cert: string; key: string }> {
  const groups = opts.groups ?? [];
  for (const v of [opts.user, ...groups]) {
    if (!SAFE.test(v)) throw new Error(`testenv: user/group ${JSON.stringify(v)} must match ${String(SAFE)}`);
  }
  const subject = [...groups.map((g) => `/O=${g}`), `/CN=${opts.user}`].join('');
  return signLeaf(pkiDir, opts.fileBase, subject, 'extendedKeyUsage = clientAuth');
}

async function signLeaf(
  pkiDir: string,
  base: string,
  subject: string,
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const key = join(pkiDir, `${base}.key`);
  const cert = join(pkiDir, `${base}.crt`);
  const ext = join(pkiDir, `${base}.ext`);
  await writeFile(
    ext,
    `basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n${extensions}\n`,
  );
  await openssl(pkiDir, [
    'req',
    '-new',
    '-nodes',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-keyout',
    key,
    '-out',
    join(pkiDir, `${base}.csr`),
    '-subj',
    subject,
  ]);
  await openssl(pkiDir, [
    'x509',
    '-req',
    '-in',
    join(pkiDir, `${base}.csr`),
    '-CA',
    join(pkiDir, 'ca.crt'),
    '-CAkey',
    join(pkiDir, 'ca.key'),
    '-set_serial',
    `0x${randomSerial()}`,
    '-days',
    '30',
    '-out',
    cert,
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

function randomSerial(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Generates a throwaway PKI in `<dir>`: a CA, the apiserver serving cert (SANs 127.0.0.1, localhost,
 * kubernetes.default…), an admin client cert in system:masters, and the ServiceAccount signing key.
 */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(dir, 'ca.cnf'),
    '[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3_ca\n[dn]\nCN = patchwindow-testenv-ca\n' +
      '[v3_ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign, digitalSignature\nsubjectKeyIdentifier = hash\n',
  );
  await Promise.all([
    openssl(dir, [
      'req',
      '-x509',
      '-new',
      '-nodes',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '30',
      '-config',
      'ca.cnf',
    ]),
    openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']),
  ]);
  const sans = [
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'IP:127.0.0.1',
    'IP:10.0.0.1',
  ];
  const [serving, admin, frontProxy] = await Promise.all([
    signLeaf(
      dir,
      'apiserver',
      '/CN=kube-apiserver',
      `extendedKeyUsage = serverAuth\nsubjectAltName = ${sans.join(', ')}`,
    ),
    issueClientCert(dir, { fileBase: 'admin', user: 'patchwindow-testenv-admin', groups: ['system:masters'] }),
    issueClientCert(dir, { fileBase: 'front-proxy-client', user: 'front-proxy-client' }),
  ]);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: serving.cert,
    servingKey: serving.key,
    adminCert: admin.cert,
    adminKey: admin.key,
    frontProxyCert: frontProxy.cert,
    frontProxyKey: frontProxy.key,
    serviceAccountKey: join(dir, 'sa.key'),
  };
}
