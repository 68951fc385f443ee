// A Keycloak-shaped OpenID provider for PicHosting's sign-in tests, built on panva's certified oidc-provider.
//
// Usage: node keycloak_mimic.mjs CONFIG.json
// Listens on 127.0.0.1:CONFIG.port (0 = any free port) and prints one JSON line {"port": N} when ready.
// Every realm in CONFIG.realms answers under Keycloak's paths:
//   /realms/<realm>/.well-known/openid-configuration
//   /realms/<realm>/protocol/openid-connect/{auth,token,userinfo,certs,logout}
// and issues Keycloak's claims: access tokens are RS256 JWTs with azp, realm_access.roles and
// resource_access.<client>.roles. Where roles go is a client's "roles_in" ({access_token, id_token,
// userinfo}), standing for Keycloak's role mappers; the default is Keycloak's: the access token only.
// Client-credentials tokens belong to the user "service-account-<client_id>"; a client's "audience" list
// stands for Keycloak's audience mapper.
// Users (passwords, roles) are re-read from CONFIG.users_file on every use, so a test can change roles
// between two logins. All realms share one signing key, so a token of one realm verifies against
// another realm's keys and only its issuer differs.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const RESOURCE = 'urn:keycloak:account';
const ENDPOINTS = '/protocol/openid-connect';

const users = () => JSON.parse(readFileSync(config.users_file, 'utf8'));
const userBySub = (sub) => Object.entries(users()).map(([username, u]) => ({ username, ...u }))
  .find((u) => u.sub === sub);
const userByName = (username) => {
  const u = users()[username];
  return u ? { username, ...u } : undefined;
};
const clientExtras = Object.fromEntries(config.clients.map((c) => [c.client_id, c]));
const rolesIn = (clientId, token) => ({ access_token: true, ...clientExtras[clientId]?.roles_in })[token];

function roleClaims(user) {
  return {
    realm_access: { roles: user.realm_roles || [] },
    resource_access: Object.fromEntries(
      Object.entries(user.client_roles || {}).map(([client, roles]) => [client, { roles }]),
    ),
  };
}

function profileClaims(user) {
  const claims = { sub: user.sub, preferred_username: user.username };
  if (user.email) Object.assign(claims, { email: user.email, email_verified: true });
  if (user.given_name || user.family_name) {
    Object.assign(claims, {
      given_name: user.given_name,
      family_name: user.family_name,
      name: [user.given_name, user.family_name].filter(Boolean).join(' '),
    });
  }
  return claims;
}

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginForm(action, message = '') {
  return page('Sign in to Keycloak (test)', `<form method="post" action="${escape(action)}">
  ${message ? `<p id="error">${escape(message)}</p>` : ''}
  <input name="username"><input name="password" type="password"><button>Sign in</button></form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
const verifyKeys = jose.createLocalJWKSet({
  keys: [{ kty: signingJwk.kty, n: signingJwk.n, e: signingJwk.e, kid: signingJwk.kid, alg: 'RS256' }],
});

async function makeRealm(realm, origin) {
  const issuer = `${origin}/realms/${realm}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris || [],
      post_logout_redirect_uris: c.post_logout_redirect_uris || [],
      grant_types: c.redirect_uris?.length ? ['authorization_code', 'client_credentials'] : ['client_credentials'],
      response_types: c.redirect_uris?.length ? ['code'] : [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['test-only-cookie-key'] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: {
      // Keycloak's role mappers add these whatever the scope.
      openid: ['sub', 'typ', 'realm_access', 'resource_access'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
      roles: ['realm_access', 'resource_access'],
    },
    scopes: ['openid', 'profile', 'email', 'roles'],
    routes: {
      authorization: `${ENDPOINTS}/auth`,
      token: `${ENDPOINTS}/token`,
      userinfo: `${ENDPOINTS}/userinfo`, // answered by userinfo() below, before oidc-provider sees it
      jwks: `${ENDPOINTS}/certs`,
      end_session: `${ENDPOINTS}/logout`,
      revocation: `${ENDPOINTS}/revoke`,
      introspection: `${ENDPOINTS}/token/introspect`,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Logging out', `${form}<button form="op.logoutForm" name="logout" value="yes">Log out</button>`);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator, client) => ({
          scope: 'profile email roles',
          audience: 'account',
          accessTokenFormat: 'jwt',
          accessTokenTTL: clientExtras[client.clientId]?.access_token_ttl || 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    formats: {
      customizers: {
        async jwt(ctx, token, jwt) {
          const clientId = token.clientId;
          const user = token.accountId
            ? userBySub(token.accountId)
            : userByName(`service-account-${clientId}`);
          jwt.payload.azp = clientId;
          jwt.payload.typ = 'Bearer';
          // Keycloak's audience mapper: lets another client's tokens be accepted by the named clients.
          if (clientExtras[clientId]?.audience) jwt.payload.aud = clientExtras[clientId].audience;
          if (user) Object.assign(jwt.payload, profileClaims(user));
          if (user && rolesIn(clientId, 'access_token')) Object.assign(jwt.payload, roleClaims(user));
        },
      },
    },
    findAccount: async (ctx, sub) => {
      const user = userBySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async (use) => {
          const current = userBySub(sub) || user;
          const withRoles = rolesIn(ctx.oidc.client?.clientId, use);
          const typ = use === 'id_token' ? { typ: 'ID' } : {}; // Keycloak marks its ID tokens
          return { ...profileClaims(current), ...typ, ...(withRoles ? roleClaims(current) : {}) };
        },
      };
    },
    interactions: { url: (ctx, interaction) => `/realms/${realm}/interaction/${interaction.uid}` },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 300, AuthorizationCode: 60 },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  return provider;
}

// Keycloak's userinfo accepts its JWT access tokens; oidc-provider's own userinfo only takes tokens issued
// for it, so this one verifies the JWT against the realm's keys and answers like Keycloak.
async function userinfo(req, res, provider) {
  const token = (req.headers.authorization || '').replace(/^Bearer /i, '');
  try {
    const { payload } = await jose.jwtVerify(token, verifyKeys, { issuer: provider.issuer });
    const user = userBySub(payload.sub);
    if (!user) throw new Error('unknown subject');
    const claims = { ...profileClaims(user), ...(rolesIn(payload.azp, 'userinfo') ? roleClaims(user) : {}) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(claims));
  } catch (err) {
    res.writeHead(401, { 'www-authenticate': `Bearer error="invalid_token"` }).end();
  }
}

async function interaction(req, res, provider) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(loginForm(req.url));
      return;
    }
    const form = await readForm(req);
    const user = userByName(form.username);
    if (!user || user.password !== form.password) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(loginForm(req.url, 'Invalid username or password.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  // Consent is not asked for (Keycloak's default): grant what the client requested.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', async () => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const realms = {};
  for (const realm of config.realms) {
    const provider = await makeRealm(realm, origin);
    realms[realm] = { provider, handle: provider.callback() };
  }
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/realms\/([^/]+)(\/.*)$/);
    const { provider, handle } = (match && realms[match[1]]) || {};
    if (!provider) {
      res.writeHead(404).end();
      return;
    }
    const path = match[2].split('?')[0];
    try {
      if (path === `${ENDPOINTS}/userinfo`) {
        await userinfo(req, res, provider);
      } else if (path.startsWith('/interaction/')) {
        await interaction(req, res, provider);
      } else {
        req.originalUrl = req.url;
        req.url = match[2];
        handle(req, res);
      }
    } catch (err) {
      console.error(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
