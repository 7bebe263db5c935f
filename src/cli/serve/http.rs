//! The HTTP side of `povsim serve`: one event loop reads and writes every
//! connection; a fixed pool of workers turns complete requests into pages.
//!
//! The limits hold whatever the page does:
//! - a whole request (head and body) must arrive within [`REQUEST_DEADLINE`]
//!   of its connection being accepted, or it is answered 408: a client that
//!   sends a header line now and then holds only its socket, and not for ever;
//! - at most [`MAX_REQUEST`] bytes (413) and [`MAX_CONNECTIONS`] connections
//!   (more are closed as they come);
//! - the Host header must name this machine ([`Hosts`]; 421 otherwise), so
//!   that a page elsewhere cannot reach the server through DNS rebinding;
//! - complete requests wait in a queue of a fixed number of places for a
//!   fixed number of workers (503 when the queue is full). Workers never touch
//!   a socket: a client slow to read its answer holds no worker, and its
//!   socket for at most [`WRITE_DEADLINE`].
//!
//! So the server's threads are this loop, the workers and rayon's pool, however
//! many clients connect. The readiness API is mio (epoll; what tokio runs on),
//! the parser httparse (hyper's); why not tiny_http or hyper: docs/TEACHING.md.

mod request;

pub use request::{Hosts, MAX_REQUEST, Request, Response};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use request::{Parsed, parse};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Time from accepting a connection to having its whole request.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// Time to write an answer.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// Time to wait for the client's end after answering (so that the answer is
/// not lost to a reset when the client was still sending).
const LINGER: Duration = Duration::from_secs(2);
/// Open connections at most; more are closed at once.
pub const MAX_CONNECTIONS: usize = 2048;

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// How many workers, and how many requests may wait for one.
#[derive(Clone, Copy, Debug)]
pub struct Pool {
    pub workers: usize,
    pub queue: usize,
}

struct Job {
    conn: usize,
    request: Request,
}

enum Phase {
    /// Reading the request, until its deadline.
    Reading,
    /// The request is with the workers.
    Waiting,
    /// Writing the answer, until its deadline.
    Writing,
    /// Answered; reading what the client still sends until it closes or the linger ends.
    Closing,
}

struct Conn {
    stream: TcpStream,
    phase: Phase,
    deadline: Instant,
    input: Vec<u8>,
    output: Vec<u8>,
    written: usize,
}

/// Serve forever: `handler` answers each complete request on one of the
/// workers; `error_page` makes the body of the answers this loop gives itself.
pub fn serve(
    listener: std::net::TcpListener,
    hosts: Hosts,
    pool: Pool,
    handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    error_page: fn(&str) -> String,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (jobs, answers) = workers(pool, handler, Arc::clone(&waker))?;
    let mut lp = Loop {
        poll,
        listener,
        conns: HashMap::new(),
        next: 2,
        accept_paused: false,
        hosts,
        jobs,
        error_page,
        queue: pool.queue,
    };
    let mut events = Events::with_capacity(1024);
    let mut scratch = vec![0u8; 16 * 1024];
    loop {
        let timeout = lp.timeout();
        if let Err(e) = lp.poll.poll(&mut events, Some(timeout)) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for ev in events.iter() {
            match ev.token() {
                LISTENER => lp.accept(),
                WAKER => {
                    while let Ok((conn, bytes)) = answers.try_recv() {
                        lp.answer(conn, bytes);
                    }
                }
                Token(id) => lp.ready(id, &mut scratch),
            }
        }
        lp.expire();
        if lp.accept_paused {
            lp.accept();
        }
    }
}

/// Start the workers; returns the queue they take jobs from and the channel
/// their answers come back on (each answer wakes the loop).
#[allow(clippy::type_complexity)]
fn workers(
    pool: Pool,
    handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    waker: Arc<Waker>,
) -> std::io::Result<(SyncSender<Job>, Receiver<(usize, Vec<u8>)>)> {
    let (jobs, queue) = mpsc::sync_channel::<Job>(pool.queue);
    let (done, answers) = mpsc::channel();
    let queue = Arc::new(Mutex::new(queue));
    let handler = Arc::new(handler);
    for k in 0..pool.workers.max(1) {
        let (queue, done, waker, handler) = (
            Arc::clone(&queue),
            done.clone(),
            Arc::clone(&waker),
            Arc::clone(&handler),
        );
        std::thread::Builder::new()
            .name(format!("serve-worker-{k}"))
            .spawn(move || {
                loop {
                    let job = {
                        let q = queue.lock().unwrap_or_else(|e| e.into_inner());
                        match q.recv() {
                            Ok(j) => j,
                            Err(_) => return,
                        }
                    };
                    let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        handler(&job.request)
                    }))
                    .unwrap_or_else(|_| {
                        Response::new(
                            500,
                            "<p>the server failed on this request (a bug)</p>".into(),
                        )
                    });
                    if done.send((job.conn, resp.bytes())).is_err() {
                        return;
                    }
                    let _ = waker.wake();
                }
            })?;
    }
    Ok((jobs, answers))
}

struct Loop {
    poll: Poll,
    listener: TcpListener,
    conns: HashMap<usize, Conn>,
    /// The next connection's token (never reused, so that a late answer cannot
    /// reach another connection).
    next: usize,
    /// Accepting stopped for want of file descriptors; retried as they free up.
    accept_paused: bool,
    hosts: Hosts,
    jobs: SyncSender<Job>,
    error_page: fn(&str) -> String,
    queue: usize,
}

