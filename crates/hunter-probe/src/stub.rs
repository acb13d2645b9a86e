//! [`DnsLookup`] over a stub resolver of our own: recursive queries to the configured servers
//! over a small pool of long-lived UDP sockets, TCP when an answer is truncated.
//!
//! Why not hickory-resolver: it binds, registers and closes a fresh UDP socket for every query,
//! and that syscall work capped a scan at a sixth of what the DNS server could answer
//! (`cargo bench -p hunter-engine --bench scan`). Messages are still hickory-proto's.
//!
//! Behaviour (`hunter.md` §3.2): per-query timeout, one retry (on the next server when there
//! are several), EDNS0, TCP on truncation, identical in-flight queries sent once, a global cap
//! on queries in flight. Nothing is cached, so a rescan always asks the servers. Answers must
//! come from the server asked, carry the query's random id and echo its question.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use hickory_resolver::proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hunter_core::dns::{Lookup, MxRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{OnceCell, Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;

use crate::{DnsLookup, ProbeError};

/// Sockets per address family. Several, so one socket's receive queue and its receiving task
/// are not the bottleneck, and answers are spread over several source ports.
const SOCKETS: usize = 8;
/// The EDNS0 payload size we advertise (the DNS Flag Day 2020 value).
const EDNS_PAYLOAD: u16 = 1232;
/// CNAME links followed for an MX or TXT query whose answer stops at a CNAME.
const MAX_CNAME_LINKS: usize = 8;
/// Kernel receive buffer per socket: bursts of a thousand answers must not be dropped.
const RECV_BUFFER: usize = 4 << 20;

/// The stub resolver. Cloning is cheap and shares sockets, the in-flight cap and single-flight.
#[derive(Debug, Clone)]
pub struct StubResolver {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    servers: Vec<SocketAddr>,
    query_timeout: Duration,
    /// Bound on first use: building a resolver needs no runtime, binding a tokio socket does.
    sockets: OnceCell<Sockets>,
    next_socket: AtomicUsize,
    permits: Semaphore,
    flights: Mutex<HashMap<FlightKey, Flight>>,
}

type FlightKey = (String, RecordType);
type Answer = Arc<Outcome>;

#[derive(Debug)]
struct Flight {
    answer: Shared<BoxFuture<'static, Answer>>,
    waiters: usize,
}

/// What the servers said to one question, after CNAME links were followed.
#[derive(Debug)]
enum Outcome {
    Records(Vec<Record>),
    NxDomain,
    Timeout,
    Failed,
}

#[derive(Debug)]
struct Sockets {
    v4: Vec<Arc<Channel>>,
    v6: Vec<Arc<Channel>>,
    receivers: Vec<JoinHandle<()>>,
}

/// One UDP socket and the queries waiting for an answer on it, by message id.
#[derive(Debug)]
struct Channel {
    socket: UdpSocket,
    waiting: Mutex<HashMap<u16, Waiting>>,
    /// Tells apart two queries that used the same id one after the other.
    next_ticket: AtomicU64,
}

#[derive(Debug)]
struct Waiting {
    server: SocketAddr,
    ticket: u64,
    answer: oneshot::Sender<Vec<u8>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(sockets) = self.sockets.get() {
            for receiver in &sockets.receivers {
                receiver.abort();
            }
        }
    }
}

