//! The REST API's JWTs: HS256, claims only `{"iss":user}`, keyed by the user's
//! password, so a token is deterministic per user (as the daemon's are).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn mac(key: &str, msg: &str) -> Option<Vec<u8>> {
    let mut m = Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()?;
    m.update(msg.as_bytes());
    Some(m.finalize().into_bytes().to_vec())
}

pub fn sign(user: &str, password: &str) -> String {
    let claims = serde_json::json!({ "iss": user }).to_string();
    let msg = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let sig = mac(password, &msg).unwrap_or_default();
    format!("{msg}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Checks a token; `password_of` maps the `iss` claim to that user's password.
pub fn verify(token: &str, password_of: impl Fn(&str) -> Option<String>) -> bool {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(claims) = URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    else {
        return false;
    };
    let Some(pass) = claims["iss"].as_str().and_then(&password_of) else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(s) else {
        return false;
    };
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(pass.as_bytes()) else {
        return false;
    };
    m.update(format!("{h}.{c}").as_bytes());
    m.verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_daemon_fixture_shape() {
        let t = super::sign("validUserName", "p");
        assert!(
            t.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ2YWxpZFVzZXJOYW1lIn0.")
        );
        assert!(super::verify(&t, |u| (u == "validUserName").then(|| "p".into())));
        assert!(!super::verify(&t, |_| Some("q".into())));
    }
}
