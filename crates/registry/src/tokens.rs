//! Access tokens: who may talk to the server, and what they may do.
//!
//! An operator makes a token with `formulary token new`, on the server's
//! machine or, while the server runs, through it with an admin token; its
//! secret is shown once and the store keeps only its sha256.
//! Composer sends it as http-basic (user = the token's name, password =
//! the secret) or as a bearer token; `formulary --server` does the same.
//! The server checks every request against a [`TokenTable`] it keeps in
//! memory (made by [`Registry::token_table`], made again whenever a token
//! is made or revoked through it) and checks the scope it gets back
//! against the route's; [`Registry::authenticate`] does the same from the
//! store.
//!
//! Secrets are wrapped so that neither `Debug` nor a log line can show
//! them, and are compared only as hashes, in constant time, against every
//! active token, so neither timing nor an early exit tells a caller how
//! close a guess came or which token it nearly matched.

use std::fmt;
use std::sync::atomic::Ordering;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use formulary_store::{TokenRecord, LOCAL_ACTOR};
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConstantTimeEq as _};

use crate::{Registry, RegistryError};

/// What every secret starts with, so that secret scanners (and people)
/// can tell a formulary token when they see one in a file or a paste.
pub const SECRET_PREFIX: &str = "fml_";

/// Random bytes in a secret: 256 bits, beyond guessing.
const SECRET_BYTES: usize = 32;

/// The longest token name; names are also http-basic user names.
const MAX_NAME_LEN: usize = 64;

/// What a token may do. Each scope allows reading; see [`Scope::allows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Composer metadata and dists, review listings, the log.
    Read,
    /// Read, and ingest new versions.
    Intake,
    /// Read, and record signed decisions.
    Review,
    /// Everything, including trusting and revoking keys.
    Admin,
}

impl Scope {
    /// Parses `read`, `intake`, `review` or `admin`.
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "read" => Some(Scope::Read),
            "intake" => Some(Scope::Intake),
            "review" => Some(Scope::Review),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    /// The scope's word, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Intake => "intake",
            Scope::Review => "review",
            Scope::Admin => "admin",
        }
    }

    /// Whether a token of this scope may do what `needed` covers.
    ///
    /// Intake and review are kept apart on purpose: the machine that feeds
    /// new versions in should not be able to record decisions on them.
    pub fn allows(self, needed: Scope) -> bool {
        self == Scope::Admin || needed == Scope::Read || self == needed
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token's secret. Shown once, when made; never printed by `Debug`.
pub struct TokenSecret(String);

impl TokenSecret {
    /// The secret itself, to show the operator once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `fml_` and 32 bytes from the operating system, base64url.
    fn generate() -> Result<TokenSecret, RegistryError> {
        let mut bytes = [0u8; SECRET_BYTES];
        OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| RegistryError::Random(e.to_string()))?;
        let encoded = URL_SAFE_NO_PAD.encode(bytes);
        Ok(TokenSecret(format!("{SECRET_PREFIX}{encoded}")))
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(…redacted…)")
    }
}

/// A token just made: the only time its secret is known.
#[derive(Debug)]
pub struct NewToken {
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// The secret, to hand to its user.
    pub secret: TokenSecret,
}

/// What may be shown of a token: everything but its hash, which helps
/// nobody and would only invite offline guessing. `token list` prints
/// these, locally and through the server's API alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// Its name.
    pub name: String,
    /// Its scope, as stored (`read`, `intake`, `review`, `admin`).
    pub scope: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl From<&TokenRecord> for TokenView {
    fn from(record: &TokenRecord) -> TokenView {
        TokenView {
            name: record.name.clone(),
            scope: record.scope.clone(),
            created_at: record.created_at.clone(),
            revoked_at: record.revoked_at.clone(),
        }
    }
}

/// What a client presented in its `Authorization` header.
pub enum Credential {
    /// http-basic: the user is the token's name, the password its secret.
    Basic {
        /// The user name.
        user: String,
        /// The password: a token secret.
        password: String,
    },
    /// A bearer token: the secret alone.
    Bearer(String),
}

