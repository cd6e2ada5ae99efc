//! Client errors, worded for the operator who has to act on them.

use std::fmt;

#[derive(Debug)]
pub enum ClientError {
    /// No peer could be reached (connection refused, DNS, TLS…).
    Unreachable { host: String, reason: String },
    /// The cluster refused our credentials.
    Unauthorized {
        host: String,
        user: Option<String>,
        message: String,
        source_hint: String,
    },
    /// The API answered with an error object.
    Api {
        host: String,
        status: u16,
        message: String,
    },
    /// Nothing arrived in time.
    Timeout { host: String, what: String },
    /// A stream ended with `X-Stream-Error` values: the rows received are partial.
    Stream { host: String, messages: Vec<String> },
    /// The answer was not what the API sends.
    Decode { host: String, what: String },
    /// `/add` answered 200 and nothing (ipfs-cluster#2123), or otherwise failed.
    Add { host: String, message: String },
    /// A local file problem.
    Io { path: String, message: String },
    /// The operation was cancelled.
    Cancelled,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Unreachable { host, reason } => write!(f, "cannot reach {host}: {reason}"),
            ClientError::Unauthorized {
                host,
                user,
                message,
                source_hint,
            } => match user {
                Some(u) => write!(
                    f,
                    "the cluster at {host} refused user {u}: check the password in {source_hint}"
                ),
                None => write!(
                    f,
                    "the cluster at {host} wants a login ({message}): set cluster.basic_auth_user and basic_auth_password in {source_hint}"
                ),
            },
            ClientError::Api { host, status, message } => {
                write!(f, "the cluster at {host} answered {status}: {message}")
            }
            ClientError::Timeout { host, what } => write!(f, "{host} did not answer in time ({what})"),
            ClientError::Stream { host, messages } => write!(
                f,
                "{host} could not complete the listing (partial result): {}",
                messages.join("; ")
            ),
            ClientError::Decode { host, what } => write!(f, "{host} sent an answer ccs-tui cannot read: {what}"),
            ClientError::Add { host, message } => write!(f, "upload to {host} failed: {message}"),
            ClientError::Io { path, message } => write!(f, "{path}: {message}"),
            ClientError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for ClientError {}

/// Describes a transport error without reqwest's nested noise.
pub(crate) fn transport_reason(e: &reqwest::Error) -> String {
    let mut src: Option<&dyn std::error::Error> = Some(e);
    let mut last = e.to_string();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    let l = last.to_lowercase();
    if l.contains("connection refused") {
        "connection refused".into()
    } else if l.contains("dns error")
        || l.contains("failed to lookup")
        || l.contains("name or service not known")
    {
        "host name not found".into()
    } else if l.contains("certificate") || l.contains("tls") {
        format!("TLS failed: {last}")
    } else if l.contains("reset") {
        "connection reset".into()
    } else {
        last
    }
}
