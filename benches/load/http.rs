//! A minimal HTTP/1.1 client, just enough for these endpoints and cheap per request: a
//! request is rendered to bytes once (`Request`, `Target`), then each exchange on a
//! keep-alive `Connection` is one write and one read, with only the parts of the response
//! head the load generator needs parsed (`Head`). A general HTTP client spends more CPU per
//! request than the cheap endpoints do, and would starve the server of cores.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;

use anyhow::{Context, Result, ensure};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// An HTTP/1.1 request rendered once to bytes: every request of a scenario is identical, so
/// the load generator spends nothing on building requests.
pub(crate) struct Request {
    pub(crate) target: SocketAddr,
    pub(crate) bytes: Bytes,
}

impl Request {
    pub(crate) fn get(url: &Url) -> Result<Request> {
        Request::render("GET", url, &[], "")
    }

    pub(crate) fn get_with(url: &Url, headers: &[(&str, &str)]) -> Result<Request> {
        Request::render("GET", url, headers, "")
    }

    pub(crate) fn post_form(url: &Url, authorization: &str, form: &str) -> Result<Request> {
        let headers = [
            ("authorization", authorization),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        Request::render("POST", url, &headers, form)
    }

    fn render(method: &str, url: &Url, headers: &[(&str, &str)], body: &str) -> Result<Request> {
        let target = Target::of(url)?;
        let path_and_query = &url[url::Position::BeforePath..url::Position::AfterQuery];
        Ok(Request {
            bytes: target.render(method, path_and_query, headers, body),
            target: target.address,
        })
    }
}

/// Where requests go: the address to connect to and the `host` header to send.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) address: SocketAddr,
    host: String,
}

impl Target {
    pub(crate) fn of(url: &Url) -> Result<Target> {
        ensure!(
            url.scheme() == "http",
            "{url}: the load generator speaks plain http only"
        );
        let address = url
            .socket_addrs(|| None)
            .with_context(|| format!("{url}: cannot resolve its address"))?
            .into_iter()
            .next()
            .with_context(|| format!("{url}: resolves to no address"))?;
        let mut host = url.host_str().context("a URL without a host")?.to_string();
        if let Some(port) = url.port() {
            write!(host, ":{port}")?;
        }
        Ok(Target { address, host })
    }

    /// An HTTP/1.1 request for `path_and_query` on this target, as bytes.
    pub(crate) fn render(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Bytes {
        let mut text = String::with_capacity(256 + body.len());
        // Writing to a String cannot fail.
        let _ = write!(
            text,
            "{method} {path_and_query} HTTP/1.1\r\nhost: {}\r\n",
            self.host
        );
        for (name, value) in headers {
            let _ = write!(text, "{name}: {value}\r\n");
        }
        if method != "GET" {
            let _ = write!(text, "content-length: {}\r\n", body.len());
        }
        text.push_str("\r\n");
        text.push_str(body);
        Bytes::from(text)
    }
}

pub(crate) struct Response {
    pub(crate) status: u16,
    /// The status line and headers, without the blank line that ends them.
    head: Bytes,
    pub(crate) body: Bytes,
    /// The server will close the connection after this response.
    close: bool,
}

impl Response {
    /// The values of every header called `name` (the browser flow reads `location` and
    /// `set-cookie`; the single-request scenarios never parse more than `Head` does).
    pub(crate) fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        std::str::from_utf8(&self.head)
            .unwrap_or_default()
            .split("\r\n")
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(move |(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
    }

    pub(crate) fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.headers(name).next()
    }

    /// The start of the body, for error messages.
    pub(crate) fn body_excerpt(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
    }
}

/// One keep-alive connection; requests are sent one at a time (no pipelining).
pub(crate) struct Connection {
    stream: TcpStream,
    buffer: BytesMut,
}

const READ_CHUNK: usize = 8 * 1024;
const MAX_HEAD: usize = 64 * 1024;

impl Connection {
    async fn open(target: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(target).await?;
        // Each request goes out whole and waits for its answer: Nagle would only add delay.
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: BytesMut::with_capacity(READ_CHUNK),
        })
    }

    async fn exchange(&mut self, request: &[u8]) -> io::Result<Response> {
        self.stream.write_all(request).await?;
        loop {
            if let Some(head) = Head::parse(&self.buffer)? {
                let total = head.len + head.content_length;
                while self.buffer.len() < total {
                    self.fill().await?;
                }
                let message = self.buffer.split_to(total).freeze();
                return Ok(Response {
                    status: head.status,
                    head: message.slice(..head.len - 4),
                    body: message.slice(head.len..),
                    close: head.close,
                });
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        self.buffer.reserve(READ_CHUNK);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

/// The parts of a response head the load generator needs.
struct Head {
    len: usize,
    status: u16,
    content_length: usize,
    close: bool,
}

impl Head {
    /// `Ok(None)`: the head has not fully arrived yet.
    fn parse(buffer: &[u8]) -> io::Result<Option<Head>> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            if buffer.len() > MAX_HEAD {
                return Err(invalid("response head too large"));
            }
            return Ok(None);
        };
        let text = std::str::from_utf8(&buffer[..end]).map_err(|_| invalid("head not UTF-8"))?;
        let mut lines = text.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.strip_prefix("HTTP/1.1 "))
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("bad status line"))?;
        let (mut content_length, mut close) = (None, false);
        for (name, value) in lines.filter_map(|line| line.split_once(':')) {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                // Every farm-auth response has a known length; decoding chunks is not needed.
                return Err(invalid(
                    "chunked responses are not supported by the load generator",
                ));
            }
        }
        let content_length = content_length.ok_or_else(|| invalid("no content-length"))?;
        Ok(Some(Head {
            len: end + 4,
            status,
            content_length,
            close,
        }))
    }
}

/// Sends a request on the connection, (re)opening it if needed; a connection that failed or
/// that the server is closing is dropped, to be reopened next time.
pub(crate) async fn send(
    connection: &mut Option<Connection>,
    target: SocketAddr,
    request: &[u8],
) -> Result<Response, String> {
    let open = match connection {
        Some(open) => open,
        None => connection.insert(
            Connection::open(target)
                .await
                .map_err(|e| format!("connect: {e}"))?,
        ),
    };
    match open.exchange(request).await {
        Ok(response) => {
            if response.close {
                *connection = None;
            }
            Ok(response)
        }
        Err(error) => {
            *connection = None;
            Err(format!("transport: {error}"))
        }
    }
}

/// Whether `needle` occurs in `haystack` (a response body).
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