impl Credential {
    /// The secret part.
    fn secret(&self) -> &str {
        match self {
            Credential::Basic { password, .. } => password,
            Credential::Bearer(secret) => secret,
        }
    }

    /// `basic` or `bearer`, for logs that must not show the user field
    /// (people paste secrets there too).
    fn kind(&self) -> &'static str {
        match self {
            Credential::Basic { .. } => "basic",
            Credential::Bearer(_) => "bearer",
        }
    }

    /// Whether the credential names `token` as its user. A bearer token
    /// names no user, so any token may be the one.
    fn names(&self, token: &str) -> Choice {
        match self {
            Credential::Basic { user, .. } => user.as_bytes().ct_eq(token.as_bytes()),
            Credential::Bearer(_) => Choice::from(1),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"…redacted…")
                .finish(),
            Credential::Bearer(_) => f.write_str("Bearer(…redacted…)"),
        }
    }
}

impl Registry {
    /// Makes a token called `name` with `scope` and returns its secret,
    /// which is not kept: only its sha256 is stored.
    ///
    /// Names are 1 to 64 of `A-Z a-z 0-9 . _ -`; a name held by a token
    /// that is still accepted is refused
    /// ([`formulary_store::StoreError::TokenExists`]).
    pub fn new_token(&self, name: &str, scope: Scope) -> Result<NewToken, RegistryError> {
        self.new_token_as(name, scope, LOCAL_ACTOR)
    }

    /// [`Registry::new_token`], with `who` asked for it in the audit trail
    /// (the server passes the admin token that called it).
    pub fn new_token_as(
        &self,
        name: &str,
        scope: Scope,
        who: &str,
    ) -> Result<NewToken, RegistryError> {
        check_name(name)?;
        let secret = TokenSecret::generate()?;
        let record = TokenRecord {
            name: name.to_string(),
            scope: scope.as_str().to_string(),
            sha256: secret_sha256_hex(secret.expose()),
            created_at: self.now_rfc3339(),
            revoked_at: None,
        };
        self.store.insert_token(&record, who)?;
        self.tokens_changed();
        Ok(NewToken {
            name: record.name,
            scope,
            secret,
        })
    }

    /// Every token, revoked ones included, sorted by name.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, RegistryError> {
        Ok(self.store.tokens()?)
    }

    /// Revokes the token called `name`: from now on it is refused. A
    /// token already revoked keeps its first revocation time.
    pub fn revoke_token(&self, name: &str) -> Result<TokenRecord, RegistryError> {
        self.revoke_token_as(name, LOCAL_ACTOR)
    }

    /// [`Registry::revoke_token`], with `who` asked for it in the audit
    /// trail.
    pub fn revoke_token_as(&self, name: &str, who: &str) -> Result<TokenRecord, RegistryError> {
        let when = self.now_rfc3339();
        let record = self.store.revoke_token(name, &when, who)?;
        self.tokens_changed();
        Ok(record)
    }

    /// The name and scope of the active token this credential proves, or
    /// `None` for a missing, wrong or revoked one.
    ///
    /// This reads every token from the store; a server answering many
    /// requests keeps a [`TokenTable`] instead ([`Registry::token_table`])
    /// and rebuilds it when tokens change.
    pub fn authenticate(&self, credential: &Credential) -> Option<(String, Scope)> {
        match self.token_table() {
            Ok(table) => table.authenticate(credential),
            Err(err) => {
                tracing::warn!(%err, "cannot read the tokens; refusing every credential");
                None
            }
        }
    }

    /// The active tokens as they stand in the store now, ready to check
    /// credentials against without reading the store again.
    pub fn token_table(&self) -> Result<TokenTable, RegistryError> {
        // Read before the store: a change made while we read leaves the
        // table a generation behind, to be read again.
        let generation = self.token_generation();
        let mut table = TokenTable::new(&self.store.tokens()?);
        table.generation = generation;
        Ok(table)
    }

    /// How many times tokens were made or revoked through this registry
    /// since it was opened. A [`TokenTable`] whose
    /// [`generation`](TokenTable::generation) is older must be made again.
    pub fn token_generation(&self) -> u64 {
        self.token_generation.load(Ordering::Acquire)
    }

    /// Called once a token change is stored.
    fn tokens_changed(&self) {
        self.token_generation.fetch_add(1, Ordering::Release);
    }
}

