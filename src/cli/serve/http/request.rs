//! What a request is, and which requests are refused before any worker sees
//! them: malformed (400), too large (413, 431), chunked (501), or naming
//! another host (421). Parsing is httparse's.

use std::net::{IpAddr, SocketAddr};

/// Largest request (head and body), bytes.
pub const MAX_REQUEST: usize = 64 * 1024;
/// Header lines at most.
const MAX_HEADERS: usize = 64;

/// A complete request, as the workers see it.
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Vec<u8>,
    /// The Cookie header, if any.
    pub cookie: Option<String>,
}

/// An HTML answer.
pub struct Response {
    pub status: u16,
    pub body: String,
    /// A Set-Cookie value to send.
    pub set_cookie: Option<String>,
}

impl Response {
    pub fn new(status: u16, body: String) -> Response {
        Response {
            status,
            body,
            set_cookie: None,
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\
             Referrer-Policy: no-referrer\r\n\
             Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'\r\n",
            self.status,
            reason(self.status),
            self.body.len()
        );
        if let Some(c) = &self.set_cookie {
            head.push_str(&format!("Set-Cookie: {c}\r\n"));
        }
        if self.status == 503 {
            head.push_str("Retry-After: 5\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// The names a request's Host header may give: loopback names, the bound
/// address and the name given to `--host`. Bound to every interface (0.0.0.0
/// or ::), any address literal is taken too: an address cannot be rebound,
/// only a name can.
pub struct Hosts {
    names: Vec<String>,
    any_address: bool,
}

impl Hosts {
    pub fn new(bound: SocketAddr, given: &str) -> Hosts {
        let given = match given.parse::<IpAddr>() {
            Ok(ip) => address_name(ip),
            Err(_) => given.trim_end_matches('.').to_ascii_lowercase(),
        };
        let mut names: Vec<String> = Vec::new();
        for n in ["localhost", "127.0.0.1", "[::1]"]
            .map(String::from)
            .into_iter()
            .chain([address_name(bound.ip()), given])
        {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        Hosts {
            names,
            any_address: bound.ip().is_unspecified(),
        }
    }

    /// Whether the value of a Host header (`name` or `name:port`) is allowed.
    pub fn allow(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.names.contains(&name)
            || (self.any_address
                && name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok())
    }

    /// The names allowed, for messages.
    fn expected(&self) -> String {
        self.names.join(", ")
    }
}

/// An address as a Host header writes it (IPv6 in brackets).
fn address_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

/// The name of a Host header value without its port; `None` if malformed.
fn host_name(v: &str) -> Option<&str> {
    let v = v.trim();
    let (name, port) = if v.starts_with('[') {
        let end = v.find(']')? + 1;
        (&v[..end], &v[end..])
    } else {
        match v.rsplit_once(':') {
            Some((n, p)) => (n, &v[n.len()..][..p.len() + 1]),
            None => (v, ""),
        }
    };
    let port_ok = port.is_empty()
        || (port.len() > 1 && port[1..].bytes().all(|b| b.is_ascii_digit()) && port.len() <= 6);
    (!name.is_empty() && port_ok).then_some(name)
}

pub enum Parsed {
    /// More bytes are needed.
    Partial,
    Done(Request),
    /// Answer with this status and message.
    Refuse(u16, String),
}

/// Parse what a connection has sent so far.
pub fn parse(input: &[u8], hosts: &Hosts) -> Parsed {
    let too_large = || {
        Parsed::Refuse(
            413,
            format!(
                "request: expected at most {} KiB, got more",
                MAX_REQUEST / 1024
            ),
        )
    };
    let bad = |m: &str| Parsed::Refuse(400, format!("request: {m}"));
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(input) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if input.len() > MAX_REQUEST => return too_large(),
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            return Parsed::Refuse(
                431,
                format!("request: expected at most {MAX_HEADERS} header lines, got more"),
            );
        }
        Err(e) => return bad(&format!("not HTTP ({e})")),
    };
    let (mut host, mut length, mut cookie) = (None, None, None);
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value).into_owned();
        let name = h.name.to_ascii_lowercase();
        match name.as_str() {
            "host" if host.is_some() => return bad("expected one Host header, got several"),
            "host" => host = Some(value),
            "content-length" => match value.trim().parse::<usize>() {
                Ok(n) if length.is_none_or(|l| l == n) => length = Some(n),
                _ => return bad("bad Content-Length"),
            },
            "transfer-encoding" => {
                return Parsed::Refuse(
                    501,
                    "request: expected a body with a Content-Length, got a Transfer-Encoding"
                        .into(),
                );
            }
            "cookie" => cookie = Some(value),
            _ => {}
        }
    }
    let Some(host) = host else {
        return bad("expected a Host header, got none");
    };
    if !hosts.allow(&host) {
        let shown: String = host.chars().take(60).filter(|c| !c.is_control()).collect();
        return Parsed::Refuse(
            421,
            format!(
                "host: expected this machine ({}), got \"{shown}\"",
                hosts.expected()
            ),
        );
    }
    let length = length.unwrap_or(0);
    if head_len + length > MAX_REQUEST {
        return too_large();
    }
    if input.len() < head_len + length {
        return Parsed::Partial;
    }
    let target = req.path.unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Parsed::Done(Request {
        method: req.method.unwrap_or("").to_string(),
        path: path.to_string(),
        query: query.to_string(),
        body: input[head_len..head_len + length].to_vec(),
        cookie,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(bound: &str, given: &str) -> Hosts {
        Hosts::new(bound.parse().unwrap(), given)
    }

    #[test]
    fn host_names_of_this_machine_only() {
        let h = hosts("127.0.0.1:8080", "127.0.0.1");
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST",
            "localhost.",
            "[::1]:8080",
        ] {
            assert!(h.allow(ok), "{ok}");
        }
        for no in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "10.0.0.2:8080",
            "localhost:80x",
            "localhost:",
            "",
            "[::1",
        ] {
            assert!(!h.allow(no), "{no}");
        }
        // Bound to every interface: any address, still no other name.
        let h = hosts("0.0.0.0:8080", "0.0.0.0");
        assert!(h.allow("192.168.1.20:8080") && h.allow("[fe80::1]:8080"));
        assert!(!h.allow("evil.example:8080"));
        // A name given to --host is taken.
        let h = hosts("192.168.1.20:8080", "Teacher.lan");
        assert!(h.allow("teacher.lan:8080") && h.allow("192.168.1.20"));
        assert!(!h.allow("evil.example"));
    }

    fn parsed(raw: &str) -> Parsed {
        parse(raw.as_bytes(), &hosts("127.0.0.1:8080", "127.0.0.1"))
    }

    #[test]
    fn requests_parse_and_refuse() {
        let Parsed::Done(r) = parsed(
            "POST /run?a=1 HTTP/1.1\r\nHost: localhost:8080\r\nCookie: x=1\r\nContent-Length: 3\r\n\r\nb=2",
        ) else {
            panic!("not parsed")
        };
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("POST", "/run", "a=1")
        );
        assert_eq!(
            (r.body.as_slice(), r.cookie.as_deref()),
            (&b"b=2"[..], Some("x=1"))
        );
        assert!(matches!(
            parsed("GET / HTTP/1.1\r\nHost: localhost\r\n"),
            Parsed::Partial
        ));
        assert!(matches!(
            parsed("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nab"),
            Parsed::Partial
        ));
        let status = |raw: &str| match parsed(raw) {
            Parsed::Refuse(s, _) => s,
            _ => 0,
        };
        assert_eq!(status("GET / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"), 421);
        assert_eq!(
            status("GET / HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n"),
            400
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999\r\n\r\n"),
            413
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"),
            501
        );
        assert_eq!(status("\u{1}\u{2} nonsense\r\n\r\n"), 400);
        let many: String = (0..70).map(|k| format!("X-{k}: 1\r\n")).collect();
        assert_eq!(
            status(&format!("GET / HTTP/1.1\r\nHost: localhost\r\n{many}\r\n")),
            431
        );
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_REQUEST));
        assert_eq!(status(&long), 413);
    }
}