impl StubResolver {
    /// `servers`: `None` reads `/etc/resolv.conf`; public resolvers are never added.
    pub fn new(
        servers: Option<&[SocketAddr]>,
        query_timeout: Duration,
        max_in_flight: usize,
    ) -> Result<StubResolver, ProbeError> {
        if query_timeout.is_zero() {
            return Err(ProbeError::Zero("the DNS query timeout"));
        }
        if max_in_flight == 0 {
            return Err(ProbeError::Zero("the in-flight query cap"));
        }
        let servers = match servers {
            Some(servers) => servers.to_vec(),
            None => system_servers()?,
        };
        if servers.is_empty() {
            return Err(ProbeError::NoServers);
        }
        Ok(StubResolver {
            inner: Arc::new(Inner {
                servers,
                query_timeout,
                sockets: OnceCell::new(),
                next_socket: AtomicUsize::new(0),
                permits: Semaphore::new(max_in_flight),
                flights: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The answer to `name`/`record_type`, joining an identical query already in flight.
    async fn lookup(&self, name: &str, record_type: RecordType) -> Answer {
        let key = (name.to_ascii_lowercase(), record_type);
        let answer = {
            let mut flights = lock(&self.inner.flights);
            let flight = flights.entry(key.clone()).or_insert_with(|| {
                let inner = self.inner.clone();
                let (name, record_type) = key.clone();
                Flight {
                    answer: async move { Arc::new(resolve(&inner, &name, record_type).await) }
                        .boxed()
                        .shared(),
                    waiters: 0,
                }
            });
            flight.waiters += 1;
            flight.answer.clone()
        };
        // Leaving (done or cut off by the domain deadline) forgets the flight once nobody
        // waits for it, so a later query is sent afresh rather than joining a stale one.
        let _leave = LeaveFlight {
            inner: &self.inner,
            key,
            answer: answer.clone(),
        };
        answer.await
    }
}

struct LeaveFlight<'a> {
    inner: &'a Inner,
    key: FlightKey,
    answer: Shared<BoxFuture<'static, Answer>>,
}

impl Drop for LeaveFlight<'_> {
    fn drop(&mut self) {
        let mut flights = lock(&self.inner.flights);
        if let Some(flight) = flights.get_mut(&self.key)
            && flight.answer.ptr_eq(&self.answer)
        {
            flight.waiters -= 1;
            if flight.waiters == 0 {
                flights.remove(&self.key);
            }
        }
    }
}

/// A poisoned map only means another query panicked mid-update; the map itself stays valid.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Nameservers of `/etc/resolv.conf`, with their ports.
fn system_servers() -> Result<Vec<SocketAddr>, ProbeError> {
    let (config, _) =
        hickory_resolver::system_conf::read_system_conf().map_err(ProbeError::SystemResolver)?;
    Ok(config
        .name_servers()
        .iter()
        .map(|server| {
            let port = server.connections.first().map_or(53, |c| c.port);
            SocketAddr::new(server.ip, port)
        })
        .collect())
}

/// Asks the servers, following CNAME links when an MX or TXT answer stops at one (a recursive
/// server follows them itself; an authoritative one stops at its zone's edge).
async fn resolve(inner: &Inner, name: &str, record_type: RecordType) -> Outcome {
    let Ok(mut target) = Name::from_ascii(name).map(|mut n| {
        n.set_fqdn(true);
        n
    }) else {
        return Outcome::Failed;
    };
    let mut chain = Vec::new();
    for _ in 0..=MAX_CNAME_LINKS {
        let records = match exchange(inner, &target, record_type).await {
            Outcome::Records(records) => records,
            other => return other,
        };
        let answered = records.iter().any(|r| r.record_type() == record_type);
        let next = (record_type != RecordType::CNAME && !answered)
            .then(|| chain_end(&target, &records))
            .flatten();
        chain.extend(records);
        match next {
            Some(next) => target = next,
            None => return Outcome::Records(chain),
        }
    }
    Outcome::Failed
}

/// Where the CNAME links in `records` starting at `name` lead, if they lead anywhere.
fn chain_end(name: &Name, records: &[Record]) -> Option<Name> {
    let mut at = name.clone();
    let mut moved = false;
    for _ in 0..=records.len() {
        let next = records.iter().find_map(|r| match &r.data {
            RData::CNAME(target) if r.name == at => Some(target.0.clone()),
            _ => None,
        });
        match next {
            Some(next) => {
                at = next;
                moved = true;
            }
            None => break,
        }
    }
    moved.then_some(at)
}

/// One question: UDP to the first server, one retry on the next after a timeout, TCP when the
/// answer is truncated.
async fn exchange(inner: &Inner, name: &Name, record_type: RecordType) -> Outcome {
    let Ok(_permit) = inner.permits.acquire().await else {
        return Outcome::Failed;
    };
    let sockets = match inner.sockets.get_or_try_init(bind_sockets).await {
        Ok(sockets) => sockets,
        Err(error) => {
            tracing::error!(%error, "cannot open a UDP socket for DNS queries");
            return Outcome::Failed;
        }
    };
    for attempt in 0..2 {
        let server = inner.servers[attempt % inner.servers.len()];
        let channels = match server {
            SocketAddr::V4(_) => &sockets.v4,
            SocketAddr::V6(_) => &sockets.v6,
        };
        let next = inner.next_socket.fetch_add(1, Ordering::Relaxed);
        let Some(channel) = channels.get(next % channels.len().max(1)) else {
            tracing::debug!(%server, "no socket of this address family could be opened");
            return Outcome::Failed;
        };
        let asked = async {
            let response = ask_udp(channel, server, name, record_type).await?;
            match response.metadata.truncation {
                true => ask_tcp(server, name, record_type).await,
                false => Ok(response),
            }
        };
        match timeout(inner.query_timeout, asked).await {
            Ok(Ok(response)) => return outcome(response, name, record_type),
            Ok(Err(error)) => {
                tracing::debug!(%error, %server, "DNS query failed");
                return Outcome::Failed;
            }
            Err(_elapsed) => {}
        }
    }
    Outcome::Timeout
}

fn outcome(response: Message, name: &Name, record_type: RecordType) -> Outcome {
    // Names compare case-insensitively.
    let echoed =
        matches!(&response.queries[..], [q] if q.query_type() == record_type && q.name() == name);
    if response.metadata.message_type != MessageType::Response || !echoed {
        return Outcome::Failed;
    }
    match response.metadata.response_code {
        ResponseCode::NoError => Outcome::Records(response.answers),
        ResponseCode::NXDomain => Outcome::NxDomain,
        _ => Outcome::Failed,
    }
}

fn query_message(id: u16, name: &Name, record_type: RecordType) -> Message {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(name.clone(), record_type));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    message.set_edns(edns);
    message
}

async fn ask_udp(
    channel: &Channel,
    server: SocketAddr,
    name: &Name,
    record_type: RecordType,
) -> std::io::Result<Message> {
    let (sender, answer) = oneshot::channel();
    let ticket = channel.next_ticket.fetch_add(1, Ordering::Relaxed);
    let id = {
        let mut waiting = lock(&channel.waiting);
        let id = loop {
            let id = rand::random::<u16>();
            if !waiting.contains_key(&id) {
                break id;
            }
        };
        waiting.insert(
            id,
            Waiting {
                server,
                ticket,
                answer: sender,
            },
        );
        id
    };
    // Cut off by a timeout or the domain deadline: the id is free again.
    let _forget = Forget {
        channel,
        id,
        ticket,
    };
    let bytes = query_message(id, name, record_type)
        .to_vec()
        .map_err(std::io::Error::other)?;
    channel.socket.send_to(&bytes, server).await?;
    let bytes = answer
        .await
        .map_err(|_| std::io::Error::other("the DNS socket closed"))?;
    Message::from_vec(&bytes).map_err(std::io::Error::other)
}

struct Forget<'a> {
    channel: &'a Channel,
    id: u16,
    ticket: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        let mut waiting = lock(&self.channel.waiting);
        // Once answered, the id may already belong to a newer query.
        if waiting
            .get(&self.id)
            .is_some_and(|w| w.ticket == self.ticket)
        {
            waiting.remove(&self.id);
        }
    }
}

