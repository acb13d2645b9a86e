//! The in-process authoritative DNS server and the never-answering address.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{Header, HeaderCounts};
use hickory_server::proto::rr::{LowerName, Name, RecordType};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

/// One zone in zone-file syntax: its origin and the records that matter. [`Zone::text`] adds
/// `$ORIGIN`, `$TTL`, SOA and NS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The zone apex without a trailing dot, e.g. `contoso.com`.
    pub origin: String,
    /// Zone-file lines relative to the origin (`@ MX 10 mx.example.net.`,
    /// `_dmarc TXT "v=DMARC1; p=none"`).
    pub records: String,
}

impl Zone {
    pub fn new(origin: &str, records: &str) -> Zone {
        Zone {
            origin: origin.trim_end_matches('.').to_owned(),
            records: records.to_owned(),
        }
    }

    /// The complete zone file.
    pub fn text(&self) -> String {
        let origin = &self.origin;
        format!(
            "$ORIGIN {origin}.\n$TTL 300\n\
             @ IN SOA ns1.fixture-dns.net. hostmaster.fixture-dns.net. 1 3600 600 86400 300\n\
             @ IN NS ns1.fixture-dns.net.\n{}\n",
            self.records
        )
    }
}

/// Fault injection for [`DnsServer::start_with_faults`]. The default injects nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    /// Added before every answer.
    pub latency: Duration,
    /// Probability (0.0–1.0) that a UDP query is dropped without an answer. TCP is never
    /// dropped: a real TCP stream retransmits instead of losing a query.
    pub loss: f64,
    /// Seed of the loss decisions, so a run can be repeated.
    pub seed: u64,
}

/// An authoritative DNS server on 127.0.0.1 (UDP and TCP, same ephemeral port). It stops when
/// dropped or on [`DnsServer::shutdown`].
pub struct DnsServer {
    addr: SocketAddr,
    server: Server<FaultyCatalog>,
    queries: Arc<AtomicU64>,
    mx_queries: Arc<Mutex<HashMap<String, u32>>>,
}

impl DnsServer {
    /// Serves `zones` without faults. Names under no zone get REFUSED; names inside a zone
    /// that do not exist get an authoritative NXDOMAIN.
    pub async fn start(zones: &[Zone]) -> DnsServer {
        DnsServer::start_with_faults(zones, Faults::default()).await
    }

    /// Serves `zones`, delaying and dropping answers as `faults` says.
    ///
    /// Panics on an invalid or duplicate zone: fixtures are code, a broken one is a bug.
    pub async fn start_with_faults(zones: &[Zone], faults: Faults) -> DnsServer {
        let queries = Arc::new(AtomicU64::new(0));
        let mx_queries = Arc::new(Mutex::new(HashMap::new()));
        let handler = FaultyCatalog {
            catalog: catalog(zones),
            faults,
            rng: Mutex::new(SplitMix64(faults.seed)),
            queries: queries.clone(),
            mx_queries: mx_queries.clone(),
        };
        let (udp, tcp, addr) = bind_udp_and_tcp_on_one_port().await;
        let mut server = Server::new(handler);
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(10), 64 * 1024);
        DnsServer {
            addr,
            server,
            queries,
            mx_queries,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queries received so far (UDP and TCP, dropped ones included): benchmarks report queries
    /// per domain.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// How many MX queries each name got (lower case, no trailing dot). A scan asks for a
    /// domain's MX once, so this counts the scans of each domain, across every process using
    /// this server.
    pub fn mx_queries(&self) -> HashMap<String, u32> {
        self.mx_queries
            .lock()
            .expect("MX query counts lock")
            .clone()
    }

    /// Stops accepting queries and waits for the server tasks to end.
    pub async fn shutdown(mut self) {
        // An error here only reports how a socket task ended; the server is stopped either way.
        let _ = self.server.shutdown_gracefully().await;
    }
}

/// A UDP port the kernel picked may already be taken for TCP by another test's socket, so a
/// clash means "try another port", not a failure.
async fn bind_udp_and_tcp_on_one_port() -> (UdpSocket, TcpListener, SocketAddr) {
    let mut last_error = None;
    for _ in 0..32 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind a UDP socket on 127.0.0.1");
        // Bursts of a thousand queries overflow the default receive buffer (~200 KB) and the
        // kernel drops them; a real resolver has room. The kernel caps this at rmem_max.
        let _ = socket2::SockRef::from(&udp).set_recv_buffer_size(8 << 20);
        let addr = udp.local_addr().expect("UDP socket has a local address");
        match TcpListener::bind(addr).await {
            Ok(tcp) => return (udp, tcp, addr),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => last_error = Some(error),
            Err(error) => panic!("bind TCP on {addr}: {error}"),
        }
    }
    panic!("no loopback port was free for both UDP and TCP: {last_error:?}")
}

