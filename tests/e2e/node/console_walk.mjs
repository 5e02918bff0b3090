// Walks the onboarding guide's steps 1-9 through the admin console in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core), then gets a token with the secret
// copied from the Credentials tab:
//   node console_walk.mjs <base-url> <admin-user> <admin-password> <realm> <js: on|off> [screenshot-dir]
// Prints one JSON object with what it saw.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.JOSE_DIR;
const entry = path.join(dir, 'node_modules', 'playwright-core', 'index.mjs');
const { chromium } = await import(pathToFileURL(entry).href);

const [base, user, password, realm, js, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
// bypassCSP only lets the test inject axe-core; the pages' own policy is checked elsewhere.
const context = await browser.newContext({ javaScriptEnabled: js === 'on', viewport: { width: 1366, height: 850 }, bypassCSP: true });
const axeSource = fs.readFileSync(path.join(dir, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const page = await context.newPage();
const out = { steps: [], a11y: [] };
let n = 0;
async function step(name) {
  n += 1;
  out.steps.push(name);
  // WCAG 2.1 A/AA rules on every step's page (labels, contrast, landmarks, names).
  if (js === 'on') {
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
    for (const v of result.violations) {
      out.a11y.push({ step: name, id: v.id, impact: v.impact, nodes: v.nodes.map((x) => x.target.join(' ')).slice(0, 3) });
    }
  }
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
  }
}

try {
  // Step 1: sign in and pick the realm.
  await page.goto(`${base}/admin/`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await step('sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Realm', { exact: true }).selectOption(realm);
  await page.getByRole('button', { name: 'Open' }).click();
  await step('realm-selected');

  // Step 2: Clients, Create client.
  await page.getByRole('navigation', { name: 'Realm sections' }).getByRole('link', { name: 'Clients' }).click();
  await page.getByRole('link', { name: 'Create client' }).click();

  // Step 3: general settings.
  await page.getByLabel('Client ID').fill('api-demo-project');
  await page.getByLabel('Name', { exact: true }).fill('api-demo-project');
  await step('general-settings');
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 4: capability config.
  await page.getByLabel('Client authentication').check();
  await page.getByLabel('Standard flow').check();
  await page.getByLabel('Direct access grants').check();
  await page.getByLabel('Service accounts roles').check();
  await step('capability-config');
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 5: login settings.
  await page.getByLabel('Root URL').fill('https://codemie.example.com');
  await page.getByLabel('Valid redirect URIs').fill('https://codemie.example.com/*');
  await page.getByLabel('Valid post logout redirect URIs').fill('+');
  await page.getByLabel('Web origins').fill('https://codemie.example.com');
  await step('login-settings');
  await page.getByRole('button', { name: 'Save' }).click();
  out.created = await page.getByText('Client api-demo-project created.').isVisible();

  // Step 6: the codemie scope as a default client scope.
  const tabs = page.getByRole('navigation', { name: 'Client tabs' });
  await tabs.getByRole('link', { name: 'Client scopes' }).click();
  await page.getByLabel('Client scope', { exact: true }).selectOption({ label: 'codemie' });
  await page.getByLabel('Assigned type').selectOption('Default');
  await page.getByRole('button', { name: 'Add' }).click();
  await step('client-scopes');

  // Step 7: the Developer role for the service account.
  await tabs.getByRole('link', { name: 'Service accounts roles' }).click();
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Developer' });
  await page.getByRole('button', { name: 'Assign' }).click();
  await step('service-account-roles');

  // Step 8: the service-account user: details, then the applications attribute.
  await page.getByRole('link', { name: 'service-account-api-demo-project' }).click();
  await page.getByLabel('Email').fill('api-demo-project@domain.com');
  await page.getByLabel('First name').fill('api-demo');
  await page.getByLabel('Last name').fill('project');
  await page.getByRole('button', { name: 'Save' }).click();
  await step('service-account-user');
  await page.getByRole('link', { name: 'Attributes' }).click();
  await page.getByLabel('New key').fill('applications');
  await page.getByLabel('New value').fill('demo-project');
  await page.getByRole('button', { name: 'Save' }).click();
  await step('attributes');

  // Step 9: copy the secret from the Credentials tab.
  await page.goto(`${base}/admin/console/${realm}/clients`);
  await page.getByRole('link', { name: 'api-demo-project' }).click();
  await page.getByRole('navigation', { name: 'Client tabs' }).getByRole('link', { name: 'Credentials' }).click();
  const secret = await page.locator('#secret').inputValue();
  await step('credentials');

  // Step 10 with the copied secret.
  const resp = await fetch(`${base}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'api-demo-project', client_secret: secret }),
  });
  out.tokenStatus = resp.status;
  const token = await resp.json();
  out.claims = JSON.parse(Buffer.from(token.access_token.split('.')[1], 'base64url').toString());

  await page.getByRole('button', { name: 'Sign out' }).click();
  out.signedOut = await page.getByRole('button', { name: 'Sign in' }).isVisible();
} catch (e) {
  out.error = String(e);
  out.url = page.url();
  if (shots) await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
