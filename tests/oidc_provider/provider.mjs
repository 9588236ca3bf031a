// A real OpenID Connect provider for the test suite (the certified `oidc-provider` package),
// standing in for an organisation's Microsoft Entra ID, Google Workspace or Okta.
//
//   node tests/oidc_provider/provider.mjs CONFIG.json
//
// CONFIG.json: {"clients": [{"client_id", "client_secret"}], "accounts_file": "..."}.
// The accounts file is read on every sign-in, so a test can remove someone or change their
// groups while the provider runs: {"<login>": {"password", "email", "email_verified",
// "given_name", "family_name", "groups": [...], "removed": false}}.
//
// It listens on a free port of 127.0.0.1 and prints `listening <port>` once it answers.
// Its sign-in page checks the password; consent is implied for the registered clients.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function accounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function findAccount(ctx, id) {
  const account = accounts()[id];
  if (!account || account.removed) {
    // Someone removed from the directory loses their sessions too, as at a real provider.
    if (ctx?.oidc?.session?.accountId === id) {
      delete ctx.oidc.session.accountId;
      delete ctx.oidc.session.loginTs;
      ctx.oidc.session.touched = true;
    }
    return undefined;
  }
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: account.email,
        email_verified: account.email_verified ?? true,
        given_name: account.given_name ?? '',
        family_name: account.family_name ?? '',
        name: `${account.given_name ?? ''} ${account.family_name ?? ''}`.trim(),
        groups: account.groups ?? [],
      };
    },
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: ['http://testserver/sign-in/sso/callback/'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-only-cookie-key'] },
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    // The registered clients are first-party: consent is implied.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile groups');
      grant.addOIDCClaims(['email', 'email_verified', 'given_name', 'family_name', 'name', 'groups']);
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><title>Error</title><h1>${escape(out.error)}</h1><p>${escape(out.error_description ?? '')}</p>`;
    },
  });
  // Any port on this machine (the live server's) may receive the code, as well as the
  // Django test client's http://testserver.
  const allowed = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return allowed.call(this, value)
      || /^http:\/\/(127\.0\.0\.1|localhost):\d+\/sign-in\/sso\/callback\/$/.test(value);
  };

  function page(uid, error = '') {
    return `<!DOCTYPE html><html lang="en"><head><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button></form></main></body></html>`;
  }

  async function body(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = page(details.uid);
      return undefined;
    }
    const form = await body(ctx.req);
    const login = form.get('login') ?? '';
    const account = accounts()[login];
    if (!account || account.removed || account.password !== form.get('password')) {
      ctx.type = 'html';
      ctx.status = 200;
      ctx.body = page(details.uid, 'Unknown login or wrong password');
      return undefined;
    }
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: login } }, {
      mergeWithLastSubmission: false,
    });
    return undefined;
  });

  provider.on('server_error', (ctx, error) => process.stderr.write(`${error.stack}\n`));
  server.on('request', provider.callback());
  process.stdout.write(`listening ${port}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
