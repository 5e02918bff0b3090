// The onboarding journey through the official Keycloak admin client for Node
// (@keycloak/keycloak-admin-client), as a Keycloak user's script would run it:
//   node admin_journey.mjs <base-url> <admin-user> <admin-password> <realm>
// Prints one JSON object with what the client saw, for the pytest side to check.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.JOSE_DIR;
if (!dir) {
  console.error('JOSE_DIR is not set (scripts/e2e.sh installs the node packages there)');
  process.exit(2);
}
const entry = path.join(dir, 'node_modules', '@keycloak', 'keycloak-admin-client', 'lib', 'index.js');
const { default: KcAdminClient } = await import(pathToFileURL(entry).href);

const [baseUrl, username, password, realm] = process.argv.slice(2);
const kc = new KcAdminClient({ baseUrl, realmName: 'master' });
await kc.auth({ username, password, grantType: 'password', clientId: 'admin-cli' });

const out = {};
await kc.realms.create({ realm, enabled: true });
out.realm = (await kc.realms.findOne({ realm }))?.realm;
kc.setConfig({ realmName: realm });

// The realm's scope and roles.
const scope = await kc.clientScopes.create({ name: 'codemie', protocol: 'openid-connect' });
await kc.clientScopes.addProtocolMapper(
  { id: scope.id },
  {
    name: 'applications',
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usermodel-attribute-mapper',
    config: {
      'user.attribute': 'applications',
      'claim.name': 'applications',
      'jsonType.label': 'String',
      multivalued: 'true',
      'access.token.claim': 'true',
    },
  },
);
await kc.roles.create({ name: 'Developer' });

// Steps 3-5: the client.
const { id } = await kc.clients.create({
  clientId: 'api-demo-project',
  name: 'api-demo-project',
  publicClient: false,
  standardFlowEnabled: true,
  directAccessGrantsEnabled: true,
  serviceAccountsEnabled: true,
  rootUrl: 'https://codemie.example.com',
  redirectUris: ['https://codemie.example.com/*'],
  webOrigins: ['https://codemie.example.com'],
});
out.found = (await kc.clients.find({ clientId: 'api-demo-project' })).map((c) => c.id);
out.clientId = id;
try {
  await kc.clients.create({ clientId: 'api-demo-project' });
  out.duplicate = 'accepted';
} catch (e) {
  out.duplicate = e?.response?.status ?? String(e);
}

// Step 6: the default client scope.
await kc.clients.addDefaultClientScope({ id, clientScopeId: scope.id });
out.defaultScopes = (await kc.clients.listDefaultClientScopes({ id })).map((s) => s.name);

// Step 7: the service account's role.
const sa = await kc.clients.getServiceAccountUser({ id });
const role = await kc.roles.findOneByName({ name: 'Developer' });
await kc.users.addRealmRoleMappings({ id: sa.id, roles: [{ id: role.id, name: role.name }] });
out.roles = (await kc.users.listRealmRoleMappings({ id: sa.id })).map((r) => r.name);

// Step 8: the service-account user.
await kc.users.update(
  { id: sa.id },
  {
    ...sa,
    email: 'api-demo-project@domain.com',
    firstName: 'api-demo',
    lastName: 'project',
    attributes: { applications: ['demo-project'] },
  },
);
const user = await kc.users.findOne({ id: sa.id });
out.user = { username: user.username, email: user.email, attributes: user.attributes };

// Step 9: the secret, then a new one.
const first = await kc.clients.getClientSecret({ id });
const second = await kc.clients.generateNewClientSecret({ id });
out.secretChanged = Boolean(first.value && second.value && first.value !== second.value);

// Step 10: the token with the current secret.
const resp = await fetch(`${baseUrl}/realms/${realm}/protocol/openid-connect/token`, {
  method: 'POST',
  body: new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: 'api-demo-project',
    client_secret: second.value,
  }),
});
out.tokenStatus = resp.status;
const token = await resp.json();
out.claims = JSON.parse(Buffer.from(token.access_token.split('.')[1], 'base64url').toString());

// Clean-up through the client too.
await kc.clients.del({ id });
out.afterDelete = (await kc.clients.find({ clientId: 'api-demo-project' })).length;
await kc.realms.del({ realm });
console.log(JSON.stringify(out));