fn catalog(zones: &[Zone]) -> Catalog {
    let mut catalog = Catalog::new();
    let mut seen = HashSet::new();
    for zone in zones {
        assert!(
            seen.insert(zone.origin.to_ascii_lowercase()),
            "zone {} is served twice",
            zone.origin
        );
        let origin = Name::from_ascii(format!("{}.", zone.origin))
            .unwrap_or_else(|e| panic!("zone origin {} is not a name: {e}", zone.origin));
        // The parser reports the last `$ORIGIN` it saw; the apex is ours.
        let (_, records) = Parser::new(zone.text(), None, None)
            .parse()
            .unwrap_or_else(|e| panic!("zone {} does not parse: {e}", zone.origin));
        let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            origin.clone(),
            records,
            ZoneType::Primary,
            AxfrPolicy::Deny,
        )
        .unwrap_or_else(|e| panic!("zone {} is not servable: {e}", zone.origin));
        catalog.upsert(LowerName::new(&origin), vec![Arc::new(handler)]);
    }
    catalog
}

/// The catalog behind a latency and loss injector.
struct FaultyCatalog {
    catalog: Catalog,
    faults: Faults,
    rng: Mutex<SplitMix64>,
    queries: Arc<AtomicU64>,
    mx_queries: Arc<Mutex<HashMap<String, u32>>>,
}

impl FaultyCatalog {
    fn drops(&self, request: &Request) -> bool {
        if self.faults.loss <= 0.0 || request.protocol() != Protocol::Udp {
            return false;
        }
        let draw = self.rng.lock().expect("loss RNG lock").next_unit();
        draw < self.faults.loss
    }
}

#[async_trait::async_trait]
impl RequestHandler for FaultyCatalog {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
    ) -> ResponseInfo {
        self.queries.fetch_add(1, Ordering::Relaxed);
        if let Ok(info) = request.request_info()
            && info.query.query_type() == RecordType::MX
        {
            let name = info.query.name().to_string();
            let name = name.trim_end_matches('.').to_owned();
            *self
                .mx_queries
                .lock()
                .expect("MX query counts lock")
                .entry(name)
                .or_default() += 1;
        }
        if self.drops(request) {
            // Nothing is sent; the returned header only feeds the server's logging.
            return ResponseInfo::from(Header {
                metadata: request.metadata,
                counts: HeaderCounts::default(),
            });
        }
        if !self.faults.latency.is_zero() {
            tokio::time::sleep(self.faults.latency).await;
        }
        self.catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}

/// A tiny seeded generator (SplitMix64); loss decisions need repeatability, not quality.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits make a uniform f64 in [0, 1).
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Keeps a loopback UDP socket (and a TCP listener on the same port) open that never answer.
pub struct DeadDns {
    addr: SocketAddr,
    _udp: std::net::UdpSocket,
    _tcp: std::net::TcpListener,
}

impl DeadDns {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// An address where queries are received but never answered, for "no answer" tests. Without
/// a bound socket the kernel would reject the packets, which is a failure, not a timeout.
pub fn dead_dns_addr() -> DeadDns {
    // The TCP port can be taken even though the UDP one was free; try a few ports.
    for _ in 0..20 {
        let udp = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("bind a UDP socket on 127.0.0.1");
        let addr = udp.local_addr().expect("UDP socket has a local address");
        if let Ok(tcp) = std::net::TcpListener::bind(addr) {
            return DeadDns {
                addr,
                _udp: udp,
                _tcp: tcp,
            };
        }
    }
    panic!("no loopback port free for both UDP and TCP")
}