/// The active tokens, held in memory to check credentials against.
///
/// Made from the store's records by [`Registry::token_table`]; it does not
/// follow later changes, so whoever keeps one must make a new one after a
/// token is made or revoked (its [`generation`](TokenTable::generation)
/// tells). Checking a credential costs one sha256 and a
/// constant-time comparison with every active token's hash: neither
/// timing nor an early exit tells a caller how close a guess came or
/// which token it nearly matched. Revoked tokens are left out when the
/// table is made.
#[derive(Clone, Default)]
pub struct TokenTable {
    active: Vec<ActiveToken>,
    generation: u64,
}

#[derive(Clone)]
struct ActiveToken {
    name: String,
    /// The stored scope word; one we do not know refuses the token.
    scope: String,
    /// The decoded sha256; a damaged hash decodes to nothing, which
    /// equals no digest.
    sha256: Vec<u8>,
}

impl TokenTable {
    /// The table of the records that are not revoked.
    pub fn new(records: &[TokenRecord]) -> TokenTable {
        let active = records
            .iter()
            .filter(|t| t.revoked_at.is_none())
            .map(|t| ActiveToken {
                name: t.name.clone(),
                scope: t.scope.clone(),
                sha256: hex::decode(&t.sha256).unwrap_or_default(),
            })
            .collect();
        TokenTable {
            active,
            generation: 0,
        }
    }

    /// The [`Registry::token_generation`] it was read at (0 for a table
    /// made with [`TokenTable::new`]).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many active tokens the table holds.
    pub fn len(&self) -> usize {
        self.active.len()
    }

    /// Whether it holds none, so that every credential is refused.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// The name and scope of the active token this credential proves, or
    /// `None` for a wrong or revoked one.
    pub fn authenticate(&self, credential: &Credential) -> Option<(String, Scope)> {
        let token = self.matching(credential)?;
        let Some(scope) = Scope::parse(&token.scope) else {
            tracing::warn!(
                token = %token.name,
                scope = %token.scope,
                "token has an unknown scope; refusing it"
            );
            return None;
        };
        tracing::debug!(token = %token.name, %scope, "credential accepted");
        Some((token.name.clone(), scope))
    }

    /// The active token whose hash matches the credential's secret (and,
    /// for http-basic, whose name is the user), comparing against every
    /// one without stopping at a match.
    fn matching(&self, credential: &Credential) -> Option<&ActiveToken> {
        let presented = Sha256::digest(credential.secret().as_bytes());
        let mut found = None;
        for token in &self.active {
            let same_hash = token.sha256.as_slice().ct_eq(presented.as_slice());
            let hit = same_hash & credential.names(&token.name);
            if bool::from(hit) {
                found = Some(token);
            }
        }
        if found.is_none() {
            tracing::debug!(
                kind = credential.kind(),
                "credential matches no active token"
            );
        }
        found
    }
}

impl fmt::Debug for TokenTable {
    /// Names only: even hashes stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.active.iter().map(|t| &t.name))
            .finish()
    }
}