async fn ask_tcp(
    server: SocketAddr,
    name: &Name,
    record_type: RecordType,
) -> std::io::Result<Message> {
    let id = rand::random::<u16>();
    let bytes = query_message(id, name, record_type)
        .to_vec()
        .map_err(std::io::Error::other)?;
    let length = u16::try_from(bytes.len()).map_err(std::io::Error::other)?;
    let mut stream = TcpStream::connect(server).await?;
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(&bytes);
    stream.write_all(&framed).await?;
    let length = stream.read_u16().await?;
    let mut answer = vec![0; usize::from(length)];
    stream.read_exact(&mut answer).await?;
    let message = Message::from_vec(&answer).map_err(std::io::Error::other)?;
    match message.metadata.id == id {
        true => Ok(message),
        false => Err(std::io::Error::other("the TCP answer carries another id")),
    }
}

async fn bind_sockets() -> std::io::Result<Sockets> {
    let v4 = bind_many(Ipv4Addr::UNSPECIFIED.into()).await?;
    // A host without IPv6 still resolves over IPv4; queries to IPv6 servers then fail.
    let v6 = bind_many(Ipv6Addr::UNSPECIFIED.into())
        .await
        .unwrap_or_default();
    let receivers = v4
        .iter()
        .chain(&v6)
        .map(|channel| tokio::spawn(receive(channel.clone())))
        .collect();
    Ok(Sockets { v4, v6, receivers })
}

async fn bind_many(ip: IpAddr) -> std::io::Result<Vec<Arc<Channel>>> {
    let mut channels = Vec::with_capacity(SOCKETS);
    for _ in 0..SOCKETS {
        channels.push(bind(SocketAddr::new(ip, 0)).await?);
    }
    Ok(channels)
}

async fn bind(addr: SocketAddr) -> std::io::Result<Arc<Channel>> {
    let socket = UdpSocket::bind(addr).await?;
    // Best effort: the kernel caps the size at rmem_max.
    let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(RECV_BUFFER);
    Ok(Arc::new(Channel {
        socket,
        waiting: Mutex::new(HashMap::new()),
        next_ticket: AtomicU64::new(0),
    }))
}