impl Loop {
    /// Until the nearest deadline, at most a second.
    fn timeout(&self) -> Duration {
        let now = Instant::now();
        let mut t = if self.accept_paused {
            Duration::from_millis(50)
        } else {
            Duration::from_secs(1)
        };
        for c in self.conns.values() {
            if !matches!(c.phase, Phase::Waiting) {
                t = t.min(c.deadline.saturating_duration_since(now));
            }
        }
        t
    }

    fn accept(&mut self) {
        self.accept_paused = false;
        loop {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    if self.conns.len() >= MAX_CONNECTIONS {
                        continue; // dropped: closed at once
                    }
                    let id = self.next;
                    self.next += 1;
                    if self
                        .poll
                        .registry()
                        .register(&mut stream, Token(id), Interest::READABLE)
                        .is_err()
                    {
                        continue;
                    }
                    self.conns.insert(
                        id,
                        Conn {
                            stream,
                            phase: Phase::Reading,
                            deadline: Instant::now() + REQUEST_DEADLINE,
                            input: Vec::new(),
                            output: Vec::new(),
                            written: 0,
                        },
                    );
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if matches!(e.raw_os_error(), Some(23 | 24)) => {
                    // ENFILE, EMFILE: wait for a connection to close.
                    self.accept_paused = true;
                    return;
                }
                Err(_) => continue,
            }
        }
    }

    fn close(&mut self, id: usize) {
        if let Some(mut c) = self.conns.remove(&id) {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }

    /// A readiness event on connection `id`.
    fn ready(&mut self, id: usize, scratch: &mut [u8]) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        match c.phase {
            Phase::Reading => {
                let mut eof = false;
                while c.input.len() <= MAX_REQUEST {
                    match c.stream.read(scratch) {
                        Ok(0) => {
                            eof = true;
                            break;
                        }
                        Ok(n) => c.input.extend_from_slice(&scratch[..n]),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(_) => {
                            eof = true;
                            break;
                        }
                    }
                }
                match parse(&c.input, &self.hosts) {
                    Parsed::Partial if eof => self.close(id),
                    Parsed::Partial => {}
                    Parsed::Done(request) => self.dispatch(id, request),
                    Parsed::Refuse(status, msg) => {
                        let body = (self.error_page)(&msg);
                        self.answer(id, Response::new(status, body).bytes());
                    }
                }
            }
            Phase::Waiting => {
                // Anything more the client sends is not read as a request.
                while let Ok(n) = c.stream.read(scratch) {
                    if n == 0 {
                        break;
                    }
                }
            }
            Phase::Writing => self.write(id),
            Phase::Closing => loop {
                match c.stream.read(scratch) {
                    Ok(0) => break self.close(id),
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break self.close(id),
                }
            },
        }
    }

    /// Hand a complete request to the workers (503 if their queue is full).
    fn dispatch(&mut self, id: usize, request: Request) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        c.phase = Phase::Waiting;
        match self.jobs.try_send(Job { conn: id, request }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let msg = format!(
                    "the server is busy: {} runs are waiting already; try again in a few seconds",
                    self.queue
                );
                let body = (self.error_page)(&msg);
                self.answer(id, Response::new(503, body).bytes());
            }
            Err(TrySendError::Disconnected(_)) => {
                let body = (self.error_page)("the server's workers have stopped (a bug)");
                self.answer(id, Response::new(500, body).bytes());
            }
        }
    }

    /// Start writing `bytes` to connection `id` (if it is still there).
    fn answer(&mut self, id: usize, bytes: Vec<u8>) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        c.phase = Phase::Writing;
        c.deadline = Instant::now() + WRITE_DEADLINE;
        c.output = bytes;
        c.written = 0;
        c.input = Vec::new();
        let interest = Interest::READABLE | Interest::WRITABLE;
        if self
            .poll
            .registry()
            .reregister(&mut c.stream, Token(id), interest)
            .is_err()
        {
            return self.close(id);
        }
        self.write(id);
    }

    fn write(&mut self, id: usize) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        while c.written < c.output.len() {
            match c.stream.write(&c.output[c.written..]) {
                Ok(0) => return self.close(id),
                Ok(n) => c.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return self.close(id),
            }
        }
        let _ = c.stream.flush();
        let _ = c.stream.shutdown(Shutdown::Write);
        c.phase = Phase::Closing;
        c.deadline = Instant::now() + LINGER;
        c.output = Vec::new();
        if self
            .poll
            .registry()
            .reregister(&mut c.stream, Token(id), Interest::READABLE)
            .is_err()
        {
            self.close(id);
        }
    }

    /// Answer 408 to requests past their deadline; drop answers past theirs.
    fn expire(&mut self) {
        let now = Instant::now();
        let late: Vec<(usize, bool)> = self
            .conns
            .iter()
            .filter(|(_, c)| !matches!(c.phase, Phase::Waiting) && c.deadline <= now)
            .map(|(id, c)| (*id, matches!(c.phase, Phase::Reading)))
            .collect();
        for (id, reading) in late {
            if reading {
                let msg = format!(
                    "request: expected the whole request within {} s, got part of it",
                    REQUEST_DEADLINE.as_secs()
                );
                let body = (self.error_page)(&msg);
                self.answer(id, Response::new(408, body).bytes());
            } else {
                self.close(id);
            }
        }
    }
}