/// The sha256 hex the store keeps for a secret.
fn secret_sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Refuses a name outside 1 to 64 of `A-Z a-z 0-9 . _ -`.
fn check_name(name: &str) -> Result<(), RegistryError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if !name.is_empty() && name.len() <= MAX_NAME_LEN && name.chars().all(allowed) {
        return Ok(());
    }
    // Echo at most a little of an absurd name.
    let shown: String = name.chars().take(MAX_NAME_LEN + 1).collect();
    Err(RegistryError::TokenName(shown))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::DataDir;

    fn registry() -> (tempfile::TempDir, Registry) {
        let tmp = tempfile::tempdir().unwrap();
        let registry = Registry::init(DataDir::new(tmp.path().join("data"))).unwrap();
        (tmp, registry)
    }

    fn basic(user: &str, password: &str) -> Credential {
        Credential::Basic {
            user: user.to_string(),
            password: password.to_string(),
        }
    }

    #[test]
    fn scopes_allow_reading_their_own_work_and_admin_everything() {
        use Scope::*;
        let table = [
            // (held, needed, allowed)
            (Read, Read, true),
            (Read, Intake, false),
            (Read, Review, false),
            (Read, Admin, false),
            (Intake, Read, true),
            (Intake, Intake, true),
            (Intake, Review, false),
            (Intake, Admin, false),
            (Review, Read, true),
            (Review, Intake, false),
            (Review, Review, true),
            (Review, Admin, false),
            (Admin, Read, true),
            (Admin, Intake, true),
            (Admin, Review, true),
            (Admin, Admin, true),
        ];
        for (held, needed, allowed) in table {
            assert_eq!(held.allows(needed), allowed, "{held} allows {needed}?");
        }
    }

    #[test]
    fn scopes_parse_the_words_they_print_and_nothing_else() {
        for scope in [Scope::Read, Scope::Intake, Scope::Review, Scope::Admin] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{scope}\""));
        }
        for junk in ["", "Read", "write", "reviewer", "admin "] {
            assert_eq!(Scope::parse(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn a_secret_is_prefixed_random_base64url_and_never_debug_printed() {
        let a = TokenSecret::generate().unwrap();
        let b = TokenSecret::generate().unwrap();
        assert_ne!(a.expose(), b.expose());

        let body = a.expose().strip_prefix(SECRET_PREFIX).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), SECRET_BYTES);
        assert_eq!(format!("{a:?}"), "TokenSecret(…redacted…)");
    }

    #[test]
    fn credentials_debug_print_the_user_but_not_the_secret() {
        let shown = format!("{:?}", basic("ci", "fml_s3cret"));
        assert!(shown.contains("ci") && !shown.contains("s3cret"), "{shown}");
        let shown = format!("{:?}", Credential::Bearer("fml_s3cret".to_string()));
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn the_store_keeps_the_hash_of_the_secret_and_never_the_secret() {
        let (_tmp, registry) = registry();
        let token = registry.new_token("ci", Scope::Read).unwrap();
        assert!(!format!("{token:?}").contains(token.secret.expose()));

        let stored = registry.tokens().unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].scope, "read");
        assert_eq!(stored[0].sha256, secret_sha256_hex(token.secret.expose()));
        let stored = serde_json::to_string(&stored).unwrap();
        assert!(!stored.contains(token.secret.expose()));
    }

    #[test]
    fn the_right_secret_is_accepted_as_basic_and_as_bearer() {
        let (_tmp, registry) = registry();
        registry.new_token("ci", Scope::Read).unwrap();
        let alice = registry.new_token("alice", Scope::Review).unwrap();
        registry.new_token("zed", Scope::Admin).unwrap();
        let secret = alice.secret.expose();

        let as_basic = registry.authenticate(&basic("alice", secret));
        let as_bearer = registry.authenticate(&Credential::Bearer(secret.to_string()));

        assert_eq!(as_basic, Some(("alice".to_string(), Scope::Review)));
        assert_eq!(as_bearer, as_basic);
    }

    #[test]
    fn a_wrong_secret_is_refused() {
        let (_tmp, registry) = registry();
        let ci = registry.new_token("ci", Scope::Read).unwrap();
        let mut wrong = ci.secret.expose().to_string();
        // Another last character; one secret in 16 ends in 'A' already.
        let last = wrong.pop().unwrap();
        wrong.push(if last == 'A' { 'B' } else { 'A' });

        for credential in [
            basic("ci", &wrong),
            Credential::Bearer(wrong.clone()),
            Credential::Bearer(String::new()),
            basic("ci", ""),
            // The stored hash itself is not a credential.
            Credential::Bearer(registry.tokens().unwrap()[0].sha256.clone()),
        ] {
            assert_eq!(registry.authenticate(&credential), None, "{credential:?}");
        }
    }

    #[test]
    fn basic_with_another_tokens_name_is_refused() {
        let (_tmp, registry) = registry();
        registry.new_token("ci", Scope::Read).unwrap();
        let admin = registry.new_token("ops", Scope::Admin).unwrap();
        let secret = admin.secret.expose();

        assert_eq!(registry.authenticate(&basic("ci", secret)), None);
        assert_eq!(registry.authenticate(&basic("token", secret)), None);
        assert_eq!(registry.authenticate(&basic("", secret)), None);
    }

    #[test]
    fn a_revoked_token_is_refused_and_its_name_can_be_reused() {
        let (_tmp, registry) = registry();
        let old = registry.new_token("ci", Scope::Admin).unwrap();
        let revoked = registry.revoke_token("ci").unwrap();
        assert!(revoked.revoked_at.is_some());

        let old = old.secret.expose();
        assert_eq!(registry.authenticate(&basic("ci", old)), None);
        assert_eq!(registry.authenticate(&Credential::Bearer(old.into())), None);

        let new = registry.new_token("ci", Scope::Read).unwrap();
        let found = registry.authenticate(&basic("ci", new.secret.expose()));
        assert_eq!(found, Some(("ci".to_string(), Scope::Read)));
    }

    #[test]
    fn a_table_read_before_a_token_change_is_a_generation_behind() {
        let (_tmp, registry) = registry();
        let ci = registry.new_token("ci", Scope::Read).unwrap();
        let table = registry.token_table().unwrap();
        assert_eq!(table.generation(), registry.token_generation());
        let ci = basic("ci", ci.secret.expose());
        assert!(table.authenticate(&ci).is_some());

        registry.revoke_token("ci").unwrap();
        // The old table still accepts it: whoever holds one must see that
        // it is behind and read the tokens again.
        assert_ne!(table.generation(), registry.token_generation());
        let fresh = registry.token_table().unwrap();
        assert!(fresh.is_empty() && fresh.authenticate(&ci).is_none());
        assert_eq!(format!("{fresh:?}"), "[]");
    }

    #[test]
    fn a_name_in_use_is_refused_with_the_way_out() {
        let (_tmp, registry) = registry();
        registry.new_token("ci", Scope::Read).unwrap();
        let err = registry.new_token("ci", Scope::Admin).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("\"ci\"") && message.contains("formulary token revoke ci"),
            "{message}"
        );
    }

    #[test]
    fn names_are_short_plain_words() {
        let (_tmp, registry) = registry();
        for good in ["ci", "a", "deploy.prod_2-eu", &"x".repeat(64)] {
            check_name(good).unwrap();
        }
        let long = "x".repeat(65);
        for bad in ["", "has space", "user:pass", "ünï", "a/b", "tab\t", &long] {
            assert!(
                matches!(check_name(bad), Err(RegistryError::TokenName(_))),
                "{bad:?}"
            );
            assert!(registry.new_token(bad, Scope::Read).is_err());
        }
        assert!(registry.tokens().unwrap().is_empty());
    }

    #[test]
    fn a_token_with_an_unknown_scope_in_the_store_is_refused() {
        let (_tmp, registry) = registry();
        let secret = "fml_hand-made";
        let record = TokenRecord {
            name: "odd".to_string(),
            scope: "superuser".to_string(),
            sha256: secret_sha256_hex(secret),
            created_at: "2026-05-01T10:00:00Z".to_string(),
            revoked_at: None,
        };
        registry.store.insert_token(&record, "test").unwrap();
        assert_eq!(registry.authenticate(&basic("odd", secret)), None);
    }
}
