// Verifies access tokens with node `jose` against a realm's JWKS, the way a Node resource
// server would: `node verify_jwt.cjs <jwks-url> <issuer>` with a JSON array of tokens on
// stdin; prints a JSON array of {ok, alg, sub} or {ok: false, error}.
'use strict';

const path = require('node:path');

const joseDir = process.env.JOSE_DIR;
if (!joseDir) {
  console.error('JOSE_DIR is not set (scripts/e2e.sh installs jose there)');
  process.exit(2);
}
const { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } = require(path.join(joseDir, 'node_modules', 'jose'));

async function main() {
  const [jwksUrl, issuer] = process.argv.slice(2);
  const tokens = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const results = [];
  for (const token of tokens) {
    try {
      const { alg } = decodeProtectedHeader(token);
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer,
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        typ: 'at+jwt',
      });
      results.push({ ok: true, alg: protectedHeader.alg, headerAlg: alg, sub: payload.sub });
    } catch (e) {
      results.push({ ok: false, error: String(e.code || e.message) });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