/// Hands each datagram to the query waiting for its id, if it came from the server asked.
async fn receive(channel: Arc<Channel>) {
    let mut buffer = vec![0u8; 65_535];
    loop {
        let (length, from) = match channel.socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            // ICMP errors surface here on some systems; the query times out and is retried.
            Err(_) => continue,
        };
        let Some(id) = buffer.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
            continue;
        };
        let waiting = {
            let mut waiting = lock(&channel.waiting);
            match waiting.get(&id) {
                Some(w) if w.server == from => waiting.remove(&id),
                _ => None,
            }
        };
        if let Some(waiting) = waiting {
            let _ = waiting.answer.send(buffer[..length].to_vec());
        }
    }
}

impl DnsLookup for StubResolver {
    async fn mx(&self, name: &str) -> Lookup<MxRecord> {
        records(
            &*self.lookup(name, RecordType::MX).await,
            |data| match data {
                RData::MX(mx) => Some(MxRecord {
                    preference: mx.preference,
                    host: mx.exchange.to_ascii(),
                }),
                _ => None,
            },
        )
    }

    async fn txt(&self, name: &str) -> Lookup<String> {
        records(
            &*self.lookup(name, RecordType::TXT).await,
            |data| match data {
                RData::TXT(txt) => Some(joined(&txt.txt_data)),
                // CNAMEs of the chain come along in the answer; only the TXT data counts.
                _ => None,
            },
        )
    }

    async fn cname(&self, name: &str) -> Lookup<String> {
        records(
            &*self.lookup(name, RecordType::CNAME).await,
            |data| match data {
                RData::CNAME(target) => Some(
                    target
                        .0
                        .to_ascii()
                        .trim_end_matches('.')
                        .to_ascii_lowercase(),
                ),
                _ => None,
            },
        )
    }
}

/// A TXT record's character-strings joined without separators (§3.4).
fn joined(strings: &[Box<[u8]>]) -> String {
    String::from_utf8_lossy(&strings.concat()).into_owned()
}

/// NXDOMAIN and NODATA are answers; a timeout is a timeout; every other response code
/// (SERVFAIL, REFUSED, …) and transport error is a failure.
fn records<R>(outcome: &Outcome, pick: impl Fn(&RData) -> Option<R>) -> Lookup<R> {
    match outcome {
        Outcome::Records(records) => {
            Lookup::Answer(records.iter().filter_map(|r| pick(&r.data)).collect())
        }
        Outcome::NxDomain => Lookup::NxDomain,
        Outcome::Timeout => Lookup::Timeout,
        Outcome::Failed => Lookup::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_strings_join_without_separator() {
        let strings: Vec<Box<[u8]>> =
            vec![b"v=spf1 a ".as_slice().into(), b"-all".as_slice().into()];
        assert_eq!(joined(&strings), "v=spf1 a -all");
    }

    #[test]
    fn configuration_errors_are_named() {
        let zero = StubResolver::new(Some(&[]), Duration::ZERO, 1).unwrap_err();
        assert!(matches!(zero, ProbeError::Zero(_)), "{zero}");
        let empty = StubResolver::new(Some(&[]), Duration::from_secs(1), 1).unwrap_err();
        assert!(matches!(empty, ProbeError::NoServers), "{empty}");
    }

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap()
    }

    fn cname(from: &str, to: &str) -> Record {
        Record::from_rdata(
            name(from),
            300,
            RData::CNAME(hickory_resolver::proto::rr::rdata::CNAME(name(to))),
        )
    }

    #[test]
    fn a_cname_chain_is_followed_to_its_end() {
        let records = [
            cname("b.example.", "c.example."),
            cname("a.example.", "b.example."),
        ];
        assert_eq!(
            chain_end(&name("A.example."), &records),
            Some(name("c.example."))
        );
        assert_eq!(chain_end(&name("x.example."), &records), None);
        let looped = [
            cname("a.example.", "b.example."),
            cname("b.example.", "a.example."),
        ];
        assert!(chain_end(&name("a.example."), &looped).is_some());
    }

    #[test]
    fn an_answer_must_echo_the_question() {
        let mut response = Message::new(1, MessageType::Response, OpCode::Query);
        response.add_query(Query::query(name("a.example."), RecordType::TXT));
        assert!(matches!(
            outcome(response.clone(), &name("A.Example."), RecordType::TXT),
            Outcome::Records(_)
        ));
        assert!(matches!(
            outcome(response.clone(), &name("b.example."), RecordType::TXT),
            Outcome::Failed
        ));
        assert!(matches!(
            outcome(response.clone(), &name("a.example."), RecordType::MX),
            Outcome::Failed
        ));
        response.metadata.response_code = ResponseCode::NXDomain;
        assert!(matches!(
            outcome(response.clone(), &name("a.example."), RecordType::TXT),
            Outcome::NxDomain
        ));
        response.metadata.response_code = ResponseCode::ServFail;
        assert!(matches!(
            outcome(response, &name("a.example."), RecordType::TXT),
            Outcome::Failed
        ));
    }
}
