//! Per-browser state of the teaching page. Each browser gets a cookie naming
//! its session; a session holds its previous run (drawn faintly under the
//! next) and the number of its latest run request: a run asked for while the
//! same browser's earlier run is still going replaces it, and other browsers'
//! runs go on.
//!
//! The token only tells browsers apart; it is not a secret (the server
//! answers this machine only, and the Host check keeps other sites' pages
//! out). It mixes the server's start time with a counter, so that a cookie
//! left by an earlier server does not meet another browser's session.

use povsim::output::charts::Previous;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The cookie's name.
pub const COOKIE: &str = "povsim_session";
/// Sessions kept at most; the least recently used goes first.
pub const MAX_SESSIONS: usize = 256;

/// One browser's state.
#[derive(Default)]
pub struct Session {
    latest: AtomicU64,
    previous: Mutex<Option<(String, Previous)>>,
}

impl Session {
    /// A new run request: its number, which makes every earlier one stale.
    pub fn start_run(&self) -> u64 {
        self.latest.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Whether run `n` is still this browser's latest.
    pub fn is_latest(&self, n: u64) -> bool {
        self.latest.load(Ordering::SeqCst) == n
    }

    /// Keep `run` (its label and lines) as the previous run; returns the one it replaces.
    pub fn replace_previous(&self, run: (String, Previous)) -> Option<(String, Previous)> {
        let mut p = self.previous.lock().unwrap_or_else(|e| e.into_inner());
        p.replace(run)
    }
}

/// Every browser's session, by token.
pub struct Sessions {
    nonce: u64,
    issued: AtomicU64,
    map: Mutex<Map>,
}

#[derive(Default)]
struct Map {
    by_token: HashMap<String, (Arc<Session>, u64)>,
    clock: u64,
}

impl Sessions {
    pub fn new() -> Sessions {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Sessions {
            nonce: povsim::rng::mix(now ^ u64::from(std::process::id()).rotate_left(32)),
            issued: AtomicU64::new(0),
            map: Mutex::new(Map::default()),
        }
    }

    /// The session named by a request's Cookie header, and the Set-Cookie
    /// value to answer with when the browser had none (or a malformed one).
    pub fn get(&self, cookie_header: Option<&str>) -> (Arc<Session>, Option<String>) {
        let (token, set_cookie) = match cookie_header.and_then(token_of) {
            Some(t) => (t.to_string(), None),
            None => {
                let n = self.issued.fetch_add(1, Ordering::SeqCst);
                let t = format!(
                    "{:016x}",
                    povsim::rng::mix(self.nonce ^ povsim::rng::mix(n))
                );
                let cookie = format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
                (t, Some(cookie))
            }
        };
        let mut m = self.map.lock().unwrap_or_else(|e| e.into_inner());
        m.clock += 1;
        let clock = m.clock;
        if let Some((s, used)) = m.by_token.get_mut(&token) {
            *used = clock;
            return (Arc::clone(s), set_cookie);
        }
        if m.by_token.len() >= MAX_SESSIONS
            && let Some(oldest) = m
                .by_token
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(t, _)| t.clone())
        {
            m.by_token.remove(&oldest);
        }
        let s = Arc::new(Session::default());
        m.by_token.insert(token, (Arc::clone(&s), clock));
        (s, set_cookie)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.lock().unwrap().by_token.len()
    }
}

/// The session token in a Cookie header: letters and digits, 1 to 64 of them.
fn token_of(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_name_sessions_and_new_browsers_get_one() {
        let s = Sessions::new();
        let (a, set) = s.get(None);
        let set = set.expect("a new browser gets a cookie");
        let token = set.split(';').next().unwrap();
        assert!(token.starts_with("povsim_session="), "{set}");
        let (a2, again) = s.get(Some(&format!("theme=dark; {token}")));
        assert!(Arc::ptr_eq(&a, &a2) && again.is_none());
        let (b, set_b) = s.get(None);
        assert!(!Arc::ptr_eq(&a, &b));
        assert_ne!(set_b.unwrap().split(';').next().unwrap(), token);
        // Malformed tokens get a new session and cookie.
        for bad in [
            "povsim_session=",
            "povsim_session=a b",
            "povsim_session=<x>",
        ] {
            assert!(s.get(Some(bad)).1.is_some(), "{bad}");
        }
        // Runs of one session replace each other, not another's.
        let (r1, r2) = (a.start_run(), a.start_run());
        let rb = b.start_run();
        assert!(!a.is_latest(r1) && a.is_latest(r2) && b.is_latest(rb));
    }

    #[test]
    fn sessions_are_bounded_dropping_the_least_recent() {
        let s = Sessions::new();
        let keep = s.get(Some("povsim_session=keep")).0;
        for k in 0..MAX_SESSIONS + 10 {
            s.get(Some(&format!("povsim_session=t{k}")));
            s.get(Some("povsim_session=keep"));
        }
        assert_eq!(s.len(), MAX_SESSIONS);
        assert!(Arc::ptr_eq(&keep, &s.get(Some("povsim_session=keep")).0));
        assert!(
            s.get(Some("povsim_session=t0")).0.start_run() == 1,
            "t0 was dropped"
        );
    }
}
