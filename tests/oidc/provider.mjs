// A real OpenID provider for the integration tests: npm `oidc-provider` (certified implementation).
//
//   node tests/oidc/provider.mjs <port>
//
// Environment: PZ_OIDC_REDIRECT_URIS (comma-separated redirect URIs of the one client),
// PZ_OIDC_CLIENT_ID (default "pilotzone"), PZ_OIDC_CLIENT_SECRET (default "pilotzone-test-secret").
// The issuer is http://127.0.0.1:<port>. Dev interactions are on: any password is accepted and the
// login name picks an account from ACCOUNTS below. Prints "ready <issuer>" once it listens.
import { generateKeyPairSync, randomBytes } from "node:crypto";

import Provider from "oidc-provider";

const port = Number(process.argv[2] || process.env.PORT || 0);
if (!port) {
  console.error("usage: node tests/oidc/provider.mjs <port>");
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.PZ_OIDC_REDIRECT_URIS || "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
if (!redirectUris.length) {
  console.error("PZ_OIDC_REDIRECT_URIS is empty");
  process.exit(2);
}

// login name -> claims; the login name is also the subject (sub), stable across sign-ins
const ACCOUNTS = {
  "admin-gz": {
    email: "admin.guangzhou@demo.pilotzone.cn",
    email_verified: true,
    name: "Guangzhou admin (IdP)",
    pz_role: ["bureau_admin"],
  },
  "reviewer-gz-unverified": {
    email: "reviewer.guangzhou@demo.pilotzone.cn",
    email_verified: false,
    name: "Unverified reviewer",
    pz_role: [],
  },
  "newcomer-off": {
    email: "newcomer-off@idp.example.cn",
    email_verified: true,
    name: "Newcomer (no provisioning)",
    pz_role: ["district-reviewers"],
  },
  "newcomer-on": {
    email: "newcomer-on@idp.example.cn",
    email_verified: true,
    name: "Newcomer (provisioned)",
    pz_role: ["district-reviewers", "unrelated-group"],
  },
  "newcomer-norole": {
    email: "newcomer-norole@idp.example.cn",
    email_verified: true,
    name: "Newcomer without a role",
    pz_role: ["unrelated-group"],
  },
  "province-staff": {
    email: "province-staff@idp.example.cn",
    email_verified: true,
    name: "Provincial staff (IdP)",
    pz_role: "province-viewers",
  },
  "province-admin-demo": {
    email: "province-admin@demo.pilotzone.cn",
    email_verified: true,
    name: "Provincial admin (IdP)",
    pz_role: [],
  },
};

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-key-1", use: "sig", alg: "RS256" };

const configuration = {
  clients: [
    {
      client_id: process.env.PZ_OIDC_CLIENT_ID || "pilotzone",
      client_secret: process.env.PZ_OIDC_CLIENT_SECRET || "pilotzone-test-secret",
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    pz: ["pz_role"],
  },
  scopes: ["openid", "email", "profile", "pz"],
  // scope claims go into the ID token itself (there is no userinfo call in the app)
  conformIdTokenClaims: false,
  // short code lifetime: the expiry test waits it out
  ttl: { AuthorizationCode: 2, IdToken: 600, AccessToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  async findAccount(ctx, sub) {
    const account = Object.hasOwn(ACCOUNTS, sub) ? ACCOUNTS[sub] : undefined;
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, ...account };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.on("server_error", (ctx, err) => console.error("server_error", err));
const server = provider.listen(port, "127.0.0.1", () => console.log(`ready ${issuer}`));
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
